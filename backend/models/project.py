"""Projects and their ordered scenes."""

import uuid

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, IdMixin, TimestampsMixin


class Project(IdMixin, TimestampsMixin, Base):
    """`revision` is counted up by SQLAlchemy on every UPDATE of the row (its version counter),
    and every scene change updates the project row too: one number names one state of the
    project with its scenes, which is what cached copies of it are checked against."""

    __tablename__ = "project"
    __table_args__ = (Index("ix_project_user_id_updated_at", "user_id", "updated_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(server_default=text("1"))
    aspect_ratio: Mapped[str] = mapped_column(String(8), default="16:9")
    target_duration_seconds: Mapped[float | None]

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 - read once by the mapper


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
    duration_seconds: Mapped[float | None]
    shot_size: Mapped[str | None] = mapped_column(String(32))
    camera_movement: Mapped[str | None] = mapped_column(String(32))
    audio: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # The uploaded picture; deleting the file leaves the scene without one.
    image_file_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stored_file.id", ondelete="SET NULL"), index=True
    )
