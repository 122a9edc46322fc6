"""Share links (a read-only board for anyone holding the token), the review comments guests
leave through them, and the log of comment posts that throttles them."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, CreatedAtMixin, IdMixin


class ShareLink(IdMixin, CreatedAtMixin, Base):
    """Only the token's SHA-256 is kept: the token itself is shown once, at creation. A link is
    live while it is neither revoked nor expired, which every request checks here, in the
    database, so revoking it ends it on every instance at once."""

    __tablename__ = "share_link"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    allow_comments: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ShareComment(IdMixin, CreatedAtMixin, Base):
    """A guest's comment on one frame. It belongs to the scene (and goes with it); the link it
    came through may be cleaned up later without taking the comment along."""

    __tablename__ = "share_comment"
    __table_args__ = (Index("ix_share_comment_scene_id_created_at", "scene_id", "created_at"),)

    scene_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scene.id", ondelete="CASCADE"))
    share_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("share_link.id", ondelete="SET NULL"), index=True
    )
    author_name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    is_resolved: Mapped[bool] = mapped_column(default=False)


class ShareCommentPost(IdMixin, CreatedAtMixin, Base):
    """One comment posted through a link from an address: counted per link and per address to
    throttle guests across every app instance, kept apart from the comment (which the owner may
    delete) until it leaves the window."""

    __tablename__ = "share_comment_post"
    __table_args__ = (
        Index("ix_share_comment_post_share_id_created_at", "share_id", "created_at"),
        Index("ix_share_comment_post_client_address_created_at", "client_address", "created_at"),
    )

    share_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_link.id", ondelete="CASCADE"))
    client_address: Mapped[str] = mapped_column(String(64))
