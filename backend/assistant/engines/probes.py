"""Live probes of the configured model provider (POST /api/assistant/check), through the same
SDK surface the chat engine uses: list the models, a plain answer, one tool round, a streamed
answer, and an image. Each reports what it saw in words a person can act on, and its time.

The probes use the app's client without retries and under a short timeout: a check should say
quickly that a server is unreachable, not retry it for a minute.
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import openai
from openai import AsyncOpenAI

from backend.assistant.tools import TOOLS

PROBE_TIMEOUT_SECONDS = 20.0
PROBE_PROJECT_ID = "00000000-0000-4000-8000-000000000000"
PROBE_INSTRUCTIONS = f'Current project id: {PROBE_PROJECT_ID}\nCurrent project title: "Probe"'
PLAIN_PROMPT = "Reply with one short sentence: are you ready?"
TOOL_PROMPT = "Show the project."
IMAGE_PROMPT = "What is the main colour of this picture? Answer with one word."
IMAGE_COLOUR = "red"
# A 64 × 64 picture of one red.
IMAGE_URL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAIAAAAlC+aJAAAAUElEQVR42u3PQREAAAQAMG"
    "TQP5kwUni42xospzs+q3hOQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBA4N4CQ5MBhMgt"
    "2OkAAAAASUVORK5CYII="
)
PROBE_TOOL = "get_project_details"
PROBE_OUTPUT = json.dumps(
    {
        "ok": True,
        "project": {
            "id": PROBE_PROJECT_ID,
            "title": "Probe",
            "description": "",
            "scene_count": 0,
            "scenes": [],
        },
    }
)
ENGINES = ("assistants", "responses", "chat_completions")


@dataclass(frozen=True)
class ProbeResult:
    name: str
    ok: bool
    detail: str
    ms: int
    unreachable: bool = False
    """No server answered (a connection error or a timeout)."""


class ProbeFailedError(Exception):
    """The provider answered, but not as a capable model would: `detail` says how."""


def _server_message(error: openai.OpenAIError) -> str:
    """What the server itself said, without the SDK's 'Error code: 400 - ' wrapping."""
    body = getattr(error, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])  # Ollama's shape
    return str(getattr(error, "message", None) or error)


def _quoted(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit]}{'…' if len(text) > limit else ''}”"


