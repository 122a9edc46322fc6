"""The chat's use-cases: read the history, start a turn (store the user's message, claim the
conversation's one running slot), launch it, stop it, reset the conversation. Running a turn —
the model, the tools, renewing the lease and every way it can end — is `services/chat_turn.py`.
"""

import asyncio
import math
import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.assistant.engines.base import Engine, TurnSink
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import ConflictError, NotFoundError, ThrottledError
from backend.models import ChatMessage, ChatSession, ChatTurn
from backend.models.base import utc_now
from backend.models.chat import RUNNING
from backend.repositories import chat as chat_repository
from backend.repositories import users as user_repository
from backend.schemas.chat import ChatHistory, ChatSendRequest
from backend.services.chat_turn import PreparedTurn, TurnResult, TurnRunner, public_message
from backend.services.projects import require_project

IN_PROGRESS = "A reply is already in progress for this conversation. Wait for it, or stop it."


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
        self._runner = TurnRunner(settings, session_factory, engine)
        self._lease = timedelta(seconds=settings.CHAT_TURN_LEASE_SECONDS)
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
        chat = await chat_repository.get_current_session(session, user_id, project_id)
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
        return ChatHistory(
            session_id=chat.id,
            is_active=chat.is_active,
            messages=[public_message(m) for m in messages],
        )

    # --- starting a turn -------------------------------------------------------------------------

    async def start(
        self,
        user_id: uuid.UUID,
        project_id: uuid.UUID,
        data: ChatSendRequest,
        *,
        messages_per_day: int,
    ) -> PreparedTurn | TurnResult:
        """Commit the user's message and claim the running slot (409 if taken); a repeated
        client_message_id returns the original turn instead. `messages_per_day`: the account's
        quota (`services/limits.py`)."""
        async with unit_of_work(self._sessions, write=True) as session:
            project = await require_project(session, project_id, user_id)
            chat = await self._current_session(session, user_id, project.id)
            if data.client_message_id is not None:
                original = await chat_repository.get_message_by_client_id(
                    session, chat.id, data.client_message_id
                )
                if original is not None:
                    return await self._replay(session, chat, original, data.message)
            now = utc_now()
            await self._take_daily_message(session, user_id, now, messages_per_day)
            await chat_repository.expire_lapsed_turns(session, chat.id, now)
            if not chat.is_active:  # idle past its TTL: a new message revives it
                await chat_repository.touch_session(
                    session, chat.id, is_active=True, last_message_at=now
                )
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
                user_message=public_message(message),
                thread_id=chat.openai_thread_id,
                response_id=chat.openai_response_id,
            )

    async def _take_daily_message(
        self, session: AsyncSession, user_id: uuid.UUID, now: datetime, per_day: int
    ) -> None:
        """Count the message against the account's daily quota (rolled back with the message if
        the send fails), or refuse it until midnight UTC."""
        if await user_repository.take_chat_message(session, user_id, now.date(), per_day):
            return
        midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)
        raise ThrottledError(
            f"You have sent the {per_day} messages a day allows: "
            "the assistant takes new ones after midnight UTC.",
            max(1, math.ceil((midnight - now).total_seconds())),
        )

    async def _current_session(
        self, session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID
    ) -> ChatSession:
        chat = await chat_repository.get_current_session(session, user_id, project_id)
        if chat is not None:
            return chat
        try:
            async with session.begin_nested():
                return await chat_repository.add_session(
                    session, user_id, project_id, self._engine.name
                )
        except IntegrityError:  # another request created it first
            found = await chat_repository.get_current_session(session, user_id, project_id)
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
        messages = [public_message(m) for m in await chat_repository.get_messages(session, ids)]
        reply = messages[-1].content if turn.assistant_message_id else ""
        return TurnResult(
            session_id=chat.id,
            messages=messages,
            reply=reply,
            tool_calls=list(turn.tool_calls or []),
            cancelled=turn.status == "cancelled",
            error=turn.error if turn.status in ("failed", "expired") else None,
            error_status=turn.error_status or (502 if turn.status == "expired" else None),
            change_set_id=messages[-1].change_set_id if turn.assistant_message_id else None,
        )

    # --- running a turn --------------------------------------------------------------------------

    def launch(self, prepared: PreparedTurn, sink: TurnSink) -> asyncio.Task[TurnResult]:
        """Run the turn as its own task: a client that goes away does not stop it (or leave the
        conversation locked); only cancel() does."""
        task = asyncio.create_task(self._runner.run(prepared, sink))
        self._tasks[prepared.turn_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(prepared.turn_id, None))
        return task

    # --- stopping and resetting ------------------------------------------------------------------

    async def cancel(self, user_id: uuid.UUID, project_id: uuid.UUID) -> bool:
        """Stop the running turn, on whichever instance runs it: the database says so first
        (so nothing more is written), then this instance's task is interrupted if it is here."""
        async with unit_of_work(self._sessions, write=True) as session:
            await require_project(session, project_id, user_id)
            chat = await chat_repository.get_current_session(session, user_id, project_id)
            turn = await chat_repository.get_running_turn(session, chat.id) if chat else None
            if turn is None:
                return False
            cancelled = await chat_repository.end_turn(
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
            chat = await chat_repository.get_current_session(session, user_id, project_id)
            if chat is not None:
                await chat_repository.delete_session(session, chat.id)

    async def close(self) -> None:
        self._runner.shutting_down = True
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
