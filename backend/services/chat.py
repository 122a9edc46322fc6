"""The chat's use-cases: a project's conversations (list, create, rename, delete), and in one of
them: read the history, start a turn (store the user's message, claim the conversation's one
running slot), launch it, stop it. Running a turn — the model, the tools, renewing the lease and
every way it can end — is `services/chat_turn.py`.

Every chat route names its conversation through a `ChatTarget`: the project's current one (the
`/api/chat/{project_id}/...` routes) or one by id (`/api/conversations/{id}/...`).
"""

import asyncio
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.assistant.engines.base import Engine, TurnSink
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.core.errors import ConflictError, InvalidInputError, NotFoundError, ThrottledError
from backend.models import ChatMessage, ChatSession, ChatTurn, Project
from backend.models.base import utc_now
from backend.models.chat import CANCELLED, EXPIRED, FAILED, MESSAGE_COMPLETE, RUNNING
from backend.repositories import chat as chat_repository
from backend.repositories import files as file_repository
from backend.repositories import history as history_repository
from backend.repositories import users as user_repository
from backend.schemas.chat import (
    ChatHistory,
    ChatMessagePublic,
    ChatSendRequest,
    ConversationCreate,
    ConversationPublic,
    ConversationUpdate,
    RegenerateRequest,
)
from backend.services import account_settings
from backend.services import history as history_service
from backend.services.approvals import Approvals, AwaitingApproval, approval_public
from backend.services.chat_turn import PreparedTurn, TurnResult, TurnRunner, public_message
from backend.services.history import Actor, act_as
from backend.services.projects import require_project

PROGRESS_POLL_SECONDS = 0.25
IN_PROGRESS = "A reply is already in progress for this conversation. Wait for it, or stop it."
UNTITLED = "New conversation"
TITLE_LENGTH = 60


@dataclass(frozen=True, slots=True)
class RunningTurn:
    """A repeated client_message_id whose turn is still going (on any instance, perhaps waiting
    for an approval): the client is answered by following it (`ChatService.follow`)."""

    session_id: uuid.UUID
    turn_id: uuid.UUID
    user_message: ChatMessagePublic


@dataclass(frozen=True, slots=True)
class CurrentConversation:
    """The project's current conversation: what `/api/chat/{project_id}/...` addresses."""

    project_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class ConversationById:
    conversation_id: uuid.UUID


ChatTarget = CurrentConversation | ConversationById


