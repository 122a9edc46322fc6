"""Assistants v2: assistants, threads, messages, runs (polled or streamed) and run steps.

Objects' `public()` views share their lists with the stored objects: every view is serialised
at once (`sse.event`, `JSONResponse`), and stored objects are replaced, never mutated in place,
after they have been shown.

A run is a small state machine: queued → in_progress → requires_action | completed | failed,
with submit_tool_outputs taking requires_action back to queued, and cancel ending any active
run. Polled runs advance one state per retrieve; streamed runs emit the events of every
transition in the order the real API used.
"""

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from backend.assistant.offline import history, sse
from backend.assistant.offline.http import event_stream, read_body, require_model
from backend.assistant.offline.knobs import Knobs, OfflineAPIError, knobs_for
from backend.assistant.offline.model import (
    Answer,
    CallTools,
    Decision,
    ModelInput,
    decide,
    split_into_deltas,
)
from backend.assistant.offline.state import OfflineState, state_of
from backend.assistant.offline.store import new_id, now, paginate
from backend.assistant.offline.usage import answer_tokens, chat_usage, estimate_tokens
from backend.assistant.offline.vision import count_images

router = APIRouter()

ACTIVE_RUN_STATUSES = frozenset({"queued", "in_progress", "requires_action", "cancelling"})
FAILED_RUN_ERROR = {
    "code": "server_error",
    "message": "The offline model was told to fail this run.",
}


@dataclass
class Assistant:
    id: str
    created_at: int
    model: str
    name: str | None = None
    description: str | None = None
    instructions: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    temperature: float | None = None
    top_p: float | None = None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "assistant",
            "created_at": self.created_at,
            "name": self.name,
            "description": self.description,
            "model": self.model,
            "instructions": self.instructions,
            "tools": self.tools,
            "metadata": dict(self.metadata),
            "temperature": self.temperature,
            "top_p": self.top_p,
            "response_format": "auto",
            "tool_resources": {},
        }


@dataclass
class Message:
    id: str
    created_at: int
    thread_id: str
    role: str
    text: str
    status: str = "completed"
    run_id: str | None = None
    assistant_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    images: int = 0
    """Pictures in the content as sent (the model reads only its text)."""

    def public(self, *, with_content: bool = True) -> dict[str, Any]:
        content = [{"type": "text", "text": {"value": self.text, "annotations": []}}]
        return {
            "id": self.id,
            "object": "thread.message",
            "created_at": self.created_at,
            "thread_id": self.thread_id,
            "role": self.role,
            "status": self.status,
            "content": content if with_content else [],
            "run_id": self.run_id,
            "assistant_id": self.assistant_id,
            "attachments": [],
            "metadata": dict(self.metadata),
            "completed_at": self.created_at if self.status == "completed" else None,
            "incomplete_at": None,
            "incomplete_details": None,
        }


@dataclass
class Thread:
    id: str
    created_at: int
    metadata: dict[str, str] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "thread",
            "created_at": self.created_at,
            "metadata": dict(self.metadata),
            "tool_resources": {},
        }


@dataclass
class RunStep:
    id: str
    created_at: int
    run_id: str
    assistant_id: str
    thread_id: str
    type: str
    step_details: dict[str, Any]
    status: str = "in_progress"

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "thread.run.step",
            "created_at": self.created_at,
            "run_id": self.run_id,
            "assistant_id": self.assistant_id,
            "thread_id": self.thread_id,
            "type": self.type,
            "status": self.status,
            "step_details": self.step_details,
            "completed_at": self.created_at if self.status == "completed" else None,
            "last_error": None,
            "metadata": {},
            "usage": None,
        }


