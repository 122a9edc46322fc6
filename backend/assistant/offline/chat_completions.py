"""Chat Completions with tools, streamed (tool-call deltas) or not."""

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from backend.assistant.offline import history, sse
from backend.assistant.offline.http import event_stream, read_body, require_model
from backend.assistant.offline.knobs import Knobs, OfflineAPIError, base_model, knobs_for
from backend.assistant.offline.model import CallTools, Decision, decide, split_into_deltas
from backend.assistant.offline.state import state_of
from backend.assistant.offline.store import new_id, now
from backend.assistant.offline.usage import answer_tokens, chat_usage, estimate_tokens

router = APIRouter()


def _decide(entries: list[history.Entry], tools: Any, knobs: Knobs) -> Decision:
    return decide(history.model_input(entries, tools, obey_scripts=knobs.settings.obey_scripts))


def _tool_calls(decision: CallTools) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id("call_"),
            "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
        }
        for call in decision.calls
    ]


def _usage(messages: list[dict[str, Any]], tools: Any, decision: Decision) -> dict[str, int]:
    return chat_usage(estimate_tokens(messages, tools), answer_tokens(decision))


@router.post("/chat/completions", response_model=None)
async def create_chat_completion(request: Request) -> Response:
    state = state_of(request)
    body = await read_body(request)
    messages = body.get("messages")
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(m, dict) for m in messages)
    ):
        raise OfflineAPIError(
            400, "messages must be a non-empty list of message objects", param="messages"
        )
    require_model(body)
    entries = history.from_chat_messages(messages)  # a picture of the wrong shape is a 400
    knobs = knobs_for(request, state.settings, body["model"])
    knobs.check_tools(body.get("tools"), body["model"])
    knobs.check_images(history.image_count(entries), body["model"])
    if knobs.fault == "run_failed":
        raise OfflineAPIError(
            500, "The offline model was told to fail this request.", error_type="server_error"
        )
    completion_id = new_id("chatcmpl-")
    model = base_model(body["model"])
    if body.get("stream"):
        await knobs.before_stream()
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return await event_stream(
            _stream(
                knobs, completion_id, model, messages, entries, body.get("tools"), include_usage
            ),
            knobs,
        )
    await knobs.before_answer()
    if knobs.fault == "hang":
        await knobs.hang()
    decision = _decide(entries, body.get("tools"), knobs)
    if isinstance(decision, CallTools):
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": _tool_calls(decision),
        }
        finish_reason = "tool_calls"
    else:
        message = {"role": "assistant", "content": decision.text}
        finish_reason = "stop"
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": now(),
            "model": model,
            "choices": [
                {"index": 0, "finish_reason": finish_reason, "message": message, "logprobs": None}
            ],
            "usage": _usage(messages, body.get("tools"), decision),
        }
    )


async def _stream(
    knobs: Knobs,
    completion_id: str,
    model: str,
    messages: list[dict[str, Any]],
    entries: list[history.Entry],
    tools: Any,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        return sse.data_only(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": now(),
                "model": model,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
                ],
            }
        )

    await knobs.pause(knobs.settings.latency_ms)
    yield chunk(
        {"role": "assistant", "content": None} if tools else {"role": "assistant", "content": ""}
    )
    if knobs.fault == "hang":
        await knobs.hang()
        return
    decision = _decide(entries, tools, knobs)
    if isinstance(decision, CallTools):
        for index, call in enumerate(_tool_calls(decision)):
            opening = {
                **call,
                "index": index,
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            yield chunk({"tool_calls": [opening]})
            if knobs.fault == "stream_cut":
                return
            arguments = call["function"]["arguments"]
            middle = max(1, len(arguments) // 2)
            for piece in (arguments[:middle], arguments[middle:]):
                if piece:
                    yield chunk(
                        {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                    )
        yield chunk({}, "tool_calls")
    else:
        deltas = split_into_deltas(decision.text)
        for number, text in enumerate(deltas):
            if number:
                await knobs.pause(knobs.settings.delta_delay_ms)
            if knobs.fault == "stream_cut" and number >= len(deltas) // 2:
                return
            yield chunk({"content": text})
        yield chunk({}, "stop")
    if include_usage:
        yield sse.data_only(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": now(),
                "model": model,
                "choices": [],
                "usage": _usage(messages, tools, decision),
            }
        )
    yield sse.CHAT_DONE
