"""Every fault knob produces the SDK exception or run status a real provider would."""

import asyncio
import time

import openai
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from starlette.types import Message, Receive, Scope, Send

from backend.assistant.offline.app import create_offline_app
from backend.assistant.offline.client import create_offline_client
from backend.assistant.offline.knobs import OfflineSettings
from tests.assistant.conftest import (
    INSTRUCTIONS,
    AttemptCounter,
    chat_tools,
    counting_client,
    socket_client,
)
from tests.servers import serve

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hello"}]


async def thread_with(client: AsyncOpenAI, text: str, model: str = "offline-1") -> tuple[str, str]:
    assistant = await client.beta.assistants.create(
        model=model, instructions=INSTRUCTIONS, tools=chat_tools()
    )
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": text}])
    return assistant.id, thread.id


async def test_rate_limit_is_retried_then_raised(offline_app: FastAPI) -> None:
    counter = AttemptCounter()
    client = counting_client(offline_app, counter, max_retries=2)
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(
            model="offline-1", messages=HELLO, extra_headers={"X-Offline-Fault": "rate_limit"}
        )
    assert counter.count == 3
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after-ms"] == "20"


async def test_rate_limit_on_the_first_attempt_only_succeeds_on_the_retry(
    offline_app: FastAPI,
) -> None:
    counter = AttemptCounter()
    client = counting_client(offline_app, counter, max_retries=2)
    completion = await client.chat.completions.create(
        model="offline-1",
        messages=HELLO,
        extra_headers={"X-Offline-Fault": "rate_limit", "X-Offline-Fault-Attempts": "1"},
    )
    assert counter.count == 2
    assert completion.choices[0].finish_reason == "stop"


async def test_insufficient_quota_is_not_retried(offline_app: FastAPI) -> None:
    counter = AttemptCounter()
    client = counting_client(offline_app, counter, max_retries=2)
    with pytest.raises(openai.RateLimitError) as caught:
        await client.responses.create(model="offline-1+fault=quota", input="hello")
    assert counter.count == 1
    assert caught.value.code == "insufficient_quota"


async def test_server_error_is_retried_then_raised(offline_app: FastAPI) -> None:
    counter = AttemptCounter()
    client = counting_client(offline_app, counter, max_retries=1)
    with pytest.raises(openai.InternalServerError):
        await client.responses.create(
            model="offline-1", input="hello", extra_headers={"X-Offline-Fault": "server_error"}
        )
    assert counter.count == 2


async def test_faults_apply_to_run_creation_and_streams(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await thread_with(client, "hello")
    with pytest.raises(openai.RateLimitError):
        await client.beta.threads.runs.create(
            thread_id=thread_id,
            assistant_id=assistant_id,
            extra_headers={"X-Offline-Fault": "rate_limit"},
        )
    with pytest.raises(openai.InternalServerError):
        async with client.beta.threads.runs.stream(
            thread_id=thread_id,
            assistant_id=assistant_id,
            extra_headers={"X-Offline-Fault": "server_error"},
        ) as stream:
            await stream.until_done()
    # Nothing was started: the thread takes a normal run afterwards.
    run = await client.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id
    )
    assert run.status == "completed"


async def test_run_failed_ends_the_run_with_last_error(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await thread_with(client, "hello", model="offline-1+fault=run_failed")
    polled = await client.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id
    )
    assert polled.status == "failed"
    assert polled.last_error is not None
    assert polled.last_error.code == "server_error"
    async with client.beta.threads.runs.stream(
        thread_id=thread_id, assistant_id=assistant_id
    ) as stream:
        await stream.until_done()
        streamed = await stream.get_final_run()
    assert streamed.status == "failed"
    failed = await client.responses.create(
        model="offline-1", input="hello", extra_headers={"X-Offline-Fault": "run_failed"}
    )
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.code == "server_error"