@dataclass
class Run:
    id: str
    created_at: int
    thread_id: str
    assistant_id: str
    model: str
    instructions: str
    tools: list[dict[str, Any]]
    knobs: Knobs
    status: str = "queued"
    calls: list[dict[str, Any]] = field(default_factory=list)
    """The tool calls of the latest round, as announced in `required_action`."""
    last_error: dict[str, str] | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    parallel_tool_calls: bool = True
    tool_history: list[history.Entry] = field(default_factory=list)
    """This run's tool rounds and the outputs submitted for them, as the model reads them."""
    streaming: bool = False
    """A stream is emitting this run's events; it will notice a cancel between deltas."""
    steps: list[RunStep] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    """What the model read and wrote over all of the run's steps: its usage once it ends."""

    def public(self) -> dict[str, Any]:
        ended = self.status in ("completed", "failed", "cancelled", "expired", "incomplete")
        return {
            "id": self.id,
            "object": "thread.run",
            "created_at": self.created_at,
            "thread_id": self.thread_id,
            "assistant_id": self.assistant_id,
            "status": self.status,
            "model": self.model,
            "instructions": self.instructions,
            "tools": self.tools,
            "parallel_tool_calls": self.parallel_tool_calls,
            "required_action": (
                {
                    "type": "submit_tool_outputs",
                    "submit_tool_outputs": {"tool_calls": self.calls},
                }
                if self.status == "requires_action"
                else None
            ),
            "last_error": dict(self.last_error) if self.last_error else None,
            "metadata": dict(self.metadata),
            "started_at": self.created_at,
            "completed_at": self.created_at if self.status == "completed" else None,
            "failed_at": self.created_at if self.status == "failed" else None,
            "cancelled_at": self.created_at if self.status == "cancelled" else None,
            "expires_at": None if ended else self.created_at + 600,
            "incomplete_details": None,
            "usage": chat_usage(self.prompt_tokens, self.completion_tokens) if ended else None,
            "response_format": "auto",
            "tool_choice": "auto",
            "truncation_strategy": {"type": "auto", "last_messages": None},
            "temperature": None,
            "top_p": None,
            "max_prompt_tokens": None,
            "max_completion_tokens": None,
        }


