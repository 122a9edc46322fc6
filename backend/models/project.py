"""Projects and their ordered scenes."""

import uuid

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, IdMixin, TimestampsMixin


class Project(IdMixin, TimestampsMixin, Base):
    __tablename__ = "project"
    __table_args__ = (Index("ix_project_user_id_updated_at", "user_id", "updated_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Scene(IdMixin, TimestampsMixin, Base):
    """`position` is the API's `order` (a reserved word in SQL); the unique constraint makes the
    database itself refuse two scenes at one position."""

    __tablename__ = "scene"
    __table_args__ = (UniqueConstraint("project_id", "position"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    script: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(2048))
    position: Mapped[int]
