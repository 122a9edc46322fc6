"""Conversations with the assistant: sessions, their messages, and the turns that answer them."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, CreatedAtMixin, IdMixin, utc_now

# Statuses. A message: MESSAGE_COMPLETE, FAILED, CANCELLED or SUPERSEDED. A turn: RUNNING, then
# TURN_COMPLETED, FAILED, CANCELLED or EXPIRED (its lease lapsed). An approval: PENDING, then
# APPROVED, DECLINED, EXPIRED (unanswered in time) or CANCELLED (its turn ended).
MESSAGE_COMPLETE = "complete"
TURN_COMPLETED = "completed"
RUNNING = "running"
FAILED = "failed"
CANCELLED = "cancelled"
EXPIRED = "expired"
SUPERSEDED = "superseded"
PENDING = "pending"
APPROVED = "approved"
DECLINED = "declined"


class ChatSession(IdMixin, CreatedAtMixin, Base):
    """A conversation: a project has any number, one of them current (what `/api/chat/{project}`
    means); deleted ones go with their history. `title` is null until the first message names
    it or the user does. One idle for CHAT_CONVERSATION_TTL_DAYS becomes inactive (the cleanup
    job): still readable, its provider thread gone; the next message makes it active again."""

    __tablename__ = "chat_session"
    __table_args__ = (
        Index(
            "uq_chat_session_current",
            "user_id",
            "project_id",
            unique=True,
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
        Index("ix_chat_session_is_active_last_message_at", "is_active", "last_message_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    engine: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(String(120))
    openai_thread_id: Mapped[str | None] = mapped_column(String(128))
    openai_response_id: Mapped[str | None] = mapped_column(String(128))
    last_message_at: Mapped[datetime] = mapped_column(default=utc_now)
    is_current: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class DiscardedThread(CreatedAtMixin, Base):
    """A provider-side thread to delete: queued in the same transaction that lets go of it (an
    idle conversation, a deleted guest), deleted by the cleanup job, which retries until the
    provider agrees. Nothing waits on the provider, and no thread is forgotten."""

    __tablename__ = "discarded_thread"

    thread_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class ChatMessage(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "chat_message"
    __table_args__ = (
        UniqueConstraint("session_id", "client_message_id"),
        Index("ix_chat_message_session_id_created_at", "session_id", "created_at"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chat_session.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # On a user message: the pictures sent with it, [{file_id, filename, content_type}], copied
    # when sent (a picture deleted later is still named; the engines skip it).
    attachments: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # `complete`; a user message left unanswered is `failed` or `cancelled`; an answer replaced
    # by regenerating (or a message replaced by editing it, with its answer) is `superseded`.
    status: Mapped[str] = mapped_column(String(16), default=MESSAGE_COMPLETE)
    # On an assistant message: the Responses API response that ended its turn (the chain a
    # regenerated or edited later message continues from).
    response_id: Mapped[str | None] = mapped_column(String(128))
    client_message_id: Mapped[str | None] = mapped_column(String(100))
    # On an assistant message: the change set its turn made, for the receipt's Undo.
    change_set_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("change_set.id", ondelete="SET NULL")
    )


class ChatTurn(IdMixin, CreatedAtMixin, Base):
    """A reply being produced. The partial unique index lets the database itself refuse a second
    running turn for a conversation, across every app instance; `lease_expires_at` lets a turn
    whose process died be expired instead of locking the conversation forever."""

    __tablename__ = "chat_turn"
    __table_args__ = (
        Index(
            "uq_chat_turn_running",
            "session_id",
            unique=True,
            postgresql_where=text("status = 'running'"),
            sqlite_where=text("status = 'running'"),
        ),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_session.id", ondelete="CASCADE"), index=True
    )
    user_message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_message.id", ondelete="CASCADE")
    )
    assistant_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("chat_message.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    error: Mapped[str | None] = mapped_column(Text)
    error_status: Mapped[int | None]
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    lease_expires_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # The ledger, written with the turn's end (none for a turn whose process died): which
    # engine and model answered, where the time went, and the provider's token usage (null
    # when it reported none).
    engine: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(128))
    model_ms: Mapped[int | None]
    tool_ms: Mapped[int | None]
    total_ms: Mapped[int | None]
    input_tokens: Mapped[int | None]
    output_tokens: Mapped[int | None]
    tool_call_count: Mapped[int | None]
    retries: Mapped[int | None]


class ChatApproval(IdMixin, CreatedAtMixin, Base):
    """A tool call held back for the person's OK (their `assistant_approval` setting): what it
    would change (`preview`, from a dry run), and the answer. In the database, so any instance
    can take the answer to the instance whose turn waits for it."""

    __tablename__ = "chat_approval"

    turn_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_turn.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    preview: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending, then approved or declined (by the person), expired (unanswered in time), or
    # cancelled (the turn ended while it waited).
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    decided_at: Mapped[datetime | None]
