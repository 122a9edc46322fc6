"""The Assistants run loop: assistant → thread → message → run → requires_action → tool outputs
→ … → completed. Streamed by default, polled as a setting. OpenAI retired this API on
2026-08-26; it runs against the offline model and any server that still speaks it."""

import asyncio
import hashlib
import json
from typing import Any

import openai
from openai import AsyncAssistantEventHandler, AsyncOpenAI
from openai.types.beta.threads import Message, Run, TextDelta

from backend.assistant.engines.base import (
    SYSTEM_PROMPT,
    ProviderError,
    TurnInput,
    TurnOutput,
    TurnSink,
    incomplete_stream,
    provider_call,
    run_round,
    too_many_rounds,
)
from backend.assistant.engines.chat_completions import user_content
from backend.assistant.engines.meter import record_usage
from backend.assistant.tools import TOOLS

ASSISTANT_NAME = "Scenecraft planner"
UNFINISHED = ("queued", "in_progress", "cancelling")
ACTIVE = (*UNFINISHED, "requires_action")


class _ForwardText(AsyncAssistantEventHandler):
    """Forwards the text as it streams and keeps the messages that were completed."""

    def __init__(self, sink: TurnSink) -> None:
        super().__init__()
        self._sink = sink
        self.completed: list[Message] = []

    async def on_text_delta(self, delta: TextDelta, snapshot: object) -> None:
        if delta.value:
            await self._sink.delta(delta.value)

    async def on_message_done(self, message: Message) -> None:
        self.completed.append(message)