class ProviderProbes:
    def __init__(self, client: AsyncOpenAI, engine: str, model: str, where: str) -> None:
        self._client = client.with_options(max_retries=0, timeout=PROBE_TIMEOUT_SECONDS)
        self._engine = engine
        self._model = model
        self._where = where
        """The server, as people configured it (for the messages)."""
        self._assistant_id: str | None = None
        self._thread_ids: list[str] = []

    async def run_all(self) -> list[ProbeResult]:
        probes: list[tuple[str, Callable[[], Awaitable[str]]]] = [
            ("models", self._models),
            ("answer", self._answer),
            ("tools", self._tool_round),
            ("streaming", self._streaming),
            ("image", self._image),
        ]
        results: list[ProbeResult] = []
        try:
            for name, probe in probes:
                unreachable = next((r for r in results if r.unreachable), None)
                if unreachable is not None:
                    # One probe found no server: the others would each wait to find the same.
                    detail = (
                        f"{unreachable.detail} (not tried: the {unreachable.name} probe failed)"
                    )
                    results.append(ProbeResult(name, False, detail, 0, unreachable=True))
                    continue
                results.append(await self._timed(name, probe))
            return results
        finally:
            if not any(result.unreachable for result in results):
                await self._discard_objects()

    async def _timed(self, name: str, probe: Callable[[], Awaitable[str]]) -> ProbeResult:
        started = time.perf_counter()
        ok, detail, unreachable = True, "", False
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                detail = await probe()
        except ProbeFailedError as failure:
            ok, detail = False, str(failure)
        except TimeoutError:
            ok, unreachable = False, True
            detail = f"no answer within {PROBE_TIMEOUT_SECONDS:g} seconds from {self._where}."
        except openai.OpenAIError as error:
            ok, detail = False, self._explain(name, error)
            unreachable = isinstance(error, openai.APIConnectionError)  # timeouts included
        elapsed = round((time.perf_counter() - started) * 1000)
        return ProbeResult(name, ok, detail, elapsed, unreachable=unreachable)

    def _explain(self, name: str, error: openai.OpenAIError) -> str:
        """What an SDK error means for this probe, and what to change."""
        said = _quoted(_server_message(error), 160)
        others = "another API with CHAT_ENGINE=" + " or ".join(
            engine for engine in ENGINES if engine != self._engine
        )
        if isinstance(error, openai.APITimeoutError):
            return f"{self._where} did not answer in time: is the server running?"
        if isinstance(error, openai.APIConnectionError):
            return (
                f"could not reach {self._where}: check OPENAI_BASE_URL and that the server is "
                "running."
            )
        if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
            return f"{self._where} refused the credentials ({said}): check OPENAI_API_KEY."
        if isinstance(error, openai.RateLimitError):
            return f"{self._where} is rate-limiting or out of quota ({said}): try again later."
        if isinstance(error, openai.NotFoundError):
            if "model" in said.lower():
                return (
                    f"the model {self._model} was not found ({said}): set OPENAI_MODEL to one "
                    "the server lists."
                )
            return f"{self._where} does not offer this API ({said}): the server may speak {others}."
        if isinstance(error, openai.BadRequestError) and name == "tools":
            return (
                f"this model does not support tools ({said}): choose a tool-capable model with "
                f"OPENAI_MODEL, or {others}."
            )
        if isinstance(error, openai.BadRequestError) and name == "image":
            return (
                f"this model does not accept images ({said}): choose a vision-capable model "
                "with OPENAI_MODEL if the assistant should read pictures."
            )
        if isinstance(error, openai.APIStatusError):
            return f"{self._where} answered {error.status_code} {said}."
        return f"the reply from {self._where} could not be read ({type(error).__name__})."

    # --- the probes ------------------------------------------------------------------------------

    async def _models(self) -> str:
        names = [model.id async for model in self._client.models.list()]
        if self._model in names:
            return f"{self._where} offers {self._model} (among {len(names)} models)."
        listed = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
        raise ProbeFailedError(
            f"{self._where} does not list {self._model} (it lists: {listed or 'none'}): set "
            "OPENAI_MODEL to one of them."
        )

    async def _answer(self) -> str:
        text = await self._ask(PLAIN_PROMPT)
        if not text.strip():
            raise ProbeFailedError("the model answered with no text: try another model.")
        return f"the model answered {_quoted(text)}."

    async def _tool_round(self) -> str:
        called, text = await self._call_tool()
        if not called:
            raise ProbeFailedError(
                f"asked to use a tool, the model answered {_quoted(text)} without calling it: "
                "it may not support tools; choose a tool-capable model with OPENAI_MODEL."
            )
        if not text.strip():
            raise ProbeFailedError(
                "the model called the tool but said nothing after reading its output."
            )
        return f"the model called {PROBE_TOOL}, read its output and answered."

    async def _streaming(self) -> str:
        started = time.perf_counter()
        first_delta, text = await self._stream(lambda: time.perf_counter())
        if first_delta is None or not text.strip():
            raise ProbeFailedError(
                "the stream ended without any text: the server may not support streaming."
            )
        return (
            f"text arrived as it was written, the first after "
            f"{round((first_delta - started) * 1000)} ms."
        )

    async def _image(self) -> str:
        text = await self._ask(IMAGE_PROMPT, image=True)
        if IMAGE_COLOUR in text.lower():
            return "the model read a picture (it named its colour)."
        raise ProbeFailedError(
            f"shown a red picture, the model answered {_quoted(text)}: it cannot see images; "
            "choose a vision-capable model with OPENAI_MODEL if the assistant should read pictures."
        )

    # --- each surface's requests -----------------------------------------------------------------

    def _chat_user(self, prompt: str, image: bool) -> dict[str, Any]:
        if not image:
            return {"role": "user", "content": prompt}
        return {
            "role": "user",
            "content": [
                {"type": "text", "text": prompt},
                {"type": "image_url", "image_url": {"url": IMAGE_URL}},
            ],
        }

    async def _ask(self, prompt: str, *, image: bool = False) -> str:
        if self._engine == "chat_completions":
            user: list[Any] = [self._chat_user(prompt, image)]
            completion = await self._client.chat.completions.create(
                model=self._model, messages=user
            )
            return completion.choices[0].message.content or "" if completion.choices else ""
        if self._engine == "responses":
            content: list[Any] = [{"type": "input_text", "text": prompt}]
            if image:
                content.append({"type": "input_image", "image_url": IMAGE_URL, "detail": "low"})
            response = await self._client.responses.create(
                model=self._model, input=[{"role": "user", "content": content}]
            )
            return response.output_text
        thread_id = await self._thread(self._chat_user(prompt, image))
        run = await self._client.beta.threads.runs.create_and_poll(
            thread_id=thread_id, assistant_id=await self._assistant(), model=self._model
        )
        return await self._run_text(thread_id, run)

    async def _call_tool(self) -> tuple[bool, str]:
        """One round: (whether the model called the probe tool, its answer after the output)."""
        tool = TOOLS[PROBE_TOOL]
        if self._engine == "chat_completions":
            messages: list[Any] = [
                {"role": "system", "content": PROBE_INSTRUCTIONS},
                {"role": "user", "content": TOOL_PROMPT},
            ]
            tools: list[Any] = [tool.chat_definition()]
            completion = await self._client.chat.completions.create(
                model=self._model, messages=messages, tools=tools
            )
            message = completion.choices[0].message
            calls = [call for call in message.tool_calls or [] if call.type == "function"]
            if not calls:
                return False, message.content or ""
            messages.append(
                {
                    "role": "assistant",
                    "content": message.content,
                    "tool_calls": [call.model_dump(exclude_none=True) for call in calls],
                }
            )
            messages += [
                {"role": "tool", "tool_call_id": call.id, "content": PROBE_OUTPUT} for call in calls
            ]
            answer = await self._client.chat.completions.create(
                model=self._model, messages=messages, tools=tools
            )
            return True, answer.choices[0].message.content or ""
        if self._engine == "responses":
            response_tools: list[Any] = [tool.responses_definition()]
            response = await self._client.responses.create(
                model=self._model,
                instructions=PROBE_INSTRUCTIONS,
                input=TOOL_PROMPT,
                tools=response_tools,
            )
            function_calls = [item for item in response.output if item.type == "function_call"]
            if not function_calls:
                return False, response.output_text
            outputs: list[Any] = [
                {"type": "function_call_output", "call_id": call.call_id, "output": PROBE_OUTPUT}
                for call in function_calls
            ]
            answer_response = await self._client.responses.create(
                model=self._model,
                instructions=PROBE_INSTRUCTIONS,
                previous_response_id=response.id,
                input=outputs,
                tools=response_tools,
            )
            return True, answer_response.output_text
        runs = self._client.beta.threads.runs
        thread_id = await self._thread({"role": "user", "content": TOOL_PROMPT})
        run = await runs.create_and_poll(
            thread_id=thread_id,
            assistant_id=await self._assistant(),
            model=self._model,
            additional_instructions=PROBE_INSTRUCTIONS,
            tools=[tool.chat_definition()],  # type: ignore[list-item]
        )
        if run.status != "requires_action" or run.required_action is None:
            return False, await self._run_text(thread_id, run)
        run = await runs.submit_tool_outputs_and_poll(
            thread_id=thread_id,
            run_id=run.id,
            tool_outputs=[
                {"tool_call_id": call.id, "output": PROBE_OUTPUT}
                for call in run.required_action.submit_tool_outputs.tool_calls
            ],
        )
        return True, await self._run_text(thread_id, run)

    async def _stream(self, clock: Callable[[], float]) -> tuple[float | None, str]:
        """(when the first text arrived, the whole text), from a stream that ended whole."""
        first: float | None = None
        if self._engine == "chat_completions":
            async with self._client.chat.completions.stream(
                model=self._model, messages=[{"role": "user", "content": PLAIN_PROMPT}]
            ) as stream:
                async for event in stream:
                    if event.type == "content.delta" and event.delta and first is None:
                        first = clock()
                completion = await stream.get_final_completion()
            choice = completion.choices[0] if completion.choices else None
            if choice is None or choice.finish_reason is None:
                raise ProbeFailedError("the stream ended before the answer was complete.")
            return first, choice.message.content or ""
        if self._engine == "responses":
            async with self._client.responses.stream(
                model=self._model, input=PLAIN_PROMPT
            ) as response_stream:
                async for response_event in response_stream:
                    if response_event.type == "response.output_text.delta" and first is None:
                        first = clock()
                try:
                    final = await response_stream.get_final_response()
                except RuntimeError as error:
                    raise ProbeFailedError(
                        "the stream ended before the answer was complete."
                    ) from error
            return first, final.output_text
        thread_id = await self._thread({"role": "user", "content": PLAIN_PROMPT})
        async with self._client.beta.threads.runs.stream(
            thread_id=thread_id, assistant_id=await self._assistant(), model=self._model
        ) as run_stream:
            async for run_event in run_stream:
                if run_event.event == "thread.message.delta" and first is None:
                    first = clock()
            run = run_stream.current_run
        if run is None or run.status != "completed":
            raise ProbeFailedError("the stream ended before the run completed.")
        return first, await self._run_text(thread_id, run)

    # --- Assistants' objects ---------------------------------------------------------------------

    async def _assistant(self) -> str:
        """A throwaway assistant with no tools of its own, deleted after the check."""
        if self._assistant_id is None:
            assistant = await self._client.beta.assistants.create(
                model=self._model, name="Scenecraft check", instructions="Answer briefly."
            )
            self._assistant_id = assistant.id
        return self._assistant_id

    async def _thread(self, message: dict[str, Any]) -> str:
        thread = await self._client.beta.threads.create(messages=[message])  # type: ignore[list-item]
        self._thread_ids.append(thread.id)
        return thread.id

    async def _run_text(self, thread_id: str, run: Any) -> str:
        if run.status != "completed":
            raise ProbeFailedError(f"the run ended {run.status} instead of completed.")
        messages = await self._client.beta.threads.messages.list(
            thread_id, run_id=run.id, order="asc"
        )
        return "".join(
            block.text.value
            for message in messages.data
            if message.role == "assistant"
            for block in message.content
            if block.type == "text"
        )

    async def _discard_objects(self) -> None:
        """Delete the check's threads and assistant; one left over harms nothing."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                for thread_id in self._thread_ids:
                    await self._client.beta.threads.delete(thread_id)
                if self._assistant_id is not None:
                    await self._client.beta.assistants.delete(self._assistant_id)
        except (openai.OpenAIError, TimeoutError):
            return
