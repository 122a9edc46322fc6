"""Running one chat turn, once its user message and running slot are committed: the engine under
a deadline while a heartbeat keeps the turn's lease, each tool call recorded as it runs, and one
end for every outcome — the answer stored, or the turn failed or cancelled with its user message
marked. A turn is never left running by this process; if the process dies, the lease lapses.

No transaction is held while the model works: each tool call, lease renewal and the end have
their own short one, and the end is written by compare-and-swap on the turn's status, so a turn
stopped meanwhile (from any instance) writes nothing more.
"""

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.assistant.engines.base import (
    Engine,
    Picture,
    ProviderError,
    TurnCancelledError,
    TurnInput,
    TurnOutput,
    TurnSink,
)
from backend.assistant.engines.meter import TurnMeter, current_meter, metering
from backend.assistant.tools import ToolContext, ToolResult, is_read_only, run_tool
from backend.assistant.tools.registry import TOOLS, preview_tool, refused_call
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.models import ChatMessage
from backend.models.base import utc_now
from backend.models.chat import APPROVED, CANCELLED, EXPIRED, FAILED, RUNNING, TURN_COMPLETED
from backend.repositories import chat as chat_repository
from backend.repositories import files as file_repository
from backend.repositories import history as history_repository
from backend.schemas.chat import ChatMessagePublic, ChatTurnPublic
from backend.schemas.common import storable
from backend.services.approvals import Approvals

logger = logging.getLogger("scenecraft.chat")

UNEXPECTED = "The assistant failed unexpectedly. Try again."
SHUT_DOWN = "The server stopped while the assistant was working. Try again."
PICTURES_LINE = (
    "Pictures attached to this message, in order (update_scene's image_file_id puts one on a "
    "scene):"
)
UNSEEN_LINE = "The model could not be shown these pictures: it reads text only."
DECLINED_BY_USER = (
    "The user declined this change, so nothing was changed. Do not try it another way; ask "
    "what they would like instead."
)
NOT_ANSWERED = (
    "Nobody approved this change within {seconds:g} seconds, so it was not made. Tell the user "
    "it needs their approval."
)
TOO_MANY_WRITES = (
    "This turn has made {limit} changes, the most one turn may make; this one was not made. "
    "Tell the user what is left to do, so they can ask again."
)


