"""The Responses API: function calling with `previous_response_id` or full stateless item lists,
streamed or not."""

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from backend.assistant.offline import history, sse
from backend.assistant.offline.assistants import FAILED_RUN_ERROR
from backend.assistant.offline.http import event_stream, read_body, require_model
from backend.assistant.offline.knobs import Knobs, OfflineAPIError, base_model, knobs_for
from backend.assistant.offline.model import CallTools, Decision, decide, split_into_deltas
from backend.assistant.offline.state import state_of
from backend.assistant.offline.store import new_id, now
from backend.assistant.offline.usage import estimate_tokens, responses_usage

router = APIRouter()


def _input_items(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise OfflineAPIError(400, "input must be a string or a list of items", param="input")
    return [
        {**item, "type": "message"} if "role" in item and "type" not in item else dict(item)
        for item in value
    ]


def _decide(instructions: str, entries: list[history.Entry], tools: Any, knobs: Knobs) -> Decision:
    obey = knobs.settings.obey_scripts
    return decide(history.model_input(entries, tools, instructions, obey_scripts=obey))


def _response_object(
    response_id: str,
    body: dict[str, Any],
    status: str,
    output: list[dict[str, Any]],
    instructions: str,
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": now(),
        "model": body.get("model") or "offline-1",
        "status": status,
        "output": output,
        "parallel_tool_calls": bool(body.get("parallel_tool_calls", True)),
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": body.get("tools") or [],
        "instructions": instructions or None,
        "previous_response_id": body.get("previous_response_id"),
        "error": dict(FAILED_RUN_ERROR) if status == "failed" else None,
        "incomplete_details": None,
        "metadata": dict(body.get("metadata") or {}),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "store": body.get("store", True),
        "usage": usage,
    }


def _output_items(decision: Any) -> list[dict[str, Any]]:
    if isinstance(decision, CallTools):
        return [
            {
                "type": "function_call",
                "id": new_id("fc_"),
                "call_id": new_id("call_"),
                "name": call.name,
                "arguments": json.dumps(call.arguments),
                "status": "completed",
            }
            for call in decision.calls
        ]
    return [
        {
            "type": "message",
            "id": new_id("msg_"),
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": decision.text, "annotations": []}],
        }
    ]


@router.post("/responses", response_model=None)
async def create_response(request: Request) -> Response:
    state = state_of(request)
    body = await read_body(request)
    require_model(body)
    earlier: list[dict[str, Any]] = []
    instructions = body.get("instructions") or ""
    if body.get("previous_response_id"):
        previous = state.responses.get(str(body["previous_response_id"]))
        earlier = previous["input_items"] + previous["response"]["output"]
        instructions = instructions or previous["instructions"]
    items = earlier + _input_items(body.get("input", []))
    entries = history.from_response_items(items)  # a picture of the wrong shape is a 400
    knobs = knobs_for(request, state.settings, body["model"])
    knobs.check_tools(body.get("tools"), body["model"])
    knobs.check_images(history.image_count(entries), body["model"])
    body = {**body, "model": base_model(body["model"])}
    response_id = new_id("resp_")

    def finish(status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        usage = responses_usage(
            estimate_tokens(instructions, items, body.get("tools")), estimate_tokens(output)
        )
        response = _response_object(response_id, body, status, output, instructions, usage)
        state.responses.put(
            response_id, {"input_items": items, "response": response, "instructions": instructions}
        )
        return response

    if body.get("stream"):
        await knobs.before_stream()
        events = _stream(knobs, body, entries, instructions, response_id, finish)
        return await event_stream(events, knobs)
    await knobs.before_answer()
    if knobs.fault == "hang":
        await knobs.hang()
    if knobs.fault == "run_failed":
        return JSONResponse(finish("failed", []))
    decision = _decide(instructions, entries, body.get("tools"), knobs)
    return JSONResponse(finish("completed", _output_items(decision)))


async def _stream(
    knobs: Knobs,
    body: dict[str, Any],
    entries: list[history.Entry],
    instructions: str,
    response_id: str,
    finish: Any,
) -> AsyncIterator[bytes]:
    sequence = 0

    def emit(event_type: str, **fields: Any) -> bytes:
        nonlocal sequence
        sequence += 1
        return sse.event(event_type, {"type": event_type, "sequence_number": sequence, **fields})

    await knobs.pause(knobs.settings.latency_ms)
    pending = _response_object(response_id, body, "in_progress", [], instructions)
    yield emit("response.created", response=pending)
    yield emit("response.in_progress", response=pending)
    if knobs.fault == "hang":
        await knobs.hang()
        return
    if knobs.fault == "run_failed":
        yield emit("response.failed", response=finish("failed", []))
        return
    decision = _decide(instructions, entries, body.get("tools"), knobs)
    output = _output_items(decision)
    for index, item in enumerate(output):
        if item["type"] == "function_call":
            yield emit(
                "response.output_item.added",
                output_index=index,
                item={**item, "arguments": "", "status": "in_progress"},
            )
            if knobs.fault == "stream_cut":
                return
            yield emit(
                "response.function_call_arguments.delta",
                item_id=item["id"],
                output_index=index,
                delta=item["arguments"],
            )
            yield emit(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                arguments=item["arguments"],
            )
            yield emit("response.output_item.done", output_index=index, item=item)
            continue
        text = item["content"][0]["text"]
        yield emit(
            "response.output_item.added",
            output_index=index,
            item={**item, "status": "in_progress", "content": []},
        )
        part = {"type": "output_text", "text": "", "annotations": []}
        yield emit(
            "response.content_part.added",
            item_id=item["id"],
            output_index=index,
            content_index=0,
            part=part,
        )
        deltas = split_into_deltas(text)
        for number, delta in enumerate(deltas):
            if number:
                await knobs.pause(knobs.settings.delta_delay_ms)
            if knobs.fault == "stream_cut" and number >= len(deltas) // 2:
                return
            yield emit(
                "response.output_text.delta",
                item_id=item["id"],
                output_index=index,
                content_index=0,
                delta=delta,
                logprobs=[],
            )
        yield emit(
            "response.output_text.done",
            item_id=item["id"],
            output_index=index,
            content_index=0,
            text=text,
            logprobs=[],
        )
        yield emit(
            "response.content_part.done",
            item_id=item["id"],
            output_index=index,
            content_index=0,
            part={**part, "text": text},
        )
        yield emit("response.output_item.done", output_index=index, item=item)
    yield emit("response.completed", response=finish("completed", output))


@router.get("/responses/{response_id}")
async def retrieve_response(request: Request, response_id: str) -> JSONResponse:
    return JSONResponse(state_of(request).responses.get(response_id)["response"])
