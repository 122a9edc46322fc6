"""Uploaded files, kept in the database so every app instance serves them and a backup has them."""

import uuid

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, CreatedAtMixin, IdMixin


class StoredFile(IdMixin, CreatedAtMixin, Base):
    """The bytes as re-encoded at upload (images carry no metadata), and for images a thumbnail
    made once. Both blobs are deferred: listing or checking files never loads them."""

    __tablename__ = "stored_file"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    thumbnail_content_type: Mapped[str | None] = mapped_column(String(100))