@dataclass
class TurnResult:
    session_id: uuid.UUID
    messages: list[ChatMessagePublic]
    reply: str = ""
    tool_calls: list[dict[str, object]] = field(default_factory=list)
    cancelled: bool = False
    error: str | None = None
    error_status: int | None = None
    change_set_id: uuid.UUID | None = None

    def public(self) -> ChatTurnPublic:
        return ChatTurnPublic.model_validate(
            {
                "session_id": self.session_id,
                "reply": self.reply,
                "messages": self.messages,
                "tool_calls": self.tool_calls,
                "cancelled": self.cancelled,
                "change_set_id": self.change_set_id,
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
    assistant_approval: str = "destructive"
    """The person's setting when the turn started: which tool calls wait for their OK."""


@dataclass(frozen=True, slots=True)
class _Cleared:
    """How a call may run (any read, or a write the turn may make). `changes_allowed=False`: a
    held-back write not asked about because its dry run changed nothing or failed, so it may
    still change nothing."""

    changes_allowed: bool


_CLEARED, _CLEARED_IF_UNCHANGED = _Cleared(True), _Cleared(False)


class _CancelledMeanwhileError(Exception):
    pass


class Deadline:
    """The turn's deadline, which stands still while the turn waits for the person."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._timeout: asyncio.Timeout | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with asyncio.timeout(self._seconds) as timeout:
            self._timeout = timeout
            yield

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        timeout = self._timeout
        when = timeout.when() if timeout is not None else None
        if timeout is None or when is None:
            yield
            return
        loop = asyncio.get_running_loop()
        left = when - loop.time()
        timeout.reschedule(None)
        try:
            yield
        finally:
            timeout.reschedule(loop.time() + left)


def public_message(message: ChatMessage) -> ChatMessagePublic:
    return ChatMessagePublic.model_validate(message)


def _calls(recorded: list[ToolResult]) -> list[dict[str, object]]:
    """The calls as stored: their arguments and outputs hold the model's text."""
    return [storable(result.public()) for result in recorded]


class TurnRunner:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        engine: Engine,
        approvals: Approvals,
    ) -> None:
        self._settings = settings
        self._sessions = session_factory
        self._engine = engine
        self._approvals = approvals
        self.shutting_down = False
        """Set when the app stops: a turn interrupted then failed, the user did not stop it."""

    async def run(self, prepared: PreparedTurn, sink: TurnSink) -> TurnResult:
        """The turn from the model's first call to its stored end, its lease renewed all along:
        storing the end may itself wait on the database (SQLite's busy timeout is longer than
        a lease), and a lease lost then would throw a finished answer away."""
        runner = asyncio.current_task()
        assert runner is not None
        ending = asyncio.Event()
        heartbeat = asyncio.create_task(self._keep_lease(prepared.turn_id, runner, ending))
        try:
            with metering(TurnMeter()):
                return await self._run_to_end(prepared, sink, ending)
        finally:
            heartbeat.cancel()
            await asyncio.wait([heartbeat])

    async def _run_to_end(
        self, prepared: PreparedTurn, sink: TurnSink, ending: asyncio.Event
    ) -> TurnResult:
        recorded: list[ToolResult] = []
        log = {"turn_id": str(prepared.turn_id)}
        deadline = Deadline(self._settings.CHAT_TURN_TIMEOUT_SECONDS)
        try:
            pictures = await self._pictures(prepared)
            turn = self._input(prepared, sink, recorded, pictures, deadline)
            output = await self._produce(turn, recorded, deadline)
            ending.set()
            return await self._complete(prepared, output, recorded)
        except (asyncio.CancelledError, TurnCancelledError):
            ending.set()
            if self.shutting_down:
                logger.warning("chat turn interrupted by shutdown", extra=log)
                return await self._end(prepared, recorded, FAILED, (502, SHUT_DOWN))
            return await self._end(prepared, recorded, CANCELLED)
        except TimeoutError:
            ending.set()
            timeout = self._settings.CHAT_TURN_TIMEOUT_SECONDS
            logger.warning("chat turn timed out", extra=log)
            message = f"The assistant took longer than {timeout:g} seconds and was stopped."
            return await self._end(prepared, recorded, FAILED, (504, message))
        except ProviderError as error:
            ending.set()
            logger.warning(
                "chat turn failed: the model provider", extra={**log, "provider": error.cause}
            )
            return await self._end(prepared, recorded, FAILED, (error.status_code, error.message))
        except Exception:
            ending.set()
            # A bug in a tool, in our code or the database: not the provider's fault.
            logger.exception("chat turn failed unexpectedly", extra=log)
            return await self._end(prepared, recorded, FAILED, (502, UNEXPECTED))

    async def _pictures(self, prepared: PreparedTurn) -> list[Picture]:
        """The message's pictures as the model gets them: their stored thumbnails (≤ 480 px,
        made once at upload) as data URLs, so a turn sends tens of kilobytes, not the 10 MiB
        an original may be, and re-encodes nothing. A picture deleted since is left out."""
        attachments = prepared.user_message.attachments
        if not attachments:
            return []
        async with unit_of_work(self._sessions) as session:
            found = await file_repository.read_pictures(
                session, [a.file_id for a in attachments], prepared.user_id, thumbnail=True
            )
        pictures = []
        for attachment in attachments:
            if attachment.file_id in found:
                _, content_type, body = found[attachment.file_id]
                data = base64.b64encode(body).decode()
                pictures.append(
                    Picture(
                        str(attachment.file_id),
                        attachment.filename,
                        f"data:{content_type};base64,{data}",
                    )
                )
        return pictures

    def _input(
        self,
        prepared: PreparedTurn,
        sink: TurnSink,
        recorded: list[ToolResult],
        pictures: list[Picture],
        deadline: Deadline,
    ) -> TurnInput:
        context = ToolContext(
            self._sessions, prepared.user_id, prepared.project_id, prepared.turn_id
        )

        async def is_cancelled() -> bool:
            return await self._is_cancelled(prepared.turn_id)

        async def record(name: str, arguments: str) -> ToolResult:
            cleared = await self._held_back(
                prepared, context, sink, recorded, deadline, name, arguments
            )
            result = (
                cleared
                if isinstance(cleared, ToolResult)
                else await run_tool(
                    context, name, arguments, changes_allowed=cleared.changes_allowed
                )
            )
            recorded.append(result)
            if result.ok and not is_read_only(name):
                # Stored as they happen: if this process dies, the turn still lists its changes.
                async with unit_of_work(self._sessions, write=True) as session:
                    await chat_repository.record_tool_calls(
                        session, prepared.turn_id, _calls(recorded)
                    )
            return result

        async def load_history() -> list[tuple[str, str]]:
            async with unit_of_work(self._sessions) as session:
                return await chat_repository.recent_history(
                    session,
                    prepared.session_id,
                    self._settings.CHAT_HISTORY_MESSAGES,
                    before=prepared.user_message.created_at,
                )

        instructions = [
            f"Current project id: {prepared.project_id}",
            f"Current project title: {json.dumps(prepared.project_title)}",
        ]
        if pictures:
            instructions.append(PICTURES_LINE)
            instructions += [
                f"Attached picture {number} (file id {picture.file_id}): "
                f"{json.dumps(picture.filename, ensure_ascii=False)}"
                for number, picture in enumerate(pictures, 1)
            ]
        return TurnInput(
            user_text=prepared.user_message.content,
            instructions="\n".join(instructions),
            pictures=pictures,
            load_history=load_history,
            run_tool=record,
            refuse_tool=recorded.append,
            is_cancelled=is_cancelled,
            sink=sink,
            thread_id=prepared.thread_id,
            previous_response_id=prepared.response_id,
        )

    async def _held_back(
        self,
        prepared: PreparedTurn,
        context: ToolContext,
        sink: TurnSink,
        recorded: list[ToolResult],
        deadline: Deadline,
        name: str,
        arguments: str,
    ) -> ToolResult | _Cleared:
        """The answer to a write the turn may not make as it stands: past the turn's limit of
        changes, or held back by the person's setting and not approved (declined, or left
        unanswered); else how to run it. The question shows what the call would change (a dry
        run); a call that would change nothing, or fail, is not asked about (and must still
        change nothing when it runs)."""
        selected = TOOLS.get(name)
        if selected is None or selected.read_only:
            return _CLEARED
        limit = self._settings.CHAT_MAX_WRITES_PER_TURN
        if sum(1 for done in recorded if done.ok and not is_read_only(done.name)) >= limit:
            return refused_call(name, arguments, TOO_MANY_WRITES.format(limit=limit))
        if not selected.needs_approval(prepared.assistant_approval):
            return _CLEARED
        preview = await preview_tool(context, name, arguments)
        if preview is None:
            return _CLEARED_IF_UNCHANGED
        async with unit_of_work(self._sessions, write=True) as session:
            # The calls before the pause, as the approval route's 202 shows them.
            await chat_repository.record_tool_calls(session, prepared.turn_id, _calls(recorded))
        with deadline.paused():
            status = await self._approvals.ask(prepared.turn_id, name, preview, sink)
        if status == APPROVED:
            return _CLEARED
        timeout = self._settings.CHAT_APPROVAL_TIMEOUT_SECONDS
        reason = NOT_ANSWERED.format(seconds=timeout) if status == EXPIRED else DECLINED_BY_USER
        return refused_call(name, arguments, reason)

    async def _produce(
        self, turn: TurnInput, recorded: list[ToolResult], deadline: Deadline
    ) -> TurnOutput:
        """The engine's work under the turn's deadline. A model that cannot see pictures
        refuses a request with them (a 400 about the image): the message is then answered
        without them (their file ids stay in the instructions), the answer saying so first,
        instead of failing."""
        async with deadline.running():
            try:
                return await self._engine.run_turn(turn)
            except ProviderError as error:
                if not turn.pictures or recorded or not error.refused_images:
                    raise
                logger.info("the model refused pictures; answering without them")
            note = (
                f"The configured model ({self._settings.model_name}) can't see pictures, so it "
                "read your message without them.\n\n"
            )
            await turn.sink.delta(note)
            blind = dataclasses.replace(
                turn, pictures=[], instructions=f"{turn.instructions}\n{UNSEEN_LINE}"
            )
            output = await self._engine.run_turn(blind)
            return dataclasses.replace(output, reply=note + output.reply)

    async def _keep_lease(
        self, turn_id: uuid.UUID, runner: asyncio.Task[TurnResult], ending: asyncio.Event
    ) -> None:
        """Renew the lease every CHAT_TURN_HEARTBEAT_SECONDS, each time in its own short
        transaction. A turn no longer running (stopped elsewhere, or expired after its lease
        lapsed) is interrupted, another may be running by now; unless it is already storing
        its end, which says for itself whether it still held the turn."""
        lease = timedelta(seconds=self._settings.CHAT_TURN_LEASE_SECONDS)
        while True:
            await asyncio.sleep(self._settings.CHAT_TURN_HEARTBEAT_SECONDS)
            try:
                async with unit_of_work(self._sessions, write=True) as session:
                    held = await chat_repository.renew_lease(session, turn_id, utc_now() + lease)
            except Exception:
                logger.warning(
                    "could not renew a chat turn's lease",
                    exc_info=True,
                    extra={"turn_id": str(turn_id)},
                )
                continue
            if not held:
                if not ending.is_set():
                    runner.cancel()
                return

    def _ledger(self, recorded: list[ToolResult]) -> dict[str, Any]:
        """The turn's figures, stored with its end whatever the end is."""
        meter = current_meter() or TurnMeter()
        return {
            "engine": self._engine.name,
            "model": self._settings.model_name,
            "model_ms": round(meter.model_seconds * 1000),
            "tool_ms": round(meter.tool_seconds * 1000),
            "total_ms": round((time.perf_counter() - meter.started) * 1000),
            "input_tokens": meter.input_tokens,
            "output_tokens": meter.output_tokens,
            "tool_call_count": len(recorded),
            "retries": meter.retries,
        }

    async def _is_cancelled(self, turn_id: uuid.UUID) -> bool:
        async with unit_of_work(self._sessions) as session:
            return await chat_repository.get_turn_status(session, turn_id) != RUNNING

    async def _complete(
        self, prepared: PreparedTurn, output: TurnOutput, recorded: list[ToolResult]
    ) -> TurnResult:
        tool_calls = _calls(recorded)
        now = utc_now()
        try:
            async with unit_of_work(self._sessions, write=True) as session:
                reply = ChatMessage(
                    session_id=prepared.session_id,
                    role="assistant",
                    content=storable(output.reply),
                    tool_calls=tool_calls,
                    response_id=output.response_id,
                    change_set_id=await history_repository.get_turn_change_set_id(
                        session, prepared.turn_id
                    ),
                )
                await chat_repository.add_message(session, reply)
                finished = await chat_repository.finish_turn(
                    session,
                    prepared.turn_id,
                    status=TURN_COMPLETED,
                    finished_at=now,
                    tool_calls=tool_calls,
                    assistant_message_id=reply.id,
                    **self._ledger(recorded),
                )
                if not finished:
                    raise _CancelledMeanwhileError
                await chat_repository.touch_session(
                    session,
                    prepared.session_id,
                    last_message_at=now,
                    # Even if the cleanup job found it idle while this turn ran.
                    is_active=True,
                    openai_thread_id=output.thread_id or prepared.thread_id,
                    openai_response_id=output.response_id,
                )
        except _CancelledMeanwhileError:
            return await self._end(prepared, recorded, CANCELLED)
        return TurnResult(
            session_id=prepared.session_id,
            messages=[prepared.user_message, public_message(reply)],
            reply=reply.content,
            tool_calls=tool_calls,
            change_set_id=reply.change_set_id,
        )

    async def _end(
        self,
        prepared: PreparedTurn,
        recorded: list[ToolResult],
        status: str,
        error: tuple[int, str] | None = None,
    ) -> TurnResult:
        """End a turn that produced no answer: the user's message stays, marked failed or
        cancelled, with the tool calls that ran."""
        tool_calls = _calls(recorded)
        ledger = self._ledger(recorded)
        error_status, message = error if error else (None, None)
        ended = True
        change_set_id = None
        try:
            async with unit_of_work(self._sessions, write=True) as session:
                change_set_id = await history_repository.get_turn_change_set_id(
                    session, prepared.turn_id
                )
                ended = await chat_repository.end_turn(
                    session,
                    prepared.turn_id,
                    status=status,
                    finished_at=utc_now(),
                    tool_calls=tool_calls,
                    error=message,
                    error_status=error_status,
                    ledger=ledger,
                )
                if not ended:
                    # Stopped or expired elsewhere first: that end stands, with all our calls
                    # and our figures.
                    await chat_repository.record_tool_calls(
                        session, prepared.turn_id, tool_calls, ledger=ledger
                    )
        except Exception:
            logger.exception(
                "could not store the end of a chat turn; its lease will expire it",
                extra={"turn_id": str(prepared.turn_id)},
            )
        cancelled = status == CANCELLED or not ended
        user_message = ChatMessagePublic.model_validate(
            {
                **prepared.user_message.model_dump(),
                "status": CANCELLED if cancelled else FAILED,
                "tool_calls": tool_calls,
            }
        )
        return TurnResult(
            session_id=prepared.session_id,
            messages=[user_message],
            tool_calls=tool_calls,
            cancelled=cancelled,
            error=None if cancelled else message,
            error_status=None if cancelled else error_status,
            change_set_id=change_set_id,
        )
