"""Data access for conversations, their messages and their turns."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import ChatApproval, ChatMessage, ChatSession, ChatTurn, DiscardedThread
from backend.models.chat import (
    CANCELLED,
    EXPIRED,
    FAILED,
    MESSAGE_COMPLETE,
    PENDING,
    RUNNING,
    SUPERSEDED,
)


async def get_current_session(
    session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID
) -> ChatSession | None:
    result = await session.execute(
        select(ChatSession).where(
            ChatSession.user_id == user_id,
            ChatSession.project_id == project_id,
            ChatSession.is_current.is_(True),
        )
    )
    return result.scalar_one_or_none()


async def get_owned_session(
    session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
) -> ChatSession | None:
    result = await session.execute(
        select(ChatSession).where(ChatSession.id == session_id, ChatSession.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def list_sessions(
    session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID
) -> list[tuple[ChatSession, int]]:
    """The project's conversations with their message counts, latest activity first."""
    counts = (
        select(ChatMessage.session_id, func.count().label("messages"))
        .group_by(ChatMessage.session_id)
        .subquery()
    )
    result = await session.execute(
        select(ChatSession, func.coalesce(counts.c.messages, 0))
        .outerjoin(counts, counts.c.session_id == ChatSession.id)
        .where(ChatSession.user_id == user_id, ChatSession.project_id == project_id)
        .order_by(ChatSession.last_message_at.desc(), ChatSession.created_at.desc())
    )
    return [(chat, int(count)) for chat, count in result.all()]


async def count_messages(session: AsyncSession, session_id: uuid.UUID) -> int:
    result = await session.execute(
        select(func.count()).select_from(ChatMessage).where(ChatMessage.session_id == session_id)
    )
    return int(result.scalar_one())


async def add_session(
    session: AsyncSession,
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    engine: str,
    title: str | None = None,
) -> ChatSession:
    chat_session = ChatSession(user_id=user_id, project_id=project_id, engine=engine, title=title)
    session.add(chat_session)
    await session.flush()
    return chat_session


async def clear_current_session(
    session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID
) -> None:
    """No conversation of the project is current (before another becomes it: one at most)."""
    await session.execute(
        update(ChatSession)
        .where(
            ChatSession.user_id == user_id,
            ChatSession.project_id == project_id,
            ChatSession.is_current.is_(True),
        )
        .values(is_current=False)
    )
    await session.flush()


async def delete_session(session: AsyncSession, chat: ChatSession) -> None:
    """Delete the conversation with its history, its provider thread queued for deletion."""
    if chat.openai_thread_id:
        await discard_threads(session, [chat.openai_thread_id])
    await session.execute(delete(ChatSession).where(ChatSession.id == chat.id))


async def get_message_by_client_id(
    session: AsyncSession, session_id: uuid.UUID, client_message_id: str
) -> ChatMessage | None:
    result = await session.execute(
        select(ChatMessage).where(
            ChatMessage.session_id == session_id,
            ChatMessage.client_message_id == client_message_id,
        )
    )
    return result.scalar_one_or_none()