def _json(
    value: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(value, status_code=status_code, headers=headers)


def _active_run(state: OfflineState, thread: Thread) -> Run | None:
    for run_id in reversed(thread.run_ids):
        run = state.runs.peek(run_id)
        if run is not None and run.status in ACTIVE_RUN_STATUSES:
            return run
    return None


def _add_message(thread: Thread, role: Any, content: Any, metadata: Any = None) -> Message:
    if role not in ("user", "assistant"):
        raise OfflineAPIError(400, "role must be 'user' or 'assistant'", param="role")
    if not isinstance(content, str | list):
        raise OfflineAPIError(
            400, "content must be a string or a list of content parts", param="content"
        )
    message = Message(
        new_id("msg_"),
        now(),
        thread.id,
        role,
        history.text_of(content),
        metadata=dict(metadata or {}),
        images=count_images(content),
    )
    thread.messages.append(message)
    return message


# --- assistants ----------------------------------------------------------------------------------


@router.post("/assistants")
async def create_assistant(request: Request) -> JSONResponse:
    body = await read_body(request)
    assistant = Assistant(id=new_id("asst_"), created_at=now(), model=require_model(body))
    _update_assistant(assistant, body)
    state_of(request).assistants.put(assistant.id, assistant)
    return _json(assistant.public())


def _update_assistant(assistant: Assistant, body: dict[str, Any]) -> None:
    for name in ("model", "name", "description", "instructions", "temperature", "top_p"):
        if name in body:
            setattr(assistant, name, body[name])
    if "tools" in body:
        assistant.tools = list(body["tools"] or [])
    if "metadata" in body:
        assistant.metadata = dict(body["metadata"] or {})


@router.get("/assistants")
async def list_assistants(
    request: Request,
    order: str = "desc",
    limit: int = 20,
    after: str | None = None,
    before: str | None = None,
) -> JSONResponse:
    items = [assistant.public() for assistant in state_of(request).assistants.values()]
    return _json(paginate(items, order=order, limit=limit, after=after, before=before))


@router.get("/assistants/{assistant_id}")
async def retrieve_assistant(request: Request, assistant_id: str) -> JSONResponse:
    return _json(state_of(request).assistants.get(assistant_id).public())


@router.post("/assistants/{assistant_id}")
async def update_assistant(request: Request, assistant_id: str) -> JSONResponse:
    assistant = state_of(request).assistants.get(assistant_id)
    _update_assistant(assistant, await read_body(request))
    return _json(assistant.public())


@router.delete("/assistants/{assistant_id}")
async def delete_assistant(request: Request, assistant_id: str) -> JSONResponse:
    state_of(request).assistants.pop(assistant_id)
    return _json({"id": assistant_id, "object": "assistant.deleted", "deleted": True})


# --- threads and messages ------------------------------------------------------------------------


@router.post("/threads")
async def create_thread(request: Request) -> JSONResponse:
    body = await read_body(request)
    thread = Thread(new_id("thread_"), now(), metadata=dict(body.get("metadata") or {}))
    for message in body.get("messages") or []:
        _add_message(thread, message.get("role"), message.get("content"), message.get("metadata"))
    state_of(request).threads.put(thread.id, thread)
    return _json(thread.public())


@router.get("/threads/{thread_id}")
async def retrieve_thread(request: Request, thread_id: str) -> JSONResponse:
    return _json(state_of(request).threads.get(thread_id).public())


@router.delete("/threads/{thread_id}")
async def delete_thread(request: Request, thread_id: str) -> JSONResponse:
    # The fault and latency knobs hold here too, so a cleanup that meets a failing provider is
    # tested for real.
    state = state_of(request)
    await knobs_for(request, state.settings, None).before_answer()
    state.threads.pop(thread_id)
    return _json({"id": thread_id, "object": "thread.deleted", "deleted": True})


@router.post("/threads/{thread_id}/messages")
async def create_message(request: Request, thread_id: str) -> JSONResponse:
    state = state_of(request)
    thread = state.threads.get(thread_id)
    if (active := _active_run(state, thread)) is not None:
        raise OfflineAPIError(
            400, f"Can't add messages to {thread.id} while a run {active.id} is active."
        )
    body = await read_body(request)
    message = _add_message(thread, body.get("role"), body.get("content"), body.get("metadata"))
    return _json(message.public())


@router.get("/threads/{thread_id}/messages")
async def list_messages(
    request: Request,
    thread_id: str,
    order: str = "desc",
    limit: int = 20,
    after: str | None = None,
    before: str | None = None,
    run_id: str | None = None,
) -> JSONResponse:
    thread = state_of(request).threads.get(thread_id)
    items = [m.public() for m in thread.messages if run_id is None or m.run_id == run_id]
    return _json(paginate(items, order=order, limit=limit, after=after, before=before))


# --- runs ----------------------------------------------------------------------------------------


def _run_of(state: OfflineState, thread_id: str, run_id: str) -> Run:
    thread = state.threads.get(thread_id)
    run = state.runs.get(run_id)
    if run.thread_id != thread.id:
        raise OfflineAPIError(404, f"No run found with id '{run_id}'.")
    return run


def _model_input(state: OfflineState, run: Run) -> ModelInput:
    thread = state.threads.get(run.thread_id)
    said = [
        history.Message(message.role, message.text, message.images) for message in thread.messages
    ]
    return history.model_input(
        [*said, *run.tool_history],
        run.tools,
        run.instructions,
        obey_scripts=run.knobs.settings.obey_scripts,
    )


def _decide(state: OfflineState, run: Run) -> Decision:
    """The model's next step in the run, counted on the run's usage."""
    model_input = _model_input(state, run)
    thread = state.threads.get(run.thread_id)
    decision = decide(model_input)
    run.prompt_tokens += estimate_tokens(
        run.instructions,
        [message.text for message in thread.messages],
        run.tools,
        [repr(entry) for entry in run.tool_history],
    )
    run.completion_tokens += answer_tokens(decision)
    return decision


def _start_step(run: Run, step_type: str, details: dict[str, Any]) -> RunStep:
    step = RunStep(
        new_id("step_"), now(), run.id, run.assistant_id, run.thread_id, step_type, details
    )
    run.steps.append(step)
    return step


def _tool_calls_step(run: Run, decision: CallTools) -> RunStep:
    """Record the model's tool calls; the run then waits in requires_action for their outputs."""
    run.calls = [
        {
            "id": new_id("call_"),
            "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
        }
        for call in decision.calls
    ]
    calls = tuple(
        history.Call(call["id"], call["function"]["name"], call["function"]["arguments"])
        for call in run.calls
    )
    run.tool_history = [*run.tool_history, history.Calls(calls)]
    run.status = "requires_action"
    return _start_step(run, "tool_calls", {"type": "tool_calls", "tool_calls": []})


def _stream_calls_of(run: Run) -> list[dict[str, Any]]:
    return [
        {"index": index, **call, "function": {**call["function"], "output": None}}
        for index, call in enumerate(run.calls)
    ]


def _finish_tool_step(run: Run) -> RunStep | None:
    """Mark the latest tool step completed with the submitted outputs (once)."""
    step = next((s for s in reversed(run.steps) if s.type == "tool_calls"), None)
    if step is None or step.status == "completed":
        return None
    outputs = {e.call_id: e.text for e in run.tool_history if isinstance(e, history.Output)}
    step.step_details = {
        "type": "tool_calls",
        "tool_calls": [
            {**call, "function": {**call["function"], "output": outputs.get(call["id"])}}
            for call in run.calls
        ],
    }
    step.status = "completed"
    return step


def _record_outputs(run: Run, body: dict[str, Any]) -> None:
    if run.status != "requires_action":
        raise OfflineAPIError(
            400, f'Runs in status "{run.status}" do not accept tool outputs.', param="tool_outputs"
        )
    outputs = body.get("tool_outputs")
    if not isinstance(outputs, list):
        raise OfflineAPIError(
            400, "Missing required parameter: 'tool_outputs'.", param="tool_outputs"
        )
    by_id = {
        item.get("tool_call_id"): item.get("output") for item in outputs if isinstance(item, dict)
    }
    call_ids = [call["id"] for call in run.calls]
    if any(call_id not in by_id for call_id in call_ids):
        raise OfflineAPIError(
            400,
            f"Expected tool outputs for call_ids {call_ids}, got {list(by_id)}.",
            param="tool_outputs",
        )
    run.tool_history = [
        *run.tool_history,
        *(history.Output(call_id, str(by_id[call_id] or "")) for call_id in call_ids),
    ]


def _fail(run: Run) -> None:
    run.status = "failed"
    run.last_error = dict(FAILED_RUN_ERROR)


def _complete(state: OfflineState, run: Run, text: str) -> Message:
    thread = state.threads.get(run.thread_id)
    message = Message(
        new_id("msg_"),
        now(),
        thread.id,
        "assistant",
        text,
        run_id=run.id,
        assistant_id=run.assistant_id,
    )
    thread.messages.append(message)
    _start_step(
        run,
        "message_creation",
        {"type": "message_creation", "message_creation": {"message_id": message.id}},
    ).status = "completed"
    run.status = "completed"
    return message


def _advance_polled(state: OfflineState, run: Run) -> None:
    """One step of a polled run per retrieve; a hanging run never leaves in_progress."""
    if run.status == "cancelling":
        run.status = "cancelled"
    elif run.status == "queued":
        run.status = "in_progress"
    elif run.status == "in_progress" and run.knobs.fault != "hang":
        if run.knobs.fault == "run_failed":
            _fail(run)
            return
        _finish_tool_step(run)
        decision = _decide(state, run)
        if isinstance(decision, CallTools):
            _tool_calls_step(run, decision).status = "in_progress"
        else:
            _complete(state, run, decision.text)


async def _stream(state: OfflineState, run: Run, *, created: bool) -> AsyncIterator[bytes]:
    """The events of a run from creation (or from a tool-output submission) to its next stop."""
    run.streaming = True
    try:
        async for chunk in _run_events(state, run, created=created):
            yield chunk
    finally:
        run.streaming = False


async def _run_events(state: OfflineState, run: Run, *, created: bool) -> AsyncIterator[bytes]:
    knobs = run.knobs
    await knobs.pause(knobs.settings.latency_ms)
    if run.status in ("cancelling", "cancelled"):
        run.status = "cancelled"
        yield sse.event("thread.run.cancelled", run.public())
        yield sse.ASSISTANTS_DONE
        return
    if created:
        yield sse.event("thread.run.created", run.public())
    else:
        step = _finish_tool_step(run)
        if step is not None:
            yield sse.event("thread.run.step.completed", step.public())
    run.status = "queued"
    yield sse.event("thread.run.queued", run.public())
    run.status = "in_progress"
    yield sse.event("thread.run.in_progress", run.public())
    if knobs.fault == "hang":
        await knobs.hang()
        return
    if knobs.fault == "run_failed":
        _fail(run)
        yield sse.event("thread.run.failed", run.public())
        yield sse.ASSISTANTS_DONE
        return

    decision = _decide(state, run)
    if isinstance(decision, CallTools):
        step = _tool_calls_step(run, decision)
        run.status = "in_progress"  # requires_action is announced after the step's events
        yield sse.event("thread.run.step.created", step.public())
        yield sse.event("thread.run.step.in_progress", step.public())
        if knobs.fault == "stream_cut":
            return
        delta = {"step_details": {"type": "tool_calls", "tool_calls": _stream_calls_of(run)}}
        yield sse.event(
            "thread.run.step.delta",
            {"id": step.id, "object": "thread.run.step.delta", "delta": delta},
        )
        run.status = "requires_action"
        yield sse.event("thread.run.requires_action", run.public())
        yield sse.ASSISTANTS_DONE
        return

    async for chunk in _stream_answer(state, run, decision):
        yield chunk


async def _stream_answer(state: OfflineState, run: Run, decision: Answer) -> AsyncIterator[bytes]:
    knobs = run.knobs
    thread = state.threads.get(run.thread_id)
    message = Message(
        new_id("msg_"), now(), thread.id, "assistant", "", "in_progress", run.id, run.assistant_id
    )
    step = _start_step(
        run,
        "message_creation",
        {"type": "message_creation", "message_creation": {"message_id": message.id}},
    )
    yield sse.event("thread.run.step.created", step.public())
    yield sse.event("thread.run.step.in_progress", step.public())
    yield sse.event("thread.message.created", message.public(with_content=False))
    yield sse.event("thread.message.in_progress", message.public(with_content=False))
    deltas = split_into_deltas(decision.text)
    for index, text in enumerate(deltas):
        if index:
            await knobs.pause(knobs.settings.delta_delay_ms)
        if run.status == "cancelling":
            run.status = "cancelled"
            step.status = "cancelled"
            yield sse.event("thread.run.step.cancelled", step.public())
            yield sse.event("thread.run.cancelled", run.public())
            yield sse.ASSISTANTS_DONE
            return
        if knobs.fault == "stream_cut" and index >= len(deltas) // 2:
            return
        content = [{"index": 0, "type": "text", "text": {"value": text}}]
        yield sse.event(
            "thread.message.delta",
            {"id": message.id, "object": "thread.message.delta", "delta": {"content": content}},
        )
    message.text, message.status = decision.text, "completed"
    thread.messages.append(message)
    step.status = "completed"
    run.status = "completed"
    yield sse.event("thread.message.completed", message.public())
    yield sse.event("thread.run.step.completed", step.public())
    yield sse.event("thread.run.completed", run.public())
    yield sse.ASSISTANTS_DONE


@router.post("/threads/{thread_id}/runs", response_model=None)
async def create_run(request: Request, thread_id: str) -> Response:
    state = state_of(request)
    thread = state.threads.get(thread_id)
    body = await read_body(request)
    assistant = state.assistants.get(str(body.get("assistant_id")))
    if (active := _active_run(state, thread)) is not None:
        raise OfflineAPIError(400, f"Thread {thread.id} already has an active run {active.id}.")
    model = body.get("model") or assistant.model
    knobs = knobs_for(request, state.settings, model)
    knobs.check_tools(body["tools"] if body.get("tools") is not None else assistant.tools, model)
    additional = [
        (message.get("role"), message.get("content"), message.get("metadata"))
        for message in body.get("additional_messages") or []
    ]
    knobs.check_images(
        sum(message.images for message in thread.messages)
        + sum(count_images(content) for _, content, _ in additional),
        model,
    )
    if body.get("stream"):
        await knobs.before_stream()
    else:
        await knobs.before_answer()
    for role, content, metadata in additional:
        _add_message(thread, role, content, metadata)
    instructions = (
        body["instructions"]
        if body.get("instructions") is not None
        else (assistant.instructions or "")
    )
    if body.get("additional_instructions"):
        instructions = f"{instructions}\n{body['additional_instructions']}"
    run = Run(
        id=new_id("run_"),
        created_at=now(),
        thread_id=thread.id,
        assistant_id=assistant.id,
        model=model,
        instructions=instructions,
        tools=list(body["tools"])
        if body.get("tools") is not None
        else copy.deepcopy(assistant.tools),
        knobs=knobs,
        metadata=dict(body.get("metadata") or {}),
        parallel_tool_calls=bool(body.get("parallel_tool_calls", True)),
    )
    state.runs.put(run.id, run)
    thread.run_ids.append(run.id)
    if body.get("stream"):
        return await event_stream(_stream(state, run, created=True), knobs)
    return _json(run.public())


@router.get("/threads/{thread_id}/runs")
async def list_runs(
    request: Request,
    thread_id: str,
    order: str = "desc",
    limit: int = 20,
    after: str | None = None,
    before: str | None = None,
) -> JSONResponse:
    state = state_of(request)
    thread = state.threads.get(thread_id)
    runs = [
        run.public() for run_id in thread.run_ids if (run := state.runs.peek(run_id)) is not None
    ]
    return _json(paginate(runs, order=order, limit=limit, after=after, before=before))


@router.get("/threads/{thread_id}/runs/{run_id}")
async def retrieve_run(request: Request, thread_id: str, run_id: str) -> JSONResponse:
    state = state_of(request)
    run = _run_of(state, thread_id, run_id)
    _advance_polled(state, run)
    return _json(run.public(), headers={"openai-poll-after-ms": str(state.settings.poll_after_ms)})


@router.post("/threads/{thread_id}/runs/{run_id}/cancel")
async def cancel_run(request: Request, thread_id: str, run_id: str) -> JSONResponse:
    run = _run_of(state_of(request), thread_id, run_id)
    if run.status not in ACTIVE_RUN_STATUSES:
        raise OfflineAPIError(400, f"Cannot cancel run with status '{run.status}'.")
    # A live stream notices "cancelling" between deltas; anything else ends at once.
    run.status = "cancelling" if run.streaming and run.knobs.fault != "hang" else "cancelled"
    return _json(run.public())


@router.post("/threads/{thread_id}/runs/{run_id}/submit_tool_outputs", response_model=None)
async def submit_tool_outputs(request: Request, thread_id: str, run_id: str) -> Response:
    state = state_of(request)
    run = _run_of(state, thread_id, run_id)
    body = await read_body(request)
    _record_outputs(run, body)
    run.knobs = knobs_for(request, state.settings, run.model)
    if body.get("stream"):
        await run.knobs.before_stream()
        return await event_stream(_stream(state, run, created=False), run.knobs)
    await run.knobs.before_answer()
    run.status = "queued"
    return _json(run.public())


@router.get("/threads/{thread_id}/runs/{run_id}/steps")
async def list_run_steps(
    request: Request,
    thread_id: str,
    run_id: str,
    order: str = "desc",
    limit: int = Query(20),
    after: str | None = None,
    before: str | None = None,
) -> JSONResponse:
    run = _run_of(state_of(request), thread_id, run_id)
    steps = [step.public() for step in run.steps]
    return _json(paginate(steps, order=order, limit=limit, after=after, before=before))
