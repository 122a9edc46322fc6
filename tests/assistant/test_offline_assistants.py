"""Assistants v2 through the unmodified SDK in strict mode: streams, polling, tool rounds,
cancellation, pagination and the active-run rule."""

import asyncio

import openai
import pytest
from openai import AsyncAssistantEventHandler, AsyncOpenAI
from openai.types.beta.threads import Run

from tests.assistant.conftest import (
    INSTRUCTIONS,
    chat_tools,
    project_output,
    scene_output,
    socket_client,
)


async def new_conversation(client: AsyncOpenAI, text: str) -> tuple[str, str]:
    assistant = await client.beta.assistants.create(
        model="offline-1", instructions=INSTRUCTIONS, tools=chat_tools()
    )
    thread = await client.beta.threads.create()
    await client.beta.threads.messages.create(thread.id, role="user", content=text)
    return assistant.id, thread.id


class RecordingHandler(AsyncAssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.text = ""

    async def on_event(self, event: object) -> None:
        self.events.append(event.event)  # type: ignore[attr-defined]

    async def on_text_delta(self, delta: object, snapshot: object) -> None:
        self.text += delta.value or ""  # type: ignore[attr-defined]


def tool_calls_of(run: Run) -> list[tuple[str, str]]:
    assert run.status == "requires_action"
    assert run.required_action is not None
    return [
        (call.id, call.function.name) for call in run.required_action.submit_tool_outputs.tool_calls
    ]


async def test_streamed_run_through_requires_action_to_completed(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await new_conversation(client, "add a scene called Sunset")
    handler = RecordingHandler()
    async with client.beta.threads.runs.stream(
        thread_id=thread_id, assistant_id=assistant_id, event_handler=handler
    ) as stream:
        await stream.until_done()
    run = await handler.get_final_run()
    assert handler.events == [
        "thread.run.created",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.run.step.delta",
        "thread.run.requires_action",
    ]
    ((call_id, name),) = tool_calls_of(run)
    assert name == "create_scene"
    arguments = run.required_action.submit_tool_outputs.tool_calls[0].function.arguments  # type: ignore[union-attr]
    assert '"title": "Sunset"' in arguments

    after = RecordingHandler()
    async with client.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread_id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": call_id, "output": scene_output("Sunset", 2)}],
        event_handler=after,
    ) as stream:
        await stream.until_done()
    final = await after.get_final_run()
    messages = await after.get_final_messages()
    assert final.status == "completed"
    assert after.events[0] == "thread.run.step.completed"
    assert after.events[-3:] == [
        "thread.message.completed",
        "thread.run.step.completed",
        "thread.run.completed",
    ]
    assert after.events.count("thread.message.delta") > 1
    assert after.text == messages[0].content[0].text.value == "Added scene 3 “Sunset”."  # type: ignore[union-attr]
    steps = await client.beta.threads.runs.steps.list(
        run_id=run.id, thread_id=thread_id, order="asc"
    )
    assert [step.type for step in steps.data] == ["tool_calls", "message_creation"]
    assert steps.data[0].step_details.tool_calls[0].function.output == scene_output("Sunset", 2)  # type: ignore[union-attr]


async def test_polled_run_with_two_tool_rounds(
    client: AsyncOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant_id, thread_id = await new_conversation(client, "rename scene 2 to Shore")
    waits: list[float] = []

    async def recorded_sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    monkeypatch.setattr(client.beta.threads.runs, "_sleep", recorded_sleep)
    run = await client.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id
    )
    ((lookup_id, lookup),) = tool_calls_of(run)
    assert lookup == "get_project_details"
    run = await client.beta.threads.runs.submit_tool_outputs_and_poll(
        thread_id=thread_id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": lookup_id, "output": project_output("Intro", "Beach")}],
    )
    ((rename_id, rename),) = tool_calls_of(run)
    assert rename == "update_scene_title"
    assert run.required_action is not None
    assert (
        '"scene_id": "s2"'
        in run.required_action.submit_tool_outputs.tool_calls[0].function.arguments
    )
    run = await client.beta.threads.runs.submit_tool_outputs_and_poll(
        thread_id=thread_id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": rename_id, "output": scene_output("Shore", 1)}],
    )
    assert run.status == "completed"
    # The SDK waited between polls as long as openai-poll-after-ms said, not its 1 s default.
    assert waits
    assert set(waits) == {0.005}
    messages = await client.beta.threads.messages.list(thread_id, order="desc", limit=1)
    assert messages.data[0].content[0].text.value == "Renamed scene 2 to “Shore”."  # type: ignore[union-attr]


async def test_parallel_tool_calls_come_in_one_step(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await new_conversation(client, "add scenes A, B and C")
    run = await client.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id
    )
    calls = tool_calls_of(run)
    assert [name for _, name in calls] == ["create_scene"] * 3
    assert len({call_id for call_id, _ in calls}) == 3
    with pytest.raises(openai.BadRequestError, match="Expected tool outputs"):
        await client.beta.threads.runs.submit_tool_outputs(
            thread_id=thread_id,
            run_id=run.id,
            tool_outputs=[{"tool_call_id": calls[0][0], "output": "{}"}],
        )
    run = await client.beta.threads.runs.submit_tool_outputs_and_poll(
        thread_id=thread_id,
        run_id=run.id,
        tool_outputs=[
            {"tool_call_id": call_id, "output": scene_output(t, i)}
            for (call_id, _), t, i in zip(calls, "ABC", range(3), strict=True)
        ],
    )
    assert run.status == "completed"


async def test_adding_a_message_during_an_active_run_is_refused(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await new_conversation(client, "add a scene called X")
    run = await client.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id
    )
    assert run.status == "requires_action"
    with pytest.raises(openai.BadRequestError, match="while a run"):
        await client.beta.threads.messages.create(thread_id, role="user", content="hello?")
    with pytest.raises(openai.BadRequestError, match="already has an active run"):
        await client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)
    cancelled = await client.beta.threads.runs.cancel(run.id, thread_id=thread_id)
    assert cancelled.status == "cancelled"
    await client.beta.threads.messages.create(thread_id, role="user", content="hello again")


