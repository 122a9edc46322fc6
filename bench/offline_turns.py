"""The offline model server's own time per tool-using turn, over a real socket, zero latency.

    .venv/bin/python bench/offline_turns.py [--turns 200]

Starts the server in a child process, wrapped in an ASGI timer that records each request's
time from arrival to the last byte sent (streams included). The parent drives whole turns with
the unmodified SDK — Assistants (create run, streamed → requires_action → submit outputs,
streamed → completed; the thread is created first and not counted), Responses (function call → output → answer) and Chat Completions (the
same) — and prints the p50 and p95 of the server's summed time per turn, and the client-seen
turn time for comparison.
"""

import argparse
import asyncio
import json
import statistics
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import uvicorn
from common import free_port, running, server_process
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionFunctionToolParam
from openai.types.responses import FunctionToolParam
from starlette.types import ASGIApp, Receive, Scope, Send

# Importable once `common` has put the repository root on the path.
from backend.assistant.offline.app import create_offline_app

INSTRUCTIONS = "Current project id: 6f1c2a3b-0000-4000-8000-000000000001"
TOOLS: list[ChatCompletionFunctionToolParam] = [
    {
        "type": "function",
        "function": {"name": "create_scene", "parameters": {"type": "object", "properties": {}}},
    }
]
FLAT_TOOLS: list[FunctionToolParam] = [
    {
        "type": "function",
        "name": "create_scene",
        "parameters": {"type": "object", "properties": {}},
        "strict": False,
    }
]
OUTPUT = json.dumps({"ok": True, "scene": {"id": "s", "title": "Sunset", "order": 2}})
USER = "add a scene called Sunset"


class Timer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.timings: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/bench/timings":
            body = json.dumps(self.timings).encode()
            self.timings = []
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        started = time.perf_counter()
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.timings.append((time.perf_counter() - started) * 1000)


def serve(port: int) -> None:
    uvicorn.run(Timer(create_offline_app()), host="127.0.0.1", port=port, log_level="warning")


async def assistants_turn(client: AsyncOpenAI, assistant_id: str) -> None:
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": USER}])
    async with client.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant_id
    ) as stream:
        await stream.until_done()
        run = await stream.get_final_run()
    calls = run.required_action.submit_tool_outputs.tool_calls  # type: ignore[union-attr]
    async with client.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread.id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": c.id, "output": OUTPUT} for c in calls],
    ) as stream:
        await stream.until_done()
        assert (await stream.get_final_run()).status == "completed"


async def responses_turn(client: AsyncOpenAI) -> None:
    first = await client.responses.create(
        model="offline-1", instructions=INSTRUCTIONS, input=USER, tools=FLAT_TOOLS
    )
    call = first.output[0]
    assert call.type == "function_call"
    second = await client.responses.create(
        model="offline-1",
        instructions=INSTRUCTIONS,
        previous_response_id=first.id,
        tools=FLAT_TOOLS,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": OUTPUT}],
    )
    assert second.output_text


async def chat_turn(client: AsyncOpenAI) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": USER},
    ]
    first = await client.chat.completions.create(model="offline-1", messages=messages, tools=TOOLS)  # type: ignore[arg-type]
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    messages += [
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": OUTPUT},
    ]
    second = await client.chat.completions.create(model="offline-1", messages=messages, tools=TOOLS)  # type: ignore[arg-type]
    assert second.choices[0].message.content


async def measure(port: int, turns: int) -> None:
    warnings.simplefilter("ignore", DeprecationWarning)
    client = AsyncOpenAI(api_key="offline", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    assistant = await client.beta.assistants.create(
        model="offline-1", instructions=INSTRUCTIONS, tools=TOOLS
    )
    surfaces: dict[str, tuple[Callable[[], Awaitable[None]], int, int]] = {
        # (turn, requests per turn, how many of them at the start are set-up, not the turn)
        "assistants (streamed)": (lambda: assistants_turn(client, assistant.id), 3, 1),
        "responses": (lambda: responses_turn(client), 2, 0),
        "chat completions": (lambda: chat_turn(client), 2, 0),
    }
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as plain:
        print(
            f"{'surface':24s} {'server p50':>11s} {'server p95':>11s} {'client p50':>11s}   (ms per turn, {turns} turns)"
        )
        for name, (turn, requests_per_turn, set_up) in surfaces.items():
            for _ in range(10):
                await turn()
            await plain.get("/bench/timings")
            client_times = []
            for _ in range(turns):
                started = time.perf_counter()
                await turn()
                client_times.append((time.perf_counter() - started) * 1000)
            timings = (await plain.get("/bench/timings")).json()
            per_turn = [
                sum(timings[i + set_up : i + requests_per_turn])
                for i in range(0, len(timings), requests_per_turn)
            ]
            p95 = statistics.quantiles(per_turn, n=20)[-1]
            print(
                f"{name:24s} {statistics.median(per_turn):11.2f} {p95:11.2f} {statistics.median(client_times):11.2f}"
            )
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve)
        return
    port = free_port()
    server = server_process([__file__, "--serve", str(port)], port, ready_path="/v1/models")
    with running(server):
        asyncio.run(measure(port, arguments.turns))


if __name__ == "__main__":
    main()
