"""A chat turn, end to end: store the user's message, claim the conversation's one running slot,
let the engine call the model and the tools, store the answer — or end cleanly on any failure.

No transaction is held while the model works: the message and the turn are committed first, each
tool call has its own short transaction, and the end is written by compare-and-swap on the turn's
status, so a turn cancelled meanwhile (from any instance) writes nothing more.
"""

import asyncio
import json
import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.assistant.engines.base import (
    Engine,
    ProviderError,
    TurnCancelledError,
    TurnInput,
    TurnOutput,
    TurnSink,
)
from backend.assistant.tools import ToolContext, ToolResult, run_tool
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import ConflictError, NotFoundError, ThrottledError
from backend.models import ChatMessage, ChatSession, ChatTurn
from backend.models.base import utc_now
from backend.models.chat import RUNNING
from backend.repositories import chat as chat_repository
from backend.repositories import users as user_repository
from backend.schemas.chat import ChatHistory, ChatMessagePublic, ChatSendRequest, ChatTurnPublic
from backend.services.projects import require_project

logger = logging.getLogger("scenecraft.chat")

IN_PROGRESS = "A reply is already in progress for this conversation. Wait for it, or stop it."


@dataclass
class TurnResult:
    session_id: uuid.UUID
    messages: list[ChatMessagePublic]
    reply: str = ""
    tool_calls: list[dict[str, object]] = field(default_factory=list)
    cancelled: bool = False
    error: str | None = None
    error_status: int | None = None

    def public(self) -> ChatTurnPublic:
        return ChatTurnPublic.model_validate(
            {
                "session_id": self.session_id,
                "reply": self.reply,
                "messages": self.messages,
                "tool_calls": self.tool_calls,
                "cancelled": self.cancelled,
            }
        )


@dataclass
class PreparedTurn:
    """A turn whose user message and running slot are committed: ready for the model."""

    user_id: uuid.UUID
    project_id: uuid.UUID
    project_title: str
    session_id: uuid.UUID
    turn_id: uuid.UUID
    user_message: ChatMessagePublic
    thread_id: str | None
    response_id: str | None


class _CancelledMeanwhileError(Exception):
    pass


