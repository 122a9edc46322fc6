"""Share links and review comments.

A link is a capability: whoever holds the token sees one project's board and the pictures its
scenes show, nothing else (nothing about the owner, no other project's data, no write but a
comment where the link allows it). The token has 256 random bits and only its SHA-256 is stored
(a hash that fast is enough for a secret that cannot be guessed, and lets the database find the
link by an indexed equality rather than comparing secrets in Python). Every request looks the
link up in the database, so a revoked or expired link is dead on every instance at once.
"""

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import Settings
from backend.core.db import advisory_lock
from backend.core.errors import ForbiddenError, NotFoundError, ThrottledError
from backend.models import ShareComment, ShareCommentPost, ShareLink
from backend.repositories import projects as project_repository
from backend.repositories import shares as share_repository
from backend.schemas.share import (
    CommentCreate,
    CommentList,
    CommentPublic,
    CommentUpdate,
    ShareCreate,
    ShareCreated,
    SharedBoard,
    SharePublic,
)
from backend.services import projects as project_service
from backend.services.files import FileContent

TOKEN_BYTES = 32
SHARE_PAGE = "/s/"
SHARE_API = "/api/s/"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True, slots=True)
class CommentLimits:
    per_link: int
    per_address: int
    window: timedelta


def comment_limits(settings: Settings) -> CommentLimits:
    return CommentLimits(
        settings.SHARE_COMMENTS_PER_LINK,
        settings.SHARE_COMMENTS_PER_ADDRESS,
        timedelta(seconds=settings.SHARE_COMMENT_WINDOW_SECONDS),
    )


# --- the owner's side -------------------------------------------------------------------------


async def create_share(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, data: ShareCreate
) -> ShareCreated:
    await project_service.require_project(session, project_id, user_id)
    token = new_token()
    expires_at = (
        None
        if data.expires_in_days is None
        else datetime.now(UTC) + timedelta(days=data.expires_in_days)
    )
    share = await share_repository.add_share(
        session,
        ShareLink(
            project_id=project_id,
            token_hash=hash_token(token),
            allow_comments=data.allow_comments,
            expires_at=expires_at,
        ),
    )
    return ShareCreated(
        **SharePublic.model_validate(share).model_dump(), token=token, url=SHARE_PAGE + token
    )


