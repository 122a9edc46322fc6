"""Personal access tokens: long-lived bearer tokens a person makes for scripts and MCP clients."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, CreatedAtMixin, IdMixin


class PersonalAccessToken(IdMixin, CreatedAtMixin, Base):
    """Only the token's SHA-256 is kept: the token itself is shown once, when it is made.
    Revoking deletes the row, and every request looks its token up, so a revoked token is dead
    on every app instance at once."""

    __tablename__ = "personal_access_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(8))  # "read" or "write"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None]