class ChatService:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        engine: Engine,
    ) -> None:
        self._settings = settings
        self._sessions = session_factory
        self._engine = engine
        self._lease = timedelta(seconds=settings.CHAT_TURN_TIMEOUT_SECONDS + 30)
        self._tasks: dict[uuid.UUID, asyncio.Task[TurnResult]] = {}

    # --- reading ---------------------------------------------------------------------------------

    async def history(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        project_id: uuid.UUID,
        *,
        limit: int,
        before: uuid.UUID | None,
    ) -> ChatHistory:
        await require_project(session, project_id, user_id)
        chat = await chat_repository.get_active_session(session, user_id, project_id)
        if chat is None:
            return ChatHistory(session_id=None, messages=[])
        before_at = None
        if before is not None:
            anchors = await chat_repository.get_messages(session, [before])
            if not anchors or anchors[0].session_id != chat.id:
                raise NotFoundError("Message")
            before_at = anchors[0].created_at
        messages = await chat_repository.list_messages(
            session, chat.id, limit=limit, before=before_at
        )
        return ChatHistory(session_id=chat.id, messages=[_public(m) for m in messages])

    # --- starting a turn -------------------------------------------------------------------------

    async def start(
        self, user_id: uuid.UUID, project_id: uuid.UUID, data: ChatSendRequest
    ) -> PreparedTurn | TurnResult:
        """Commit the user's message and claim the running slot (409 if taken); a repeated
        client_message_id returns the original turn instead."""
        async with unit_of_work(self._sessions, write=True) as session:
            project = await require_project(session, project_id, user_id)
            chat = await self._active_session(session, user_id, project.id)
            if data.client_message_id is not None:
                original = await chat_repository.get_message_by_client_id(
                    session, chat.id, data.client_message_id
                )
                if original is not None:
                    return await self._replay(session, chat, original, data.message)
            now = utc_now()
            await self._take_daily_message(session, user_id, now)
            await chat_repository.expire_lapsed_turns(session, chat.id, now)
            message = ChatMessage(
                session_id=chat.id,
                role="user",
                content=data.message,
                client_message_id=data.client_message_id,
            )
            try:
                await chat_repository.add_message(session, message)
                turn = await chat_repository.add_turn(
                    session,
                    ChatTurn(
                        session_id=chat.id,
                        user_message_id=message.id,
                        lease_expires_at=now + self._lease,
                    ),
                )
            except IntegrityError as error:
                # The whole transaction rolls back: the refused message is not kept.
                raise ConflictError(IN_PROGRESS) from error
            return PreparedTurn(
                user_id=user_id,
                project_id=project.id,
                project_title=project.title,
                session_id=chat.id,
                turn_id=turn.id,
                user_message=_public(message),
                thread_id=chat.openai_thread_id,
                response_id=chat.openai_response_id,
            )

    async def _take_daily_message(
        self, session: AsyncSession, user_id: uuid.UUID, now: datetime
    ) -> None:
        """Count the message against the account's daily quota (rolled back with the message if
        the send fails), or refuse it until midnight UTC."""
        per_day = self._settings.CHAT_MESSAGES_PER_DAY
        if await user_repository.take_chat_message(session, user_id, now.date(), per_day):
            return
        midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)
        raise ThrottledError(
            f"You have sent the {per_day} messages a day allows: "
            "the assistant takes new ones after midnight UTC.",
            max(1, math.ceil((midnight - now).total_seconds())),
        )

    async def _active_session(
        self, session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID
    ) -> ChatSession:
        chat = await chat_repository.get_active_session(session, user_id, project_id)
        if chat is not None:
            return chat
        try:
            async with session.begin_nested():
                return await chat_repository.add_session(
                    session, user_id, project_id, self._engine.name
                )
        except IntegrityError:  # another request created it first
            found = await chat_repository.get_active_session(session, user_id, project_id)
            if found is None:
                raise
            return found

    async def _replay(
        self, session: AsyncSession, chat: ChatSession, original: ChatMessage, text: str
    ) -> TurnResult:
        if original.content != text:
            raise ConflictError("This client_message_id was already used for another message.")
        turn = await chat_repository.get_turn_for_message(session, original.id)
        if turn is None or turn.status == RUNNING:
            raise ConflictError("The reply to this message is still in progress.")
        ids = [original.id] + ([turn.assistant_message_id] if turn.assistant_message_id else [])
        messages = [_public(m) for m in await chat_repository.get_messages(session, ids)]
        reply = messages[-1].content if turn.assistant_message_id else ""
        return TurnResult(
            session_id=chat.id,
            messages=messages,
            reply=reply,
            tool_calls=list(turn.tool_calls or []),
            cancelled=turn.status == "cancelled",
            error=turn.error if turn.status in ("failed", "expired") else None,
            error_status=turn.error_status or (502 if turn.status == "expired" else None),
        )

    # --- running a turn --------------------------------------------------------------------------

    def launch(self, prepared: PreparedTurn, sink: TurnSink) -> asyncio.Task[TurnResult]:
        """Run the turn as its own task: a client that goes away does not stop it (or leave the
        conversation locked); only cancel() does."""
        task = asyncio.create_task(self._run(prepared, sink))
        self._tasks[prepared.turn_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(prepared.turn_id, None))
        return task

    async def _run(self, prepared: PreparedTurn, sink: TurnSink) -> TurnResult:
        context = ToolContext(self._sessions, prepared.user_id, prepared.project_id)
        recorded: list[ToolResult] = []

        async def record(name: str, arguments: str) -> ToolResult:
            result = await run_tool(context, name, arguments)
            recorded.append(result)
            return result

        async def load_history() -> list[tuple[str, str]]:
            async with unit_of_work(self._sessions) as session:
                return await chat_repository.recent_history(
                    session,
                    prepared.session_id,
                    self._settings.CHAT_HISTORY_MESSAGES,
                    before=prepared.user_message.created_at,
                )

        turn = TurnInput(
            user_text=prepared.user_message.content,
            instructions=(
                f"Current project id: {prepared.project_id}\n"
                f"Current project title: {json.dumps(prepared.project_title)}"
            ),
            load_history=load_history,
            run_tool=record,
            is_cancelled=lambda: self._is_cancelled(prepared.turn_id),
            sink=sink,
            thread_id=prepared.thread_id,
            previous_response_id=prepared.response_id,
        )
        timeout = self._settings.CHAT_TURN_TIMEOUT_SECONDS
        try:
            async with asyncio.timeout(timeout):
                output = await self._engine.run_turn(turn)
        except (asyncio.CancelledError, TurnCancelledError):
            return await self._end(prepared, recorded, status="cancelled")
        except TimeoutError:
            message = f"The assistant took longer than {timeout:g} seconds and was stopped."
            return await self._end(prepared, recorded, status="failed", error=(504, message))
        except ProviderError as error:
            return await self._end(
                prepared, recorded, status="failed", error=(error.status_code, error.message)
            )
        except Exception:
            logger.exception("chat turn failed", extra={"turn_id": str(prepared.turn_id)})
            message = "The assistant failed unexpectedly. Try again."
            return await self._end(prepared, recorded, status="failed", error=(502, message))
        return await self._complete(prepared, output)

    async def _is_cancelled(self, turn_id: uuid.UUID) -> bool:
        async with unit_of_work(self._sessions) as session:
            return await chat_repository.get_turn_status(session, turn_id) != RUNNING

    async def _complete(self, prepared: PreparedTurn, output: TurnOutput) -> TurnResult:
        tool_calls = [result.public() for result in output.tool_results]
        now = utc_now()
        try:
            async with unit_of_work(self._sessions, write=True) as session:
                reply = ChatMessage(
                    session_id=prepared.session_id,
                    role="assistant",
                    content=output.reply,
                    tool_calls=tool_calls,
                )
                await chat_repository.add_message(session, reply)
                finished = await chat_repository.finish_turn(
                    session,
                    prepared.turn_id,
                    status="completed",
                    finished_at=now,
                    tool_calls=tool_calls,
                    assistant_message_id=reply.id,
                )
                if not finished:
                    raise _CancelledMeanwhileError
                await chat_repository.touch_session(
                    session,
                    prepared.session_id,
                    last_message_at=now,
                    openai_thread_id=output.thread_id or prepared.thread_id,
                    openai_response_id=output.response_id,
                )
        except _CancelledMeanwhileError:
            return await self._end(prepared, output.tool_results, status="cancelled")
        return TurnResult(
            session_id=prepared.session_id,
            messages=[prepared.user_message, _public(reply)],
            reply=output.reply,
            tool_calls=tool_calls,
        )

    async def _end(
        self,
        prepared: PreparedTurn,
        recorded: list[ToolResult],
        *,
        status: str,
        error: tuple[int, str] | None = None,
    ) -> TurnResult:
        """End a turn that produced no answer. The user's message stays; a failed one is marked."""
        tool_calls = [result.public() for result in recorded]
        error_status, message = error if error else (None, None)
        async with unit_of_work(self._sessions, write=True) as session:
            ended = await chat_repository.finish_turn(
                session,
                prepared.turn_id,
                status=status,
                finished_at=utc_now(),
                tool_calls=tool_calls,
                error=message,
                error_status=error_status,
            )
            if ended and status == "failed":
                user_message = await session.get(ChatMessage, prepared.user_message.id)
                if user_message is not None:
                    user_message.status = "failed"
        cancelled = status == "cancelled" or not ended
        return TurnResult(
            session_id=prepared.session_id,
            messages=[prepared.user_message],
            tool_calls=tool_calls,
            cancelled=cancelled,
            error=None if cancelled else message,
            error_status=None if cancelled else error_status,
        )

    # --- stopping and resetting ------------------------------------------------------------------

    async def cancel(self, user_id: uuid.UUID, project_id: uuid.UUID) -> bool:
        """Stop the running turn, on whichever instance runs it: the database says so first
        (so nothing more is written), then this instance's task is interrupted if it is here."""
        async with unit_of_work(self._sessions, write=True) as session:
            await require_project(session, project_id, user_id)
            chat = await chat_repository.get_active_session(session, user_id, project_id)
            turn = await chat_repository.get_running_turn(session, chat.id) if chat else None
            if turn is None:
                return False
            cancelled = await chat_repository.finish_turn(
                session, turn.id, status="cancelled", finished_at=utc_now()
            )
        task = self._tasks.get(turn.id)
        if cancelled and task is not None:
            task.cancel()
        return cancelled

    async def reset(self, user_id: uuid.UUID, project_id: uuid.UUID) -> None:
        """End the conversation and delete its history; the next message starts a new one."""
        await self.cancel(user_id, project_id)
        async with unit_of_work(self._sessions, write=True) as session:
            chat = await chat_repository.get_active_session(session, user_id, project_id)
            if chat is not None:
                await chat_repository.delete_session(session, chat.id)

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)


def _public(message: ChatMessage) -> ChatMessagePublic:
    return ChatMessagePublic.model_validate(message)