async def list_shares(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> list[SharePublic]:
    """The project's live links (revoked and expired ones are dead, and cleaned up later)."""
    await project_service.require_project(session, project_id, user_id)
    shares = await share_repository.list_live_shares(session, project_id, datetime.now(UTC))
    return [SharePublic.model_validate(share) for share in shares]


async def revoke_share(session: AsyncSession, share_id: uuid.UUID, user_id: uuid.UUID) -> None:
    if not await share_repository.revoke_owned_share(session, share_id, user_id, datetime.now(UTC)):
        raise NotFoundError("Share link")


async def list_comments(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> CommentList:
    await project_service.require_project(session, project_id, user_id)
    comments = await share_repository.list_project_comments(session, project_id)
    return CommentList(comments=[CommentPublic.model_validate(c) for c in comments])


async def _require_comment(
    session: AsyncSession, comment_id: uuid.UUID, user_id: uuid.UUID
) -> ShareComment:
    comment = await share_repository.get_owned_comment(session, comment_id, user_id)
    if comment is None:
        raise NotFoundError("Comment")
    return comment


async def update_comment(
    session: AsyncSession, comment_id: uuid.UUID, user_id: uuid.UUID, data: CommentUpdate
) -> CommentPublic:
    comment = await _require_comment(session, comment_id, user_id)
    comment.is_resolved = data.resolved
    await session.flush()
    return CommentPublic.model_validate(comment)


async def delete_comment(session: AsyncSession, comment_id: uuid.UUID, user_id: uuid.UUID) -> None:
    comment = await _require_comment(session, comment_id, user_id)
    await share_repository.delete_comment(session, comment.id)


# --- through a link ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenLink:
    share: ShareLink
    owner_id: uuid.UUID
    """Never shown: it scopes the reads to the owner's rows, like the owner's own."""


async def open_share(session: AsyncSession, token: str) -> OpenLink:
    """The live link the token names; a revoked, expired or made-up one is simply not found."""
    found = await share_repository.get_live_share(session, hash_token(token), datetime.now(UTC))
    if found is None:
        raise NotFoundError("Share link")
    return OpenLink(*found)


_board = TypeAdapter(SharedBoard)


async def read_shared_board(session: AsyncSession, token: str) -> SharedBoard:
    """The board from its rows (the owner's read of the project, validated once, as a whole),
    its uploaded pictures served through the link."""
    link = await open_share(session, token)
    found = await project_repository.get_project_with_scenes(
        session, link.share.project_id, link.owner_id
    )
    if found is None:  # the project went in the same moment: so did the link
        raise NotFoundError("Share link")
    project, scenes = found
    files_path = f"{SHARE_API}{token}/files"
    return _board.validate_python(
        {
            **project,
            "scene_count": len(scenes),
            "total_duration_seconds": project_service.total_duration(
                [scene["duration_seconds"] for scene in scenes]
            ),
            "allow_comments": link.share.allow_comments,
            "expires_at": link.share.expires_at,
            "scenes": [{**scene, "files_path": files_path} for scene in scenes],
        }
    )


async def read_shared_file(
    session: AsyncSession, token: str, file_id: uuid.UUID, *, thumbnail: bool = False
) -> FileContent:
    """A picture a scene of the link's project shows; any other file is not found."""
    share = (await open_share(session, token)).share
    found = await share_repository.read_shown_file(
        session, share.project_id, file_id, thumbnail=thumbnail
    )
    if found is None:
        raise NotFoundError("Thumbnail" if thumbnail else "File")
    return FileContent(*found)


async def _retry_after(
    session: AsyncSession,
    where: ColumnElement[bool],
    limit: int,
    window: timedelta,
    now: datetime,
) -> int | None:
    """Seconds until one more post matching `where` fits in the window; None: it fits now."""
    nth_latest = await share_repository.nth_latest_post_at(
        session, where, since=now - window, n=limit
    )
    if nth_latest is None:
        return None
    return max(1, math.ceil((nth_latest + window - now).total_seconds()))


async def add_comment(
    session: AsyncSession,
    token: str,
    scene_id: uuid.UUID,
    data: CommentCreate,
    client_address: str,
    limits: CommentLimits,
) -> CommentPublic:
    """A guest's comment on a frame of the link's project. Posts are counted per link and per
    address under a lock for each (taken in that order, so two posts cannot deadlock), so
    concurrent posts on any instance cannot all take the last place in the window."""
    share = (await open_share(session, token)).share
    if not share.allow_comments:
        raise ForbiddenError("This link does not take comments.")
    if not await share_repository.scene_in_project(session, scene_id, share.project_id):
        raise NotFoundError("Scene")
    now = datetime.now(UTC)
    await advisory_lock(session, f"share_comments:{share.id}")
    await advisory_lock(session, f"share_comments_from:{client_address}")
    for where, limit, whose in (
        (ShareCommentPost.share_id == share.id, limits.per_link, "this link"),
        (ShareCommentPost.client_address == client_address, limits.per_address, "your network"),
    ):
        retry_after = await _retry_after(session, where, limit, limits.window, now)
        if retry_after is not None:
            minutes = math.ceil(retry_after / 60)
            raise ThrottledError(
                f"Too many comments from {whose} for now. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                retry_after,
            )
    comment = await share_repository.add_comment(
        session,
        ShareComment(
            scene_id=scene_id,
            share_id=share.id,
            author_name=data.author_name,
            body=data.body,
            created_at=now,
        ),
        ShareCommentPost(share_id=share.id, client_address=client_address, created_at=now),
    )
    return CommentPublic.model_validate(comment)