async def test_submitting_to_a_run_that_is_not_waiting_is_400_not_409(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await new_conversation(client, "hello")
    run = await client.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id
    )
    assert run.status == "completed"
    with pytest.raises(openai.BadRequestError):
        await client.beta.threads.runs.submit_tool_outputs(
            thread_id=thread_id, run_id=run.id, tool_outputs=[]
        )


async def test_cancel_mid_stream_over_a_socket(socket_url: str) -> None:
    client = socket_client(socket_url)
    assistant_id, thread_id = await new_conversation(client, "hello")
    handler = RecordingHandler()
    seen_delta = asyncio.Event()

    class CancelOnFirstDelta(RecordingHandler):
        async def on_text_delta(self, delta: object, snapshot: object) -> None:
            seen_delta.set()

    handler = CancelOnFirstDelta()
    async with client.beta.threads.runs.stream(
        thread_id=thread_id,
        assistant_id=assistant_id,
        event_handler=handler,
        extra_headers={"X-Offline-Delta-Delay-Ms": "100"},
    ) as stream:
        consumer = asyncio.create_task(stream.until_done())
        await asyncio.wait_for(seen_delta.wait(), 5)
        run_id = (await client.beta.threads.runs.list(thread_id)).data[0].id
        cancelling = await client.beta.threads.runs.cancel(run_id, thread_id=thread_id)
        assert cancelling.status == "cancelling"
        await asyncio.wait_for(consumer, 5)
    assert handler.events[-1] == "thread.run.cancelled"
    assert (
        await client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)
    ).status == "cancelled"
    assistant_messages = [
        m
        for m in (await client.beta.threads.messages.list(thread_id)).data
        if m.role == "assistant"
    ]
    assert assistant_messages == []
    await client.close()


async def test_message_pagination_and_auto_pagination_end(client: AsyncOpenAI) -> None:
    thread = await client.beta.threads.create(
        messages=[{"role": "user", "content": f"message {i}"} for i in range(7)]
    )
    first = await client.beta.threads.messages.list(thread.id, order="asc", limit=3)
    assert [m.content[0].text.value for m in first.data] == ["message 0", "message 1", "message 2"]  # type: ignore[union-attr]
    assert first.has_more is True
    second = await client.beta.threads.messages.list(
        thread.id, order="asc", limit=3, after=first.data[-1].id
    )
    assert [m.content[0].text.value for m in second.data] == ["message 3", "message 4", "message 5"]  # type: ignore[union-attr]
    before = await client.beta.threads.messages.list(
        thread.id, order="asc", limit=2, before=second.data[0].id
    )
    assert [m.content[0].text.value for m in before.data] == ["message 1", "message 2"]  # type: ignore[union-attr]
    newest_first = [
        m.content[0].text.value  # type: ignore[union-attr]
        async for m in client.beta.threads.messages.list(thread.id, limit=2)
    ]
    assert newest_first == [f"message {i}" for i in reversed(range(7))]


async def test_messages_can_be_filtered_by_run(client: AsyncOpenAI) -> None:
    assistant_id, thread_id = await new_conversation(client, "hello")
    run = await client.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id
    )
    of_run = await client.beta.threads.messages.list(thread_id, run_id=run.id)
    assert [m.role for m in of_run.data] == ["assistant"]


async def test_assistant_and_thread_lifecycle(client: AsyncOpenAI) -> None:
    assistant = await client.beta.assistants.create(
        model="offline-1", name="scenecraft", metadata={"app": "scenecraft"}
    )
    updated = await client.beta.assistants.update(assistant.id, instructions="new")
    assert updated.instructions == "new"
    assert assistant.id in [a.id async for a in client.beta.assistants.list()]
    assert (await client.beta.assistants.delete(assistant.id)).deleted
    with pytest.raises(openai.NotFoundError, match="No assistant found"):
        await client.beta.assistants.retrieve(assistant.id)
    thread = await client.beta.threads.create(metadata={"k": "v"})
    assert (await client.beta.threads.retrieve(thread.id)).metadata == {"k": "v"}
    assert (await client.beta.threads.delete(thread.id)).deleted
    with pytest.raises(openai.NotFoundError):
        await client.beta.threads.messages.create(thread.id, role="user", content="gone")


async def test_unknown_routes_answer_in_openai_error_shape(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        await client.get("/no/such/route", cast_to=object)
    assert "Unknown request URL" in caught.value.message
    assert caught.value.code == "unknown_url"


async def test_models_are_listed(client: AsyncOpenAI) -> None:
    assert [model.id async for model in client.models.list()] == ["offline-1"]
    assert (await client.models.retrieve("offline-1")).owned_by == "scenecraft-offline"


async def test_bounded_state_evicts_the_oldest() -> None:
    from backend.assistant.offline.client import create_offline_client
    from backend.assistant.offline.knobs import OfflineSettings

    client = create_offline_client(
        settings=OfflineSettings(max_objects=3), strict=True, max_retries=0
    )
    threads = [await client.beta.threads.create() for _ in range(4)]
    with pytest.raises(openai.NotFoundError):
        await client.beta.threads.retrieve(threads[0].id)
    assert (await client.beta.threads.retrieve(threads[3].id)).id == threads[3].id
    await client.close()
