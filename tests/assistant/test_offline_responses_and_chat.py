"""The Responses API and Chat Completions through the unmodified SDK in strict mode."""

import json
from typing import cast

import openai
import pytest
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from openai.types.chat import ChatCompletionMessageToolCallParam as ToolCallParam
from openai.types.responses import ResponseInputParam

from backend.assistant.offline.model import MAX_TOOL_CALLS_PER_ROUND
from tests.assistant.conftest import (
    INSTRUCTIONS,
    chat_tools,
    flat_tools,
    project_output,
    scene_output,
    socket_client,
)
from tests.servers import server_process


async def test_responses_loop_with_previous_response_id(client: AsyncOpenAI) -> None:
    first = await client.responses.create(
        model="offline-1",
        instructions=INSTRUCTIONS,
        input="delete scene 2",
        tools=flat_tools(),
    )
    (lookup,) = first.output
    assert lookup.type == "function_call"
    assert lookup.name == "get_project_details"
    second = await client.responses.create(
        model="offline-1",
        instructions=INSTRUCTIONS,
        previous_response_id=first.id,
        input=[
            {
                "type": "function_call_output",
                "call_id": lookup.call_id,
                "output": project_output("A", "B"),
            }
        ],
        tools=flat_tools(),
    )
    (delete,) = second.output
    assert delete.type == "function_call"
    assert delete.name == "delete_scene"
    assert json.loads(delete.arguments) == {"scene_id": "s2"}
    third = await client.responses.create(
        model="offline-1",
        previous_response_id=second.id,
        input=[
            {
                "type": "function_call_output",
                "call_id": delete.call_id,
                "output": '{"ok": true, "deleted_scene_id": "s2"}',
            }
        ],
    )
    assert third.status == "completed"
    assert third.output_text == "Deleted scene 2 “B”."
    assert (await client.responses.retrieve(third.id)).output_text == third.output_text


async def test_responses_stateless_full_item_list(client: AsyncOpenAI) -> None:
    items: ResponseInputParam = [{"role": "user", "content": "add a scene called Dusk"}]
    first = await client.responses.create(
        model="offline-1", instructions=INSTRUCTIONS, input=items, tools=flat_tools(), store=False
    )
    (call,) = first.output
    assert call.type == "function_call"
    items += [
        {
            "type": "function_call",
            "call_id": call.call_id,
            "name": call.name,
            "arguments": call.arguments,
        },
        {
            "type": "function_call_output",
            "call_id": call.call_id,
            "output": scene_output("Dusk", 0),
        },
    ]
    second = await client.responses.create(
        model="offline-1", instructions=INSTRUCTIONS, input=items, tools=flat_tools()
    )
    assert second.output_text == "Added scene 1 “Dusk”."


async def test_unknown_previous_response_is_404(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        await client.responses.create(
            model="offline-1", previous_response_id="resp_missing", input="hi"
        )


async def test_responses_stream_helper_assembles_calls_and_text(client: AsyncOpenAI) -> None:
    async with client.responses.stream(
        model="offline-1",
        instructions=INSTRUCTIONS,
        input="add scenes A and B",
        tools=flat_tools(),
    ) as stream:
        events = [event.type async for event in stream]
        response = await stream.get_final_response()
    assert events[0] == "response.created"
    assert events[-1] == "response.completed"
    assert [item.name for item in response.output if item.type == "function_call"] == [
        "create_scene",
        "create_scene",
    ]

    async with client.responses.stream(
        model="offline-1", instructions=INSTRUCTIONS, input="what can you do?"
    ) as stream:
        deltas = [
            event.delta async for event in stream if event.type == "response.output_text.delta"
        ]
        final = await stream.get_final_response()
    assert len(deltas) > 3
    assert "".join(deltas) == final.output_text
    assert final.output_text.startswith("I can plan this project with you")


async def test_chat_completions_with_stored_history(client: AsyncOpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": "set the script of scene 1 to Waves."},
    ]
    first = await client.chat.completions.create(
        model="offline-1", messages=messages, tools=chat_tools()
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    (lookup,) = choice.message.tool_calls or []
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [cast(ToolCallParam, lookup.model_dump())],
        },
        {"role": "tool", "tool_call_id": lookup.id, "content": project_output("Intro")},
    ]
    second = await client.chat.completions.create(
        model="offline-1", messages=messages, tools=chat_tools()
    )
    (update,) = second.choices[0].message.tool_calls or []
    assert update.function.name == "update_scene_script"  # type: ignore[union-attr]
    assert json.loads(update.function.arguments) == {"scene_id": "s1", "script_content": "Waves."}  # type: ignore[union-attr]
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [cast(ToolCallParam, update.model_dump())],
        },
        {
            "role": "tool",
            "tool_call_id": update.id,
            "content": json.dumps({"ok": True, "scene": {"title": "Intro", "order": 0}}),
        },
    ]
    third = await client.chat.completions.create(
        model="offline-1", messages=messages, tools=chat_tools()
    )
    assert third.choices[0].finish_reason == "stop"
    assert third.choices[0].message.content == "Updated the script of scene 1 “Intro”."
    assert third.usage is not None
    assert third.usage.total_tokens > 0