async def get_messages(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[ChatMessage]:
    result = await session.execute(
        select(ChatMessage).where(ChatMessage.id.in_(ids)).order_by(ChatMessage.created_at)
    )
    return list(result.scalars())


async def add_message(session: AsyncSession, message: ChatMessage) -> ChatMessage:
    session.add(message)
    await session.flush()
    return message


async def list_messages(
    session: AsyncSession, session_id: uuid.UUID, *, limit: int, before: datetime | None
) -> list[ChatMessage]:
    """The newest `limit` messages before `before`, returned oldest first."""
    query = select(ChatMessage).where(ChatMessage.session_id == session_id)
    if before is not None:
        query = query.where(ChatMessage.created_at < before)
    result = await session.execute(
        query.order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(limit)
    )
    return list(reversed(result.scalars().all()))


async def recent_history(
    session: AsyncSession, session_id: uuid.UUID, limit: int, *, before: datetime
) -> list[tuple[str, str]]:
    """The last `limit` answered messages before `before` as (role, text), oldest first: what
    engines that keep no state of their own need."""
    result = await session.execute(
        select(ChatMessage.role, ChatMessage.content)
        .where(
            ChatMessage.session_id == session_id,
            ChatMessage.status == MESSAGE_COMPLETE,
            ChatMessage.created_at < before,
        )
        .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
        .limit(limit)
    )
    return [(role, content) for role, content in reversed(result.all())]


async def get_turn_for_message(session: AsyncSession, message_id: uuid.UUID) -> ChatTurn | None:
    """The turn that answered the message last (a regenerated answer has several)."""
    result = await session.execute(
        select(ChatTurn)
        .where(ChatTurn.user_message_id == message_id)
        .order_by(ChatTurn.created_at.desc(), ChatTurn.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def get_last_exchange(
    session: AsyncSession, session_id: uuid.UUID
) -> tuple[ChatMessage, ChatMessage | None] | None:
    """The conversation's last user message that stands (not superseded) and its answer, if it
    got one; None before the first message."""
    result = await session.execute(
        select(ChatMessage)
        .where(
            ChatMessage.session_id == session_id,
            ChatMessage.status != SUPERSEDED,
            ChatMessage.created_at
            >= select(func.max(ChatMessage.created_at))
            .where(
                ChatMessage.session_id == session_id,
                ChatMessage.role == "user",
                ChatMessage.status != SUPERSEDED,
            )
            .scalar_subquery(),
        )
        .order_by(ChatMessage.created_at, ChatMessage.id)
    )
    messages = list(result.scalars())
    asked = next((m for m in messages if m.role == "user"), None)
    if asked is None:
        return None
    return asked, next((m for m in messages if m.role == "assistant"), None)


async def get_response_before(
    session: AsyncSession, session_id: uuid.UUID, before: datetime
) -> str | None:
    """The Responses API response that ended the last answer before `before` that stands: where
    a chain continues when what came after it is replaced."""
    result = await session.execute(
        select(ChatMessage.response_id)
        .where(
            ChatMessage.session_id == session_id,
            ChatMessage.role == "assistant",
            ChatMessage.status == MESSAGE_COMPLETE,
            ChatMessage.created_at < before,
        )
        .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def supersede(session: AsyncSession, message_ids: Sequence[uuid.UUID]) -> None:
    """Mark messages replaced (kept, shown folded, never sent to the model again)."""
    await session.execute(
        update(ChatMessage).where(ChatMessage.id.in_(message_ids)).values(status=SUPERSEDED)
    )


async def get_running_turn(session: AsyncSession, session_id: uuid.UUID) -> ChatTurn | None:
    result = await session.execute(
        select(ChatTurn).where(ChatTurn.session_id == session_id, ChatTurn.status == RUNNING)
    )
    return result.scalar_one_or_none()


async def get_turn_status(session: AsyncSession, turn_id: uuid.UUID) -> str | None:
    result = await session.execute(select(ChatTurn.status).where(ChatTurn.id == turn_id))
    return result.scalar_one_or_none()


async def add_turn(session: AsyncSession, turn: ChatTurn) -> ChatTurn:
    session.add(turn)
    await session.flush()
    return turn


async def renew_lease(session: AsyncSession, turn_id: uuid.UUID, expires_at: datetime) -> bool:
    """Extend a running turn's lease; False if it is no longer running."""
    result = await session.execute(
        update(ChatTurn)
        .where(ChatTurn.id == turn_id, ChatTurn.status == RUNNING)
        .values(lease_expires_at=expires_at)
        .returning(ChatTurn.id)
    )
    return result.scalar_one_or_none() is not None


async def expire_lapsed_turns(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    """A running turn whose lease ran out belongs to a process that died: it ends `expired`."""
    lapsed = await session.scalars(
        select(ChatTurn.id).where(
            ChatTurn.session_id == session_id,
            ChatTurn.status == RUNNING,
            ChatTurn.lease_expires_at < now,
        )
    )
    for turn_id in lapsed.all():
        await end_turn(
            session,
            turn_id,
            status=EXPIRED,
            finished_at=now,
            error="The reply was interrupted.",
            error_status=502,
        )


async def finish_turn(session: AsyncSession, turn_id: uuid.UUID, **values: Any) -> bool:
    """Move a running turn to its end state; False if it had already ended (e.g. cancelled)."""
    result = await session.execute(
        update(ChatTurn)
        .where(ChatTurn.id == turn_id, ChatTurn.status == RUNNING)
        .values(**values)
        .returning(ChatTurn.id)
    )
    return result.scalar_one_or_none() is not None


# How the user's message shows a turn that ended without an answer.
UNANSWERED = {FAILED: FAILED, EXPIRED: FAILED, CANCELLED: CANCELLED}


async def end_turn(
    session: AsyncSession,
    turn_id: uuid.UUID,
    *,
    status: str,
    finished_at: datetime,
    tool_calls: list[dict[str, Any]] | None = None,
    error: str | None = None,
    error_status: int | None = None,
    ledger: dict[str, Any] | None = None,
) -> bool:
    """End a running turn without an answer and mark its user message (failed or cancelled,
    with the tool calls that ran: `tool_calls`, or else those recorded so far); False if the
    turn had already ended. `ledger`: the turn's figures (the ChatTurn columns)."""
    values: dict[str, Any] = {
        "status": status,
        "finished_at": finished_at,
        "error": error,
        "error_status": error_status,
        **(ledger or {}),
    }
    if tool_calls is not None:
        values["tool_calls"] = tool_calls
    ended = (
        await session.execute(
            update(ChatTurn)
            .where(ChatTurn.id == turn_id, ChatTurn.status == RUNNING)
            .values(**values)
            .returning(ChatTurn.user_message_id, ChatTurn.tool_calls)
        )
    ).one_or_none()
    if ended is None:
        return False
    await session.execute(
        update(ChatMessage)
        .where(ChatMessage.id == ended.user_message_id)
        .values(status=UNANSWERED[status], tool_calls=ended.tool_calls or [])
    )
    return True


async def record_tool_calls(
    session: AsyncSession,
    turn_id: uuid.UUID,
    tool_calls: list[dict[str, Any]],
    *,
    ledger: dict[str, Any] | None = None,
) -> None:
    """Store the tool calls a turn ran so far (only its own process calls this, with the whole
    list each time), and at its end its figures (`ledger`); if the turn already ended
    unanswered elsewhere, its user message too."""
    turn = (
        await session.execute(
            update(ChatTurn)
            .where(ChatTurn.id == turn_id)
            .values(tool_calls=tool_calls, **(ledger or {}))
            .returning(ChatTurn.status, ChatTurn.user_message_id)
        )
    ).one_or_none()
    if turn is not None and turn.status in UNANSWERED:
        await session.execute(
            update(ChatMessage)
            .where(ChatMessage.id == turn.user_message_id)
            .values(tool_calls=tool_calls)
        )


# --- approvals -------------------------------------------------------------------------------


async def add_approval(session: AsyncSession, approval: ChatApproval) -> ChatApproval:
    session.add(approval)
    await session.flush()
    return approval


async def get_owned_approval(
    session: AsyncSession, user_id: uuid.UUID, approval_id: uuid.UUID
) -> tuple[ChatApproval, ChatTurn] | None:
    """The approval with its turn, when its conversation is the user's."""
    row = (
        await session.execute(
            select(ChatApproval, ChatTurn)
            .join(ChatTurn, ChatTurn.id == ChatApproval.turn_id)
            .join(ChatSession, ChatSession.id == ChatTurn.session_id)
            .where(ChatApproval.id == approval_id, ChatSession.user_id == user_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def settle_approval(
    session: AsyncSession, approval_id: uuid.UUID, status: str, decided_at: datetime
) -> bool:
    """Answer a pending approval; False if it was answered (or given up) already."""
    result = await session.execute(
        update(ChatApproval)
        .where(ChatApproval.id == approval_id, ChatApproval.status == PENDING)
        .values(status=status, decided_at=decided_at)
        .returning(ChatApproval.id)
    )
    return result.scalar_one_or_none() is not None


async def get_approval_status(session: AsyncSession, approval_id: uuid.UUID) -> str | None:
    result = await session.execute(
        select(ChatApproval.status).where(ChatApproval.id == approval_id)
    )
    return result.scalar_one_or_none()


async def get_approval_wait(
    session: AsyncSession, approval_id: uuid.UUID
) -> tuple[str, str] | None:
    """The approval's status and its turn's, in one read: what a waiting turn looks at."""
    row = (
        await session.execute(
            select(ChatApproval.status, ChatTurn.status)
            .join(ChatTurn, ChatTurn.id == ChatApproval.turn_id)
            .where(ChatApproval.id == approval_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def get_turn_progress(
    session: AsyncSession, turn_id: uuid.UUID
) -> tuple[ChatTurn, ChatApproval | None] | None:
    """The turn and the question it waits on (if any), in one read."""
    row = (
        await session.execute(
            select(ChatTurn, ChatApproval)
            .outerjoin(
                ChatApproval,
                (ChatApproval.turn_id == ChatTurn.id) & (ChatApproval.status == PENDING),
            )
            .where(ChatTurn.id == turn_id)
            .order_by(ChatApproval.created_at.desc())
            .limit(1)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def get_waiting_approval(session: AsyncSession, session_id: uuid.UUID) -> ChatApproval | None:
    """The question the conversation's running turn waits on, if it waits."""
    result = await session.execute(
        select(ChatApproval)
        .join(ChatTurn, ChatTurn.id == ChatApproval.turn_id)
        .where(
            ChatTurn.session_id == session_id,
            ChatTurn.status == RUNNING,
            ChatApproval.status == PENDING,
        )
        .order_by(ChatApproval.created_at.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def list_turns(session: AsyncSession, session_id: uuid.UUID, limit: int) -> list[ChatTurn]:
    """A conversation's turns, newest first."""
    result = await session.execute(
        select(ChatTurn)
        .where(ChatTurn.session_id == session_id)
        .order_by(ChatTurn.created_at.desc(), ChatTurn.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def usage_since(
    session: AsyncSession, user_id: uuid.UUID, since: datetime
) -> tuple[int, int, int]:
    """(turns, input tokens, output tokens) of the user's conversations since `since`."""
    row = (
        await session.execute(
            select(
                func.count(ChatTurn.id),
                func.coalesce(func.sum(ChatTurn.input_tokens), 0),
                func.coalesce(func.sum(ChatTurn.output_tokens), 0),
            )
            .join(ChatSession, ChatSession.id == ChatTurn.session_id)
            .where(ChatSession.user_id == user_id, ChatTurn.created_at >= since)
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


async def touch_session(session: AsyncSession, session_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(ChatSession).where(ChatSession.id == session_id).values(**values))


# --- clean-up (the cleanup job) ------------------------------------------------------------------


async def deactivate_idle_sessions(
    session: AsyncSession, *, idle_before: datetime, limit: int
) -> tuple[int, list[str]]:
    """Mark up to `limit` active conversations with no message since `idle_before` inactive,
    letting go of their provider threads (queued for deletion): (how many, the thread ids)."""
    rows = (
        await session.execute(
            select(ChatSession.id, ChatSession.openai_thread_id)
            .where(ChatSession.is_active.is_(True), ChatSession.last_message_at < idle_before)
            .order_by(ChatSession.last_message_at)
            .limit(limit)
            .with_for_update()
        )
    ).all()
    if not rows:
        return 0, []
    await session.execute(
        update(ChatSession)
        .where(ChatSession.id.in_([row.id for row in rows]))
        .values(is_active=False, openai_thread_id=None)
    )
    threads = [row.openai_thread_id for row in rows if row.openai_thread_id]
    await discard_threads(session, threads)
    return len(rows), threads


async def threads_of_users(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> list[str]:
    result = await session.scalars(
        select(ChatSession.openai_thread_id).where(
            ChatSession.user_id.in_(user_ids), ChatSession.openai_thread_id.is_not(None)
        )
    )
    return [thread_id for thread_id in result if thread_id]


async def discard_threads(session: AsyncSession, thread_ids: Sequence[str]) -> None:
    """Queue provider threads for deletion (each once)."""
    if not thread_ids:
        return
    queued = set(
        await session.scalars(
            select(DiscardedThread.thread_id).where(DiscardedThread.thread_id.in_(thread_ids))
        )
    )
    session.add_all(
        DiscardedThread(thread_id=thread_id)
        for thread_id in dict.fromkeys(thread_ids)
        if thread_id not in queued
    )
    await session.flush()


async def discarded_threads(session: AsyncSession, limit: int) -> list[str]:
    """The threads to delete at the provider next: those tried least first (so one the
    provider keeps refusing cannot hold up the rest), then the longest waiting."""
    result = await session.scalars(
        select(DiscardedThread.thread_id)
        .order_by(DiscardedThread.attempts, DiscardedThread.created_at)
        .limit(limit)
    )
    return list(result)


async def forget_threads(session: AsyncSession, thread_ids: Sequence[str]) -> None:
    """The provider deleted these: nothing more to do for them."""
    if thread_ids:
        await session.execute(
            delete(DiscardedThread).where(DiscardedThread.thread_id.in_(thread_ids))
        )


async def note_thread_failure(session: AsyncSession, thread_id: str, error: str) -> None:
    await session.execute(
        update(DiscardedThread)
        .where(DiscardedThread.thread_id == thread_id)
        .values(attempts=DiscardedThread.attempts + 1, last_error=error)
    )