def title_from(message: str) -> str:
    """A conversation's name from its first message: its first line, shortened."""
    line = " ".join(message.split("\n", 1)[0].split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def conversation_public(chat: ChatSession, message_count: int) -> ConversationPublic:
    return ConversationPublic(
        id=chat.id,
        title=chat.title or UNTITLED,
        created_at=chat.created_at,
        last_message_at=chat.last_message_at,
        message_count=message_count,
        is_active=chat.is_active,
        is_current=chat.is_current,
    )


async def own_pictures(
    session: AsyncSession, user_id: uuid.UUID, file_ids: list[uuid.UUID]
) -> list[dict[str, str]]:
    """The attachments as a message stores them, each once, in the order sent. Each must be a
    picture the user uploaded: another account's file, a document or an unknown id is refused
    (422, the same words for all three, so nobody learns which ids exist)."""
    wanted = list(dict.fromkeys(file_ids))
    found = {
        stored.id: stored
        for stored in await file_repository.get_owned_files(session, wanted, user_id)
    }
    for position, file_id in enumerate(wanted):
        stored = found.get(file_id)
        if stored is None or stored.kind != "image":
            raise InvalidInputError(
                f"attachments: you have no uploaded picture with the id {file_id}",
                ("body", "attachments", position),
            )
    return [
        {
            "file_id": str(file_id),
            "filename": found[file_id].filename,
            "content_type": found[file_id].content_type,
        }
        for file_id in wanted
    ]


async def require_conversation(
    session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID
) -> ChatSession:
    chat = await chat_repository.get_owned_session(session, user_id, conversation_id)
    if chat is None:
        raise NotFoundError("Conversation")
    return chat


async def find_conversation(
    session: AsyncSession, user_id: uuid.UUID, target: ChatTarget
) -> tuple[Project, ChatSession | None]:
    """The project and the conversation the target names (None: the project has no current
    one yet); a conversation or project that is not the user's is NotFoundError."""
    if isinstance(target, CurrentConversation):
        project = await require_project(session, target.project_id, user_id)
        return project, await chat_repository.get_current_session(session, user_id, project.id)
    chat = await require_conversation(session, user_id, target.conversation_id)
    return await require_project(session, chat.project_id, user_id), chat


async def list_conversations(
    session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID
) -> list[ConversationPublic]:
    await require_project(session, project_id, user_id)
    rows = await chat_repository.list_sessions(session, user_id, project_id)
    return [conversation_public(chat, count) for chat, count in rows]


async def rename_conversation(
    session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID, data: ConversationUpdate
) -> ConversationPublic:
    chat = await require_conversation(session, user_id, conversation_id)
    chat.title = data.title
    await session.flush()
    return conversation_public(chat, await chat_repository.count_messages(session, chat.id))


async def _stored_result(
    session: AsyncSession, session_id: uuid.UUID, turn: ChatTurn
) -> TurnResult:
    """A turn that ended, as the database has it: the same result its own run returned."""
    ids = [turn.user_message_id] + (
        [turn.assistant_message_id] if turn.assistant_message_id else []
    )
    messages = [public_message(m) for m in await chat_repository.get_messages(session, ids)]
    answered = turn.assistant_message_id is not None
    return TurnResult(
        session_id=session_id,
        messages=messages,
        reply=messages[-1].content if answered else "",
        tool_calls=list(turn.tool_calls or []),
        cancelled=turn.status == CANCELLED,
        error=turn.error if turn.status in (FAILED, EXPIRED) else None,
        error_status=turn.error_status or (502 if turn.status == EXPIRED else None),
        change_set_id=messages[-1].change_set_id if answered else None,
    )


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
        self._approvals = Approvals(settings, session_factory)
        self._runner = TurnRunner(settings, session_factory, engine, self._approvals)
        self._lease = timedelta(seconds=settings.CHAT_TURN_LEASE_SECONDS)
        self._tasks: dict[uuid.UUID, asyncio.Task[TurnResult]] = {}

    # --- reading ---------------------------------------------------------------------------------

    async def history(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        target: ChatTarget,
        *,
        limit: int,
        before: uuid.UUID | None,
    ) -> ChatHistory:
        _, chat = await find_conversation(session, user_id, target)
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
        waiting = await chat_repository.get_waiting_approval(session, chat.id)
        return ChatHistory(
            session_id=chat.id,
            is_active=chat.is_active,
            messages=[public_message(m) for m in messages],
            awaiting_approval=approval_public(waiting) if waiting else None,
        )

    # --- starting a turn -------------------------------------------------------------------------

    async def start(
        self,
        user_id: uuid.UUID,
        target: ChatTarget,
        data: ChatSendRequest,
        *,
        messages_per_day: int,
    ) -> PreparedTurn | TurnResult | RunningTurn:
        """Commit the user's message and claim the running slot (409 if taken); a repeated
        client_message_id returns the original turn instead (its end, or the turn to follow).
        `messages_per_day`: the account's quota (`services/limits.py`)."""
        async with unit_of_work(self._sessions, write=True) as session:
            project, chat = await find_conversation(session, user_id, target)
            attachments = await own_pictures(session, user_id, data.attachments)
            chat = await self._make_current(session, user_id, project.id, chat)
            if data.client_message_id is not None:
                original = await chat_repository.get_message_by_client_id(
                    session, chat.id, data.client_message_id
                )
                if original is not None:
                    return await self._replay(session, chat, original, data.message, attachments)
            now = await self._admit(session, user_id, chat, messages_per_day)
            if chat.title is None:
                chat.title = title_from(data.message)
            message = ChatMessage(
                session_id=chat.id,
                role="user",
                content=data.message,
                attachments=attachments or None,
                client_message_id=data.client_message_id,
            )
            return await self._open_turn(
                session, project, chat, message, now, chat.openai_thread_id, chat.openai_response_id
            )

    async def regenerate(
        self,
        user_id: uuid.UUID,
        target: ChatTarget,
        data: RegenerateRequest,
        *,
        messages_per_day: int,
    ) -> PreparedTurn:
        """Answer the conversation's last message again, or (`data.message`) an edited version
        of it with the same pictures. What is replaced is kept, marked superseded: the earlier
        answer, and an edited (or never answered) message, which a new one stands in for. What
        the earlier turn changed in the project is undone first, as a person would expect of
        "try that again" (409, nothing changed, when a later change touched the same thing).
        The provider's state goes back to before that message: the Responses chain to the
        answer before it, an Assistants thread started afresh from the history."""
        async with unit_of_work(self._sessions, write=True) as session:
            project, chat = await find_conversation(session, user_id, target)
            exchange = await chat_repository.get_last_exchange(session, chat.id) if chat else None
            if chat is None or exchange is None:
                raise ConflictError("There is no message to answer again yet: send one first.")
            asked, answer = exchange
            chat = await self._make_current(session, user_id, project.id, chat)
            now = await self._admit(session, user_id, chat, messages_per_day)
            if await chat_repository.get_running_turn(session, chat.id) is not None:
                raise ConflictError(IN_PROGRESS)
            await self._take_back(session, user_id, asked)
            response_id = await chat_repository.get_response_before(
                session, chat.id, asked.created_at
            )
            replaced = [answer.id] if answer else []
            if data.message is not None or asked.status != MESSAGE_COMPLETE:
                replaced.append(asked.id)
                asked = ChatMessage(
                    session_id=chat.id,
                    role="user",
                    content=data.message or asked.content,
                    attachments=asked.attachments,
                )
            await chat_repository.supersede(session, replaced)
            if chat.openai_thread_id:
                await chat_repository.discard_threads(session, [chat.openai_thread_id])
            await chat_repository.touch_session(
                session, chat.id, openai_thread_id=None, openai_response_id=response_id
            )
            return await self._open_turn(session, project, chat, asked, now, None, response_id)

    async def _admit(
        self, session: AsyncSession, user_id: uuid.UUID, chat: ChatSession, messages_per_day: int
    ) -> datetime:
        """What every new turn passes first: the daily quota, a turn whose process died let go
        of, an idle conversation taken up again. Returns the turn's start time."""
        now = utc_now()
        await self._take_daily_message(session, user_id, now, messages_per_day)
        await chat_repository.expire_lapsed_turns(session, chat.id, now)
        if not chat.is_active:  # idle past its TTL: a new message revives it
            await chat_repository.touch_session(
                session, chat.id, is_active=True, last_message_at=now
            )
        return now

    async def _take_back(
        self, session: AsyncSession, user_id: uuid.UUID, asked: ChatMessage
    ) -> None:
        """Undo what the turn that last answered `asked` changed, as the user."""
        turn = await chat_repository.get_turn_for_message(session, asked.id)
        change_set_id = (
            await history_repository.get_turn_change_set_id(session, turn.id) if turn else None
        )
        if change_set_id is None:
            return
        act_as(session, Actor("user"))
        try:
            await history_service.take_back(session, change_set_id, user_id)
        except ConflictError as error:
            raise ConflictError(
                f"The earlier answer's changes can't be taken back: {error.message}"
            ) from error

    async def _open_turn(
        self,
        session: AsyncSession,
        project: Project,
        chat: ChatSession,
        message: ChatMessage,
        now: datetime,
        thread_id: str | None,
        response_id: str | None,
    ) -> PreparedTurn:
        """Store the message (if new) and its running turn: 409 when the conversation already
        has one running, on any instance (the whole transaction rolls back, nothing is kept)."""
        try:
            if inspect(message).transient:  # a new message, not the one answered again
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
            raise ConflictError(IN_PROGRESS) from error
        setting = await account_settings.get_assistant_approval(session, chat.user_id)
        return PreparedTurn(
            user_id=chat.user_id,
            project_id=project.id,
            project_title=project.title,
            session_id=chat.id,
            turn_id=turn.id,
            user_message=public_message(message),
            thread_id=thread_id,
            response_id=response_id,
            assistant_approval=setting,
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

    async def _make_current(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        project_id: uuid.UUID,
        chat: ChatSession | None,
    ) -> ChatSession:
        """The conversation a message goes to becomes the project's current one; with none
        yet, a new one is started."""
        if chat is not None and chat.is_current:
            return chat
        if chat is not None:
            # Under the project's lock, so two switches at once cannot both make theirs current.
            await require_project(session, project_id, user_id, lock=True)
            await chat_repository.clear_current_session(session, user_id, project_id)
            await chat_repository.touch_session(session, chat.id, is_current=True)
            chat.is_current = True
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

    async def create_conversation(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        project_id: uuid.UUID,
        data: ConversationCreate,
    ) -> ConversationPublic:
        """A new, empty conversation; it becomes the project's current one."""
        project = await require_project(session, project_id, user_id, lock=True)
        await chat_repository.clear_current_session(session, user_id, project.id)
        chat = await chat_repository.add_session(
            session, user_id, project.id, self._engine.name, title=data.title
        )
        return conversation_public(chat, 0)

    async def _replay(
        self,
        session: AsyncSession,
        chat: ChatSession,
        original: ChatMessage,
        text: str,
        attachments: list[dict[str, str]],
    ) -> TurnResult | RunningTurn:
        if original.content != text or (original.attachments or []) != attachments:
            raise ConflictError("This client_message_id was already used for another message.")
        turn = await chat_repository.get_turn_for_message(session, original.id)
        if turn is None:
            raise ConflictError("The reply to this message is not available.")
        if turn.status == RUNNING:
            return RunningTurn(chat.id, turn.id, public_message(original))
        return await _stored_result(session, chat.id, turn)

    # --- approvals -------------------------------------------------------------------------------

    async def decide(
        self, user_id: uuid.UUID, target: ChatTarget, approval_id: uuid.UUID, approve: bool
    ) -> TurnResult | AwaitingApproval:
        """Answer an approval the conversation's turn waits for, then the rest of the turn:
        its end, or its next approval. The turn may run on another instance: the answer and
        the turn's progress are read from the database."""
        async with unit_of_work(self._sessions, write=True) as session:
            _, chat = await find_conversation(session, user_id, target)
            if chat is None:
                raise NotFoundError("Approval")
            # A turn whose instance died is ended first: its question cannot be answered.
            await chat_repository.expire_lapsed_turns(session, chat.id, utc_now())
            turn = await self._approvals.answer(session, user_id, chat.id, approval_id, approve)
        self._approvals.wake(approval_id)
        return await self._rest_of_turn(chat.id, turn.id)

    async def follow(
        self, running: RunningTurn, asked: uuid.UUID | None = None
    ) -> TurnResult | AwaitingApproval:
        """The turn's end, or the next question it waits on other than `asked` (one the
        client was already shown)."""
        return await self._rest_of_turn(running.session_id, running.turn_id, asked)

    async def _rest_of_turn(
        self, session_id: uuid.UUID, turn_id: uuid.UUID, asked: uuid.UUID | None = None
    ) -> TurnResult | AwaitingApproval:
        """Wait until the turn ends or asks a question other than `asked`, reading a few times
        a second. A turn whose instance died (its lease ran out) is expired here rather than
        waited for."""
        while True:
            async with unit_of_work(self._sessions) as session:
                progress = await chat_repository.get_turn_progress(session, turn_id)
                if progress is None:
                    raise NotFoundError("Conversation")
                turn, pending = progress
                if turn.status != RUNNING:
                    return await _stored_result(session, session_id, turn)
                if pending is not None and pending.id != asked:
                    [message] = await chat_repository.get_messages(session, [turn.user_message_id])
                    return AwaitingApproval(
                        session_id,
                        approval_public(pending),
                        public_message(message),
                        list(turn.tool_calls or []),
                    )
                lapsed = turn.lease_expires_at < utc_now()
            if lapsed:
                async with unit_of_work(self._sessions, write=True) as session:
                    await chat_repository.expire_lapsed_turns(session, session_id, utc_now())
                continue
            await asyncio.sleep(PROGRESS_POLL_SECONDS)

    # --- running a turn --------------------------------------------------------------------------

    def launch(self, prepared: PreparedTurn, sink: TurnSink) -> asyncio.Task[TurnResult]:
        """Run the turn as its own task: a client that goes away does not stop it (or leave the
        conversation locked); only cancel() does."""
        task = asyncio.create_task(self._runner.run(prepared, sink))
        self._tasks[prepared.turn_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(prepared.turn_id, None))
        return task

    # --- stopping and resetting ------------------------------------------------------------------

    async def cancel(self, user_id: uuid.UUID, target: ChatTarget) -> bool:
        """Stop the running turn, on whichever instance runs it: the database says so first
        (so nothing more is written), then this instance's task is interrupted if it is here."""
        async with unit_of_work(self._sessions, write=True) as session:
            _, chat = await find_conversation(session, user_id, target)
            turn = await chat_repository.get_running_turn(session, chat.id) if chat else None
            if turn is None:
                return False
            cancelled = await chat_repository.end_turn(
                session, turn.id, status=CANCELLED, finished_at=utc_now()
            )
        task = self._tasks.get(turn.id)
        if cancelled and task is not None:
            task.cancel()
        return cancelled

    async def delete(self, user_id: uuid.UUID, target: ChatTarget, *, next_current: bool) -> None:
        """Stop its reply, delete the conversation and its history. `next_current`: the
        project's most recently active other conversation becomes its current one (else the
        next message starts a new one)."""
        await self.cancel(user_id, target)
        async with unit_of_work(self._sessions, write=True) as session:
            project, chat = await find_conversation(session, user_id, target)
            if chat is None:
                return
            await chat_repository.delete_session(session, chat)
            if next_current and chat.is_current:
                remaining = await chat_repository.list_sessions(session, user_id, project.id)
                if remaining:
                    await chat_repository.touch_session(
                        session, remaining[0][0].id, is_current=True
                    )

    async def close(self) -> None:
        self._runner.shutting_down = True
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