async def test_chat_stream_tool_call_deltas_are_assembled_by_the_sdk(client: AsyncOpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": "add scenes A, B"},
    ]
    async with client.chat.completions.stream(
        model="offline-1", messages=messages, tools=chat_tools()
    ) as stream:
        async for _ in stream:
            pass
        completion = await stream.get_final_completion()
    calls = completion.choices[0].message.tool_calls or []
    assert [json.loads(call.function.arguments)["title"] for call in calls] == ["A", "B"]
    assert completion.choices[0].finish_reason == "tool_calls"


async def test_chat_stream_text_with_usage(client: AsyncOpenAI) -> None:
    stream = await client.chat.completions.create(
        model="offline-1",
        messages=[{"role": "user", "content": "hello"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text.startswith("Hi! I can plan this project with you")
    assert chunks[-1].usage is not None
    assert chunks[-1].choices == []


async def test_no_surface_sends_more_than_32_tool_calls_in_one_answer(client: AsyncOpenAI) -> None:
    chat = await client.chat.completions.create(
        model="offline-1",
        messages=[
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": "add 40 scenes"},
        ],
        tools=chat_tools(),
    )
    assert len(chat.choices[0].message.tool_calls or []) == MAX_TOOL_CALLS_PER_ROUND
    async with client.responses.stream(
        model="offline-1", instructions=INSTRUCTIONS, input="add 40 scenes", tools=flat_tools()
    ) as stream:
        response = await stream.get_final_response()
    calls = [item for item in response.output if item.type == "function_call"]
    assert len(calls) == MAX_TOOL_CALLS_PER_ROUND
    assistant = await client.beta.assistants.create(
        model="offline-1", instructions=INSTRUCTIONS, tools=chat_tools()
    )
    thread = await client.beta.threads.create(
        messages=[{"role": "user", "content": "add 40 scenes"}]
    )
    run = await client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id
    )
    assert run.required_action is not None
    assert len(run.required_action.submit_tool_outputs.tool_calls) == MAX_TOOL_CALLS_PER_ROUND


async def test_invalid_requests_are_400_in_openai_shape(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="messages must be a non-empty list"):
        await client.chat.completions.create(model="offline-1", messages=[])
    thread = await client.beta.threads.create()
    with pytest.raises(openai.BadRequestError, match="limit"):
        await client.beta.threads.messages.list(thread.id, limit=1000)


async def test_standalone_server_works_with_a_plain_client(unused_port: int) -> None:
    standalone = server_process(
        ["-m", "backend.assistant.offline", "--port", str(unused_port)],
        unused_port,
        ready_path="/v1/models",
        quiet=True,
    )
    async with standalone as server:
        client = socket_client(server.url)
        try:
            models = await client.models.list()
            assert [model.id for model in models.data] == ["offline-1"]
            completion = await client.chat.completions.create(
                model="offline-1",
                messages=[
                    {"role": "system", "content": INSTRUCTIONS},
                    {"role": "user", "content": "add a scene called Z"},
                ],
                tools=chat_tools(),
            )
            assert completion.choices[0].finish_reason == "tool_calls"
        finally:
            await client.close()
