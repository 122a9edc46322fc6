"""The chat: a project's conversations, and in one of them send (JSON), stream (server-sent
events), regenerate (or edit the last message), history, cancel, delete — by project (its
current conversation) or by conversation id."""

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse, StreamingResponse

from backend.api.deps import ChatServiceDep, CurrentUser, DetachedUser, SessionDep, SettingsDep
from backend.assistant.engines.base import SilentSink, TurnSink
from backend.assistant.tools import ToolResult
from backend.core.config import Settings
from backend.core.errors import NotFoundError
from backend.schemas.chat import (
    ApprovalDecision,
    ApprovalPublic,
    AwaitingApprovalPublic,
    CancelResult,
    ChatHistory,
    ChatSendRequest,
    ChatTurnPublic,
    ConversationCreate,
    ConversationPublic,
    ConversationUpdate,
    RegenerateRequest,
)
from backend.schemas.common import storable
from backend.services import chat as chat_service
from backend.services.approvals import AwaitingApproval
from backend.services.auth import Account
from backend.services.chat import (
    ChatService,
    ChatTarget,
    ConversationById,
    CurrentConversation,
    RunningTurn,
)
from backend.services.chat_turn import PreparedTurn, TurnResult
from backend.services.limits import account_limits

router = APIRouter(prefix="/chat", tags=["chat"])
logger = logging.getLogger("scenecraft.chat")

TURN_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such project, or not yours"},
    409: {"description": "A reply is already in progress, or the client_message_id was reused"},
    429: {"description": "The account's daily message quota is used up; see Retry-After"},
    502: {"description": "The model provider failed; the message is kept"},
    504: {"description": "The model provider did not answer in time; the message is kept"},
}
STREAM_DESCRIPTION = """Server-sent events, in order: `message` (the stored user message), then
`tool_call` (`{name, arguments}`) and `tool_result` (`{name, output, ok}`) as tools run,
`approval_required` (`{approval_id, name, arguments, preview}`) when a call waits for your OK (the
stream stays open until it is answered, declined or times out), `delta` (`{text}`) as the answer
streams, and last `done` (`{reply, messages, tool_calls, cancelled, change_set_id}`) or
`error` (`{detail, status}`). A `: ping` comment comes every 15 s of quiet. A client that
disconnects does not stop the turn. A `client_message_id` sent again answers from the turn it
started: a finished one at once (`message`, then `done` or `error`), one still running (on any
instance) by following it: `message`, each `approval_required` it waits on, then its end."""


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, default=str, ensure_ascii=False)}\n\n".encode()