class AssistantsEngine:
    name = "assistants"

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        *,
        stream: bool = True,
        assistant_id: str | None = None,
        max_rounds: int = 8,
        max_calls: int = 32,
    ) -> None:
        self._client = client
        self._model = model
        self._stream = stream
        self._pinned_assistant_id = assistant_id
        self._assistant_id: str | None = None
        self._assistant_lock = asyncio.Lock()
        self._max_rounds = max_rounds
        self._max_calls = max_calls

    async def run_turn(self, turn: TurnInput) -> TurnOutput:
        async with provider_call():
            assistant_id = await self._ensure_assistant()
            thread_id, (run, reply) = await self._begin(turn, assistant_id)
        record_usage(run.id, run.usage)
        rounds = 0
        while run.status == "requires_action" and run.required_action is not None:
            rounds += 1
            if rounds > self._max_rounds:
                async with provider_call():
                    await self._client.beta.threads.runs.cancel(run.id, thread_id=thread_id)
                raise too_many_rounds(self._max_rounds)
            calls = run.required_action.submit_tool_outputs.tool_calls
            round_results = await run_round(
                turn,
                [(call.function.name, call.function.arguments) for call in calls],
                limit=self._max_calls,
            )
            outputs = [
                {"tool_call_id": call.id, "output": result.output}
                for call, result in zip(calls, round_results, strict=True)
            ]
            async with provider_call():
                run, reply = await self._submit(thread_id, run, outputs, turn.sink)
            record_usage(run.id, run.usage)
        if run.status in ACTIVE:
            # The run stopped short of an end; the next turn cancels it.
            raise incomplete_stream(f"thread.run.{run.status}")
        if run.status != "completed":
            reason = run.last_error.message if run.last_error else run.status
            raise ProviderError(
                f"The assistant's run ended {run.status}: {reason}",
                cause={
                    "cause": "run_" + run.status,
                    "code": run.last_error.code if run.last_error else None,
                },
            )
        return TurnOutput(reply=reply, thread_id=thread_id)

    # --- the assistant ---------------------------------------------------------------------------

    async def _ensure_assistant(self) -> str:
        """Created once, found again by its metadata, updated when our tools or prompt change;
        OPENAI_ASSISTANT_ID pins one instead."""
        if self._pinned_assistant_id:
            return self._pinned_assistant_id
        async with self._assistant_lock:
            if self._assistant_id is not None:
                return self._assistant_id
            tools: list[Any] = [tool.chat_definition() for tool in TOOLS.values()]
            fingerprint = hashlib.sha256(
                json.dumps([self._model, SYSTEM_PROMPT, tools], sort_keys=True).encode()
            ).hexdigest()[:16]
            metadata = {"app": "scenecraft", "fingerprint": fingerprint}
            existing = None
            async for assistant in self._client.beta.assistants.list(limit=100):
                if (assistant.metadata or {}).get("app") == "scenecraft":
                    existing = assistant
                    break
            if existing is None:
                created = await self._client.beta.assistants.create(
                    model=self._model,
                    name=ASSISTANT_NAME,
                    instructions=SYSTEM_PROMPT,
                    tools=tools,
                    metadata=metadata,
                )
                self._assistant_id = created.id
            else:
                if (existing.metadata or {}).get("fingerprint") != fingerprint:
                    await self._client.beta.assistants.update(
                        existing.id,
                        model=self._model,
                        instructions=SYSTEM_PROMPT,
                        tools=tools,
                        metadata=metadata,
                    )
                self._assistant_id = existing.id
            return self._assistant_id

    # --- the thread ------------------------------------------------------------------------------

    async def _begin(self, turn: TurnInput, assistant_id: str) -> tuple[str, tuple[Run, str]]:
        """Start a run that adds the user's message to the conversation's thread, in one request.
        A thread that vanished is replaced (seeded with the recent history); a run left active
        on it is cancelled first."""
        if turn.thread_id is None:
            thread_id = await self._new_thread(turn)
            return thread_id, await self._start(thread_id, assistant_id, turn, None)
        message: list[Any] = [{"role": "user", "content": user_content(turn)}]
        try:
            return turn.thread_id, await self._start(turn.thread_id, assistant_id, turn, message)
        except openai.NotFoundError:
            thread_id = await self._new_thread(turn)
            return thread_id, await self._start(thread_id, assistant_id, turn, None)
        except openai.BadRequestError as error:
            if "active" not in error.message:
                raise
            await self._cancel_active_runs(turn.thread_id)
            return turn.thread_id, await self._start(turn.thread_id, assistant_id, turn, message)

    async def _new_thread(self, turn: TurnInput) -> str:
        messages: list[Any] = [
            {"role": role, "content": text} for role, text in await turn.load_history() if text
        ]
        messages.append({"role": "user", "content": user_content(turn)})
        thread = await self._client.beta.threads.create(messages=messages)
        return thread.id

    async def _cancel_active_runs(self, thread_id: str) -> None:
        runs = self._client.beta.threads.runs
        async for run in runs.list(thread_id, limit=10):
            if run.status not in ACTIVE:
                continue
            if run.status != "cancelling":
                await runs.cancel(run.id, thread_id=thread_id)
            for _ in range(50):
                if (await runs.retrieve(run.id, thread_id=thread_id)).status not in ACTIVE:
                    break
                await asyncio.sleep(0.1)

    # --- runs ------------------------------------------------------------------------------------

    async def _start(
        self, thread_id: str, assistant_id: str, turn: TurnInput, messages: list[Any] | None
    ) -> tuple[Run, str]:
        runs = self._client.beta.threads.runs
        # The configured model wins over the assistant's own (a pinned or shared assistant).
        options: dict[str, Any] = {"model": self._model}
        if messages:
            options["additional_messages"] = messages
        if not self._stream:
            run = await runs.create_and_poll(
                thread_id=thread_id,
                assistant_id=assistant_id,
                additional_instructions=turn.instructions,
                **options,
            )
            return run, await self._polled_reply(thread_id, run, turn.sink)
        handler = _ForwardText(turn.sink)
        async with runs.stream(
            thread_id=thread_id,
            assistant_id=assistant_id,
            additional_instructions=turn.instructions,
            event_handler=handler,
            **options,
        ) as stream:
            await stream.until_done()
        return self._finished(handler)

    async def _submit(
        self, thread_id: str, run: Run, outputs: list[Any], sink: TurnSink
    ) -> tuple[Run, str]:
        runs = self._client.beta.threads.runs
        if not self._stream:
            run = await runs.submit_tool_outputs_and_poll(
                thread_id=thread_id, run_id=run.id, tool_outputs=outputs
            )
            return run, await self._polled_reply(thread_id, run, sink)
        handler = _ForwardText(sink)
        async with runs.submit_tool_outputs_stream(
            thread_id=thread_id, run_id=run.id, tool_outputs=outputs, event_handler=handler
        ) as stream:
            await stream.until_done()
        return self._finished(handler)

    @staticmethod
    def _finished(handler: _ForwardText) -> tuple[Run, str]:
        """The run as its last event left it, and its text. A stream that ends without a
        terminal run event (`requires_action` included) is cut: its tool calls may be partial."""
        run = handler.current_run
        if run is None or run.status in UNFINISHED:
            raise incomplete_stream(None if run is None else f"thread.run.{run.status}")
        if run.status != "completed":
            return run, ""
        texts = [
            block.text.value
            for message in handler.completed
            for block in message.content
            if block.type == "text"
        ]
        return run, "".join(texts)

    async def _polled_reply(self, thread_id: str, run: Run, sink: TurnSink) -> str:
        if run.status != "completed":
            return ""
        messages = await self._client.beta.threads.messages.list(
            thread_id, run_id=run.id, order="asc"
        )
        reply = "".join(
            block.text.value
            for message in messages.data
            if message.role == "assistant"
            for block in message.content
            if block.type == "text"
        )
        await sink.delta(reply)
        return reply


async def delete_thread(client: AsyncOpenAI, thread_id: str) -> None:
    """Delete a conversation's thread at the provider; one that is already gone counts as
    deleted. Any other failure is a ProviderError (the caller retries later)."""
    async with provider_call():
        try:
            await client.beta.threads.delete(thread_id)
        except openai.NotFoundError:
            return
