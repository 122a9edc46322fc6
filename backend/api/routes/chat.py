"""The chat: send (JSON), stream (server-sent events), history, cancel, reset."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.responses import StreamingResponse

from backend.api.deps import ChatServiceDep, CurrentUser, DetachedUser, SessionDep, SettingsDep
from backend.assistant.engines.base import SilentSink
from backend.assistant.tools import ToolResult
from backend.core.config import Settings
from backend.schemas.chat import (
    CancelResult,
    ChatHistory,
    ChatSendRequest,
    ChatTurnPublic,
)
from backend.services.auth import Account
from backend.services.chat import ChatService
from backend.services.chat_turn import PreparedTurn, TurnResult
from backend.services.limits import account_limits

router = APIRouter(prefix="/chat", tags=["chat"])

TURN_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such project, or not yours"},
    409: {"description": "A reply is already in progress, or the client_message_id was reused"},
    429: {"description": "The account's daily message quota is used up; see Retry-After"},
    502: {"description": "The model provider failed; the message is kept"},
    504: {"description": "The model provider did not answer in time; the message is kept"},
}
STREAM_DESCRIPTION = """Server-sent events, in order: `message` (the stored user message), then
`tool_call` (`{name, arguments}`) and `tool_result` (`{name, output, ok}`) as tools run, `delta`
(`{text}`) as the answer streams, and last `done` (`{reply, messages, tool_calls, cancelled}`) or
`error` (`{detail, status}`). A client that disconnects does not stop the turn."""


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


def _final_event(result: TurnResult) -> bytes:
    if result.error:
        return _event("error", {"detail": result.error, "status": result.error_status})
    return _event("done", result.public().model_dump(mode="json", exclude={"session_id"}))


async def _turn_events(
    chat: ChatService, started: PreparedTurn | TurnResult
) -> AsyncIterator[bytes]:
    if isinstance(started, TurnResult):
        yield _event("message", started.messages[0].model_dump(mode="json"))
        yield _final_event(started)
        return
    yield _event("message", started.user_message.model_dump(mode="json"))
    sink = _QueueSink()
    task = chat.launch(started, sink)
    task.add_done_callback(lambda _: sink.events.put_nowait(None))
    while (event := await sink.events.get()) is not None:
        yield event
    yield _final_event(task.result())


def _per_day(settings: Settings, user: Account) -> int:
    return account_limits(settings, is_guest=user.is_guest).assistant_messages_per_day


@router.post("/{project_id}/send", responses=TURN_ERRORS)
async def send_chat_message(
    project_id: uuid.UUID,
    data: ChatSendRequest,
    user: DetachedUser,
    chat: ChatServiceDep,
    settings: SettingsDep,
) -> ChatTurnPublic:
    """Send a message and wait for the assistant's answer (tools run on the server)."""
    started = await chat.start(user.id, project_id, data, messages_per_day=_per_day(settings, user))
    if isinstance(started, PreparedTurn):
        started = await asyncio.shield(chat.launch(started, SilentSink()))
    if started.error:
        raise HTTPException(started.error_status or status.HTTP_502_BAD_GATEWAY, started.error)
    return started.public()


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
    started = await chat.start(user.id, project_id, data, messages_per_day=_per_day(settings, user))
    return StreamingResponse(
        _turn_events(chat, started),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


@router.get("/{project_id}/messages", responses={404: {"description": "No such project"}})
async def read_chat_messages(
    project_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    chat: ChatServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        uuid.UUID | None, Query(description="Only messages older than this one")
    ] = None,
) -> ChatHistory:
    """The conversation's messages, oldest first (`session_id` is null before the first one)."""
    return await chat.history(session, user.id, project_id, limit=limit, before=before)


@router.post("/{project_id}/cancel", responses={404: {"description": "No such project"}})
async def cancel_chat_turn(
    project_id: uuid.UUID, user: DetachedUser, chat: ChatServiceDep
) -> CancelResult:
    """Stop the running reply, if any; nothing is written after it."""
    return CancelResult(cancelled=await chat.cancel(user.id, project_id))


@router.delete(
    "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such project"}},
)
async def delete_chat(project_id: uuid.UUID, user: DetachedUser, chat: ChatServiceDep) -> Response:
    """End the conversation and delete its history; the next message starts a new one."""
    await chat.reset(user.id, project_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