async def test_stream_cut_ends_without_a_final_event(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await thread_with(client, "hello")
    async with client.beta.threads.runs.stream(
        thread_id=thread_id,
        assistant_id=assistant_id,
        extra_headers={"X-Offline-Fault": "stream_cut"},
    ) as stream:
        await stream.until_done()
        last = await stream.get_final_run()
    assert last.status == "in_progress"  # the stream stopped: the client never saw an ending
    with pytest.raises(openai.BadRequestError, match="is active"):
        await client.beta.threads.messages.create(thread_id, role="user", content="again")
    await client.beta.threads.runs.cancel(last.id, thread_id=thread_id)
    await client.beta.threads.messages.create(thread_id, role="user", content="again")

    with pytest.raises(RuntimeError):
        async with client.responses.stream(
            model="offline-1+fault=stream_cut", input="hello"
        ) as response_stream:
            await response_stream.get_final_response()

    chat = await client.chat.completions.create(
        model="offline-1",
        messages=HELLO,
        stream=True,
        extra_headers={"X-Offline-Fault": "stream_cut"},
    )
    finish_reasons = [chunk.choices[0].finish_reason async for chunk in chat if chunk.choices]
    assert "stop" not in finish_reasons


async def test_a_hanging_polled_run_never_completes(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await thread_with(client, "hello", model="offline-1+fault=hang")
    run = await client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    for _ in range(5):
        run = await client.beta.threads.runs.retrieve(run.id, thread_id=thread_id)
    assert run.status == "in_progress"
    cancelled = await client.beta.threads.runs.cancel(run.id, thread_id=thread_id)
    assert cancelled.status == "cancelled"


async def test_a_hanging_request_times_out_on_the_client(socket_url: str) -> None:
    client = socket_client(socket_url, timeout=0.5)
    started = time.perf_counter()
    with pytest.raises(openai.APITimeoutError):
        await client.chat.completions.create(
            model="offline-1", messages=HELLO, extra_headers={"X-Offline-Fault": "hang"}
        )
    assert time.perf_counter() - started < 5
    await client.close()


async def test_latency_delays_the_first_byte_and_the_deltas() -> None:
    answered = asyncio.Event()
    offline = create_offline_app()

    async def noting_the_last_byte(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered.set()

        await offline(scope, receive, sending)

    async with serve(noting_the_last_byte) as url:
        client = socket_client(url)
        started = time.perf_counter()
        stream = await client.chat.completions.create(
            model="offline-1",
            messages=HELLO,
            stream=True,
            extra_headers={"X-Offline-Latency-Ms": "300", "X-Offline-Delta-Delay-Ms": "20"},
        )
        arrivals: list[float] = []
        unfinished_at_first_delta = False
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                if not arrivals:
                    unfinished_at_first_delta = not answered.is_set()
                arrivals.append(time.perf_counter() - started)
        await client.close()
    assert arrivals[0] >= 0.3  # the latency comes before the first byte
    assert arrivals[-1] >= 0.3 + 0.02 * (len(arrivals) - 1)  # and a delay before every delta
    assert unfinished_at_first_delta  # so they arrive one by one, not as one body


async def test_server_settings_apply_to_every_request() -> None:
    client = create_offline_client(
        settings=OfflineSettings(fault="server_error"), strict=True, max_retries=0
    )
    with pytest.raises(openai.InternalServerError):
        await client.chat.completions.create(model="offline-1", messages=HELLO)
    await client.close()


async def test_unknown_fault_names_are_refused(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="unknown fault"):
        await client.chat.completions.create(model="offline-1+fault=meteor", messages=HELLO)


async def test_concurrent_requests_are_served_independently() -> None:
    app = create_offline_app()
    async with serve(app) as url:
        client = socket_client(url)
        results = await asyncio.gather(
            *[
                client.chat.completions.create(
                    model="offline-1",
                    messages=[
                        {"role": "system", "content": INSTRUCTIONS},
                        {"role": "user", "content": f"add a scene called S{i}"},
                    ],
                    tools=chat_tools(),
                )
                for i in range(20)
            ]
        )
        titles = sorted(r.choices[0].message.tool_calls[0].function.arguments for r in results)  # type: ignore[index, union-attr]
        assert len(set(titles)) == 20
        await client.close()