def _arguments(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class _QueueSink:
    """Turns the engine's progress into SSE events for one stream."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def tool_call(self, name: str, arguments: str) -> None:
        await self.events.put(
            _event("tool_call", {"name": name, "arguments": _arguments(arguments)})
        )

    async def tool_result(self, result: ToolResult) -> None:
        payload = {"name": result.name, "output": result.output, "ok": result.ok}
        await self.events.put(_event("tool_result", payload))

    async def delta(self, text: str) -> None:
        await self.events.put(_event("delta", {"text": text}))

    async def approval_required(self, approval: ApprovalPublic) -> None:
        await self.events.put(_event("approval_required", approval.model_dump(mode="json")))


def _final_event(result: TurnResult) -> bytes:
    if result.error:
        return _event("error", {"detail": result.error, "status": result.error_status})
    return _event("done", result.public().model_dump(mode="json", exclude={"session_id"}))


async def _follow(chat: ChatService, running: RunningTurn, sink: TurnSink) -> TurnResult:
    """A turn already running (a repeated client_message_id), as its stream: each question it
    waits on, then its end."""
    asked = None
    while True:
        try:
            progress = await chat.follow(running, asked)
        except NotFoundError as error:  # deleted with its conversation meanwhile
            return TurnResult(
                running.session_id, [running.user_message], error=error.message, error_status=404
            )
        except Exception:  # the stream is open: it ends with an error event, not a cut
            logger.exception("following a running chat turn failed")
            return TurnResult(
                running.session_id,
                [running.user_message],
                error="Lost track of the reply in progress; reload the conversation to see it.",
                error_status=503,
            )
        if isinstance(progress, TurnResult):
            return progress
        asked = progress.approval.approval_id
        await sink.approval_required(progress.approval)


async def _turn_events(
    chat: ChatService, started: PreparedTurn | TurnResult | RunningTurn
) -> AsyncIterator[bytes]:
    if isinstance(started, TurnResult):
        yield _event("message", started.messages[0].model_dump(mode="json"))
        yield _final_event(started)
        return
    yield _event("message", started.user_message.model_dump(mode="json"))
    sink = _QueueSink()
    # A launched turn outlives its stream (only Stop ends it); following one is just reading.
    task = (
        chat.launch(started, sink)
        if isinstance(started, PreparedTurn)
        else asyncio.ensure_future(_follow(chat, started, sink))
    )
    task.add_done_callback(lambda _: sink.events.put_nowait(None))
    try:
        while True:
            try:
                # A comment now and then while the turn waits (for an approval, a slow model),
                # so proxies and clients do not take the quiet stream for a dead one.
                event = await asyncio.wait_for(sink.events.get(), STREAM_PING_SECONDS)
            except TimeoutError:
                yield b": ping\n\n"
                continue
            if event is None:
                break
            yield event
    finally:
        if isinstance(started, RunningTurn):
            task.cancel()
    yield _final_event(task.result())


class _PauseSink(SilentSink):
    """For the JSON routes: notes the calls that ran and the approval the turn waits for."""

    def __init__(self) -> None:
        self.tool_calls: list[dict[str, object]] = []
        self.approval: ApprovalPublic | None = None
        self.paused = asyncio.Event()

    async def tool_result(self, result: ToolResult) -> None:
        self.tool_calls.append(storable(result.public()))

    async def approval_required(self, approval: ApprovalPublic) -> None:
        self.approval = approval
        self.paused.set()


def _per_day(settings: Settings, user: Account) -> int:
    return account_limits(settings, is_guest=user.is_guest).assistant_messages_per_day


async def _answer(
    chat: ChatService, started: PreparedTurn | TurnResult | AwaitingApproval | RunningTurn
) -> ChatTurnPublic | JSONResponse:
    """Run a started turn until it ends (a client that goes away does not stop it), or until it
    waits for an approval: then `202` with the question. A turn already running is followed."""
    if isinstance(started, RunningTurn):
        started = await chat.follow(started)
    if isinstance(started, PreparedTurn):
        sink = _PauseSink()
        task = chat.launch(started, sink)
        paused = asyncio.ensure_future(sink.paused.wait())
        try:
            await asyncio.wait([task, paused], return_when=asyncio.FIRST_COMPLETED)
        finally:
            paused.cancel()
        if not task.done() and sink.approval is not None:
            started = AwaitingApproval(
                started.session_id, sink.approval, started.user_message, sink.tool_calls
            )
        else:
            started = await task
    if isinstance(started, AwaitingApproval):
        return JSONResponse(
            started.public().model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED
        )
    if started.error:
        raise HTTPException(started.error_status or status.HTTP_502_BAD_GATEWAY, started.error)
    return started.public()


def _events(
    chat: ChatService, started: PreparedTurn | TurnResult | RunningTurn
) -> StreamingResponse:
    return StreamingResponse(
        _turn_events(chat, started),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _send(
    chat: ChatService, settings: Settings, user: Account, target: ChatTarget, data: ChatSendRequest
) -> PreparedTurn | TurnResult | RunningTurn:
    return await chat.start(user.id, target, data, messages_per_day=_per_day(settings, user))


async def _regenerate(
    chat: ChatService,
    settings: Settings,
    user: Account,
    target: ChatTarget,
    data: RegenerateRequest | None,
) -> PreparedTurn:
    return await chat.regenerate(
        user.id, target, data or RegenerateRequest(), messages_per_day=_per_day(settings, user)
    )


RegenerateBody = Annotated[RegenerateRequest | None, Body()]
REGENERATE_ERRORS: dict[int | str, dict[str, str]] = {
    **TURN_ERRORS,
    409: {
        "description": "A reply is already in progress, there is no message yet, or the earlier "
        "answer's changes cannot be undone (a later change touched the same thing)"
    },
}

STREAM_PING_SECONDS = 15.0
APPROVAL_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such approval in this conversation, or not yours"},
    409: {"description": "Already answered, given up (unanswered in time), or its turn ended"},
    502: {"description": "The model provider failed after the answer; the message is kept"},
    504: {"description": "The model provider did not answer in time; the message is kept"},
}
PAUSED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": AwaitingApprovalPublic,
        "description": "The turn waits for your OK on a tool call (your `assistant_approval` "
        "setting): answer it with `POST .../approvals/{approval_id}`",
    }
}

HistoryLimit = Annotated[int, Query(ge=1, le=200)]
HistoryBefore = Annotated[uuid.UUID | None, Query(description="Only messages older than this one")]


# --- the project's current conversation ----------------------------------------------------------


@router.post(
    "/{project_id}/send", response_model=ChatTurnPublic, responses={**TURN_ERRORS, **PAUSED}
)
async def send_chat_message(
    project_id: uuid.UUID,
    data: ChatSendRequest,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
) -> ChatTurnPublic | JSONResponse:
    """Send a message and wait for the assistant's answer (tools run on the server)."""
    return await _answer(
        chat, await _send(chat, settings, user, CurrentConversation(project_id), data)
    )


@router.post(
    "/{project_id}/stream",
    response_class=StreamingResponse,
    description=STREAM_DESCRIPTION,
    responses={200: {"content": {"text/event-stream": {}}}, **TURN_ERRORS},
)
async def stream_chat_message(
    project_id: uuid.UUID,
    data: ChatSendRequest,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
) -> StreamingResponse:
    return _events(chat, await _send(chat, settings, user, CurrentConversation(project_id), data))


@router.post(
    "/{project_id}/regenerate",
    response_model=ChatTurnPublic,
    responses={**REGENERATE_ERRORS, **PAUSED},
)
async def regenerate_chat_answer(
    project_id: uuid.UUID,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
    data: RegenerateBody = None,
) -> ChatTurnPublic | JSONResponse:
    """As `/api/conversations/{conversation_id}/regenerate`, in the project's current
    conversation."""
    target = CurrentConversation(project_id)
    return await _answer(chat, await _regenerate(chat, settings, user, target, data))


@router.post(
    "/{project_id}/regenerate/stream",
    response_class=StreamingResponse,
    description=STREAM_DESCRIPTION,
    responses={200: {"content": {"text/event-stream": {}}}, **REGENERATE_ERRORS},
)
async def stream_regenerated_chat_answer(
    project_id: uuid.UUID,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
    data: RegenerateBody = None,
) -> StreamingResponse:
    target = CurrentConversation(project_id)
    return _events(chat, await _regenerate(chat, settings, user, target, data))


@router.get("/{project_id}/messages", responses={404: {"description": "No such project"}})
async def read_chat_messages(
    project_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    chat: ChatServiceDep,
    limit: HistoryLimit = 50,
    before: HistoryBefore = None,
) -> ChatHistory:
    """The conversation's messages, oldest first (`session_id` is null before the first one)."""
    target = CurrentConversation(project_id)
    return await chat.history(session, user.id, target, limit=limit, before=before)


@router.post("/{project_id}/cancel", responses={404: {"description": "No such project"}})
async def cancel_chat_turn(
    project_id: uuid.UUID, user: DetachedUser, chat: ChatServiceDep
) -> CancelResult:
    """Stop the running reply, if any; nothing is written after it."""
    return CancelResult(cancelled=await chat.cancel(user.id, CurrentConversation(project_id)))


@router.post(
    "/{project_id}/approvals/{approval_id}",
    response_model=ChatTurnPublic,
    responses={**APPROVAL_ERRORS, **PAUSED},
)
async def answer_chat_approval(
    project_id: uuid.UUID,
    approval_id: uuid.UUID,
    data: ApprovalDecision,
    user: DetachedUser,
    chat: ChatServiceDep,
) -> ChatTurnPublic | JSONResponse:
    """As `/api/conversations/{conversation_id}/approvals/{approval_id}`, in the project's
    current conversation."""
    target = CurrentConversation(project_id)
    return await _answer(chat, await chat.decide(user.id, target, approval_id, data.approve))


@router.delete(
    "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such project"}},
)
async def delete_chat(project_id: uuid.UUID, user: DetachedUser, chat: ChatServiceDep) -> Response:
    """End the current conversation and delete its history; the next message starts a new one
    (the project's other conversations stay)."""
    await chat.delete(user.id, CurrentConversation(project_id), next_current=False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- conversations by id ---------------------------------------------------------------------

conversations_router = APIRouter(tags=["conversations"])
CONVERSATION_NOT_FOUND: dict[int | str, dict[str, str]] = {
    404: {"description": "No such conversation, or not yours"}
}
CONVERSATION_TURN_ERRORS = {**TURN_ERRORS, **CONVERSATION_NOT_FOUND}


@conversations_router.get(
    "/projects/{project_id}/conversations",
    responses={404: {"description": "No such project, or not yours"}},
)
async def list_conversations(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> list[ConversationPublic]:
    """The project's conversations, the most recently active first."""
    return await chat_service.list_conversations(session, user.id, project_id)


@conversations_router.post(
    "/projects/{project_id}/conversations",
    status_code=status.HTTP_201_CREATED,
    responses={404: {"description": "No such project, or not yours"}},
)
async def create_conversation(
    project_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    chat: ChatServiceDep,
    data: Annotated[ConversationCreate | None, Body()] = None,
) -> ConversationPublic:
    """Start a new conversation; it becomes the project's current one (what
    `/api/chat/{project_id}/...` addresses)."""
    return await chat.create_conversation(
        session, user.id, project_id, data or ConversationCreate()
    )


@conversations_router.patch("/conversations/{conversation_id}", responses=CONVERSATION_NOT_FOUND)
async def rename_conversation(
    conversation_id: uuid.UUID, data: ConversationUpdate, session: SessionDep, user: CurrentUser
) -> ConversationPublic:
    return await chat_service.rename_conversation(session, user.id, conversation_id, data)


@conversations_router.delete(
    "/conversations/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=CONVERSATION_NOT_FOUND,
)
async def delete_conversation(
    conversation_id: uuid.UUID, user: DetachedUser, chat: ChatServiceDep
) -> Response:
    """Delete the conversation and its history. If it was the current one, the most recently
    active other conversation becomes current."""
    await chat.delete(user.id, ConversationById(conversation_id), next_current=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@conversations_router.post(
    "/conversations/{conversation_id}/send",
    response_model=ChatTurnPublic,
    responses={**CONVERSATION_TURN_ERRORS, **PAUSED},
)
async def send_conversation_message(
    conversation_id: uuid.UUID,
    data: ChatSendRequest,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
) -> ChatTurnPublic | JSONResponse:
    """As `/api/chat/{project_id}/send`, in this conversation (which becomes current)."""
    target = ConversationById(conversation_id)
    return await _answer(chat, await _send(chat, settings, user, target, data))


@conversations_router.post(
    "/conversations/{conversation_id}/stream",
    response_class=StreamingResponse,
    description=STREAM_DESCRIPTION,
    responses={200: {"content": {"text/event-stream": {}}}, **CONVERSATION_TURN_ERRORS},
)
async def stream_conversation_message(
    conversation_id: uuid.UUID,
    data: ChatSendRequest,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
) -> StreamingResponse:
    target = ConversationById(conversation_id)
    return _events(chat, await _send(chat, settings, user, target, data))


@conversations_router.post(
    "/conversations/{conversation_id}/regenerate",
    response_model=ChatTurnPublic,
    responses={**REGENERATE_ERRORS, **CONVERSATION_NOT_FOUND, **PAUSED},
)
async def regenerate_conversation_answer(
    conversation_id: uuid.UUID,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
    data: RegenerateBody = None,
) -> ChatTurnPublic | JSONResponse:
    """A new answer to the conversation's last message (which becomes current), or with a
    `message`, to your last message edited. The earlier answer is kept, marked `superseded`
    (and so is the edited message); what its turn changed in the project is undone first, so
    the new answer starts from the board as it was. The model sees the conversation as it was
    before that message."""
    target = ConversationById(conversation_id)
    return await _answer(chat, await _regenerate(chat, settings, user, target, data))


@conversations_router.post(
    "/conversations/{conversation_id}/regenerate/stream",
    response_class=StreamingResponse,
    description=STREAM_DESCRIPTION,
    responses={
        200: {"content": {"text/event-stream": {}}},
        **REGENERATE_ERRORS,
        **CONVERSATION_NOT_FOUND,
    },
)
async def stream_regenerated_conversation_answer(
    conversation_id: uuid.UUID,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
    data: RegenerateBody = None,
) -> StreamingResponse:
    target = ConversationById(conversation_id)
    return _events(chat, await _regenerate(chat, settings, user, target, data))


@conversations_router.get(
    "/conversations/{conversation_id}/messages", responses=CONVERSATION_NOT_FOUND
)
async def read_conversation_messages(
    conversation_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    chat: ChatServiceDep,
    limit: HistoryLimit = 50,
    before: HistoryBefore = None,
) -> ChatHistory:
    target = ConversationById(conversation_id)
    return await chat.history(session, user.id, target, limit=limit, before=before)


@conversations_router.post(
    "/conversations/{conversation_id}/cancel", responses=CONVERSATION_NOT_FOUND
)
async def cancel_conversation_turn(
    conversation_id: uuid.UUID, user: DetachedUser, chat: ChatServiceDep
) -> CancelResult:
    return CancelResult(cancelled=await chat.cancel(user.id, ConversationById(conversation_id)))


@conversations_router.post(
    "/conversations/{conversation_id}/approvals/{approval_id}",
    response_model=ChatTurnPublic,
    responses={**APPROVAL_ERRORS, **PAUSED},
)
async def answer_conversation_approval(
    conversation_id: uuid.UUID,
    approval_id: uuid.UUID,
    data: ApprovalDecision,
    user: DetachedUser,
    chat: ChatServiceDep,
) -> ChatTurnPublic | JSONResponse:
    """Approve or decline the tool call the conversation's turn waits for (its
    `approval_required` event, or `/send`'s `202`), then get the rest of the turn: as `/send`
    answers, or another `202` when it asks again. A declined call is answered to the model as
    declined and changes nothing. Any instance can take the answer."""
    target = ConversationById(conversation_id)
    return await _answer(chat, await chat.decide(user.id, target, approval_id, data.approve))
