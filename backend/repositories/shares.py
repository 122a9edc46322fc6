"""Data access for share links and review comments. Owner reads are scoped to the owner through
the project; reads through a link are scoped to the link's project."""

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import Project, Scene, ShareComment, ShareCommentPost, ShareLink, StoredFile
from backend.repositories.users import rowcount


def _live(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        ShareLink.revoked_at.is_(None),
        or_(ShareLink.expires_at.is_(None), ShareLink.expires_at > now),
    )


def _owned_projects(user_id: uuid.UUID) -> ColumnElement[bool]:
    return ShareLink.project_id.in_(select(Project.id).where(Project.user_id == user_id))


async def add_share(session: AsyncSession, share: ShareLink) -> ShareLink:
    session.add(share)
    await session.flush()
    return share


async def list_live_shares(
    session: AsyncSession, project_id: uuid.UUID, now: datetime
) -> list[ShareLink]:
    result = await session.scalars(
        select(ShareLink)
        .where(ShareLink.project_id == project_id, *_live(now))
        .order_by(ShareLink.created_at.desc(), ShareLink.id)
    )
    return list(result)


async def revoke_owned_share(
    session: AsyncSession, share_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> bool:
    """Mark the user's link revoked; False when there is no such link of theirs (or it was
    revoked already)."""
    result = await session.execute(
        update(ShareLink)
        .where(
            ShareLink.id == share_id,
            ShareLink.revoked_at.is_(None),
            _owned_projects(user_id),
        )
        .values(revoked_at=now)
        .returning(ShareLink.id)
    )
    return result.scalar_one_or_none() is not None


async def get_live_share(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[ShareLink, uuid.UUID] | None:
    """The live link with this token hash, and its project's owner."""
    result = await session.execute(
        select(ShareLink, Project.user_id)
        .join(Project, Project.id == ShareLink.project_id)
        .where(ShareLink.token_hash == token_hash, *_live(now))
    )
    row = result.one_or_none()
    return None if row is None else (row[0], row[1])


async def read_shown_file(
    session: AsyncSession, project_id: uuid.UUID, file_id: uuid.UUID, *, thumbnail: bool
) -> tuple[str, str, bytes, str] | None:
    """(content type, sha256, bytes, filename) of the file or its thumbnail, only when a scene
    of the project shows it and it belongs to the project's owner; None otherwise."""
    blob = StoredFile.thumbnail if thumbnail else StoredFile.content
    content_type = StoredFile.thumbnail_content_type if thumbnail else StoredFile.content_type
    shown = exists().where(Scene.project_id == project_id, Scene.image_file_id == StoredFile.id)
    result = await session.execute(
        select(content_type, StoredFile.sha256, blob, StoredFile.filename)
        .join(Project, Project.user_id == StoredFile.user_id)
        .where(StoredFile.id == file_id, Project.id == project_id, shown)
    )
    row = result.one_or_none()
    if row is None or row[0] is None or row[2] is None:
        return None
    return row[0], row[1], row[2], row[3]


async def scene_in_project(
    session: AsyncSession, scene_id: uuid.UUID, project_id: uuid.UUID
) -> bool:
    found = await session.scalar(
        select(Scene.id).where(Scene.id == scene_id, Scene.project_id == project_id)
    )
    return found is not None


async def nth_latest_post_at(
    session: AsyncSession, where: ColumnElement[bool], *, since: datetime, n: int
) -> datetime | None:
    """When the n-th most recent comment post matching `where` since `since` was made (None if
    there are fewer): one more is allowed once that one leaves the window."""
    result = await session.execute(
        select(ShareCommentPost.created_at)
        .where(where, ShareCommentPost.created_at > since)
        .order_by(ShareCommentPost.created_at.desc())
        .offset(n - 1)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def add_comment(
    session: AsyncSession, comment: ShareComment, post: ShareCommentPost
) -> ShareComment:
    session.add_all([comment, post])
    await session.flush()
    return comment


async def list_project_comments(session: AsyncSession, project_id: uuid.UUID) -> list[ShareComment]:
    """The project's comments, oldest first."""
    result = await session.scalars(
        select(ShareComment)
        .join(Scene, Scene.id == ShareComment.scene_id)
        .where(Scene.project_id == project_id)
        .order_by(ShareComment.created_at, ShareComment.id)
    )
    return list(result)


async def get_owned_comment(
    session: AsyncSession, comment_id: uuid.UUID, user_id: uuid.UUID
) -> ShareComment | None:
    result = await session.execute(
        select(ShareComment)
        .join(Scene, Scene.id == ShareComment.scene_id)
        .join(Project, Project.id == Scene.project_id)
        .where(ShareComment.id == comment_id, Project.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def delete_comment(session: AsyncSession, comment_id: uuid.UUID) -> None:
    await session.execute(delete(ShareComment).where(ShareComment.id == comment_id))


async def delete_dead_shares(session: AsyncSession, now: datetime, limit: int) -> int:
    """Delete up to `limit` revoked or expired links (their comments stay, without the link)."""
    dead = (
        select(ShareLink.id)
        .where(
            or_(
                ShareLink.revoked_at.is_not(None),
                ShareLink.expires_at <= now,
            )
        )
        .limit(limit)
    )
    ids = list(await session.scalars(dead))
    if ids:
        await session.execute(delete(ShareLink).where(ShareLink.id.in_(ids)))
    return len(ids)


async def delete_comment_posts(session: AsyncSession, before: datetime) -> int:
    """Comment posts that no longer count towards a throttle."""
    result = await session.execute(
        delete(ShareCommentPost).where(ShareCommentPost.created_at <= before)
    )
    return rowcount(result)
