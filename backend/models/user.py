"""Accounts, their sign-in sessions, and the failed-login and guest-creation logs used for
throttling."""

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, CreatedAtMixin, IdMixin, utc_now


class User(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "user_account"

    # Both None for a guest ("Try it without an account") until it signs up, in place.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    hashed_password: Mapped[str | None] = mapped_column(String(255))
    is_guest: Mapped[bool] = mapped_column(default=False)
    # Bumped to end every session at once (password change); tokens carry the version they saw.
    token_version: Mapped[int] = mapped_column(default=0)
    # Messages sent to the assistant on chat_quota_day (UTC): kept on the account, so deleting
    # conversations does not reset it.
    chat_quota_day: Mapped[date | None]
    chat_quota_used: Mapped[int] = mapped_column(default=0)
    # Which of the assistant's tool calls wait for the person's approval: "destructive",
    # "writes" or "none" (schemas/user.py: AssistantApproval).
    assistant_approval: Mapped[str] = mapped_column(String(16), default="destructive")
    # The last live check of the assistant this account asked for (POST /api/assistant/check
    # is throttled per account, on every instance).
    assistant_checked_at: Mapped[datetime | None]


class AuthSession(IdMixin, CreatedAtMixin, Base):
    """One row per sign-in: a token names its row (`sid`), so logout revokes exactly that token,
    on every app instance."""

    __tablename__ = "auth_session"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Moved forward (at most once a minute) by requests with the token: past SESSION_IDLE_MINUTES
    # of silence the session is over, however long the token itself would still live.
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)


class LoginFailure(IdMixin, CreatedAtMixin, Base):
    """A failed sign-in; counted per (email, address) and per address to throttle brute force
    across every app instance."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_address_created_at", "email", "client_address", "created_at"),
        Index("ix_login_failure_client_address_created_at", "client_address", "created_at"),
    )

    email: Mapped[str] = mapped_column(String(254))
    client_address: Mapped[str] = mapped_column(String(64))


class GuestCreation(IdMixin, CreatedAtMixin, Base):
    """A guest account created from an address: counted to throttle creation per address across
    every app instance (kept apart from the account, which may be gone or converted)."""

    __tablename__ = "guest_creation"
    __table_args__ = (
        Index("ix_guest_creation_client_address_created_at", "client_address", "created_at"),
    )

    client_address: Mapped[str] = mapped_column(String(64))
