"""Pictures sent to the offline model, on each surface through the strict SDK: the shapes each
surface takes are accepted and answered honestly (it reads text only), wrong shapes are 400; a
picture Scenecraft names in the instructions (its file id) goes on the scene asked for."""

import json
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from openai import AsyncOpenAI

from backend.assistant.engines.probes import IMAGE_URL
from backend.assistant.offline.client import create_offline_client
from backend.assistant.offline.model import (
    NO_VISION,
    Answer,
    CallTools,
    ModelInput,
    ToolCall,
    ToolResult,
    decide,
)
from tests.assistant.conftest import INSTRUCTIONS
from tests.assistant.phrasing_harness import ALL_TOOLS, PROJECT


@pytest.fixture
async def strict_client() -> AsyncIterator[AsyncOpenAI]:
    client = create_offline_client(strict=True, max_retries=0)
    yield client
    await client.close()


async def test_a_picture_in_chat_completions_is_answered_honestly(
    strict_client: AsyncOpenAI,
) -> None:
    completion = await strict_client.chat.completions.create(
        model="offline-1",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "add a scene called Shot"},
                    {"type": "image_url", "image_url": {"url": IMAGE_URL, "detail": "low"}},
                ],
            }
        ],
    )
    # It does what the words ask (here: nothing, no tools were offered) and says what it can't.
    assert completion.choices[0].message.content == (
        f"I can't change anything in this conversation: no tools were offered to me.\n\n{NO_VISION}"
    )
    # The SDK sends what it is given: a bare string where Chat takes an object.
    wrong: Any = [{"role": "user", "content": [{"type": "image_url", "image_url": IMAGE_URL}]}]
    with pytest.raises(openai.BadRequestError, match="image_url must be an object"):
        await strict_client.chat.completions.create(model="offline-1", messages=wrong)


async def test_a_picture_in_responses_is_answered_honestly(strict_client: AsyncOpenAI) -> None:
    response = await strict_client.responses.create(
        model="offline-1",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "what is this?"},
                    {"type": "input_image", "image_url": IMAGE_URL, "detail": "auto"},
                ],
            }
        ],
    )
    assert response.output_text == NO_VISION
    no_picture: Any = [{"role": "user", "content": [{"type": "input_image", "detail": "auto"}]}]
    with pytest.raises(openai.BadRequestError, match="input_image needs"):
        await strict_client.responses.create(model="offline-1", input=no_picture)


async def test_a_picture_in_an_assistants_thread_is_answered_honestly(
    strict_client: AsyncOpenAI,
) -> None:
    assistant = await strict_client.beta.assistants.create(model="offline-1")
    thread = await strict_client.beta.threads.create(
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what colour is this?"},
                    {"type": "image_url", "image_url": {"url": IMAGE_URL}},
                ],
            }
        ]
    )
    run = await strict_client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id
    )
    assert run.status == "completed"
    messages = await strict_client.beta.threads.messages.list(thread.id, run_id=run.id)
    texts = [b.text.value for m in messages.data for b in m.content if b.type == "text"]
    assert texts == [NO_VISION]
    no_file: Any = [{"type": "image_file", "image_file": {}}]
    with pytest.raises(openai.BadRequestError, match="image_file must be"):
        await strict_client.beta.threads.messages.create(thread.id, role="user", content=no_file)


async def test_a_model_told_it_cannot_see_refuses_pictures_on_every_surface(
    strict_client: AsyncOpenAI,
) -> None:
    blind = "offline-1+vision=refuse"
    chat_parts: Any = [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": IMAGE_URL}},
    ]
    refused = "offline-1 does not support image input"
    with pytest.raises(openai.BadRequestError, match=refused):
        await strict_client.chat.completions.create(
            model=blind, messages=[{"role": "user", "content": chat_parts}], stream=True
        )
    with pytest.raises(openai.BadRequestError, match=refused):
        await strict_client.responses.create(
            model=blind,
            input=[
                {
                    "role": "user",
                    "content": [{"type": "input_image", "image_url": IMAGE_URL, "detail": "low"}],
                }
            ],
        )
    assistant = await strict_client.beta.assistants.create(model=blind)
    thread = await strict_client.beta.threads.create(
        messages=[{"role": "user", "content": chat_parts}]
    )
    with pytest.raises(openai.BadRequestError, match=refused):
        await strict_client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    # Text alone is answered as ever.
    completion = await strict_client.chat.completions.create(
        model=blind, messages=[{"role": "user", "content": "hello"}]
    )
    assert (completion.choices[0].message.content or "").startswith("Hi!")


async def test_a_wrong_picture_shape_is_refused_before_a_stream_starts(
    strict_client: AsyncOpenAI,
) -> None:
    wrong: Any = [{"role": "user", "content": [{"type": "image_url", "image_url": IMAGE_URL}]}]
    with pytest.raises(openai.BadRequestError, match="image_url must be an object"):
        await strict_client.chat.completions.create(model="offline-1", messages=wrong, stream=True)


FIRST, SECOND = "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"
WITH_PICTURES = (
    f'{INSTRUCTIONS}\nAttached picture 1 (file id {FIRST}): "dawn.png"\n'
    f'Attached picture 2 (file id {SECOND}): "beach.png"'
)


def after_lookup(said: str, instructions: str = WITH_PICTURES) -> Answer | CallTools:
    """The model's step once it has looked the seven-scene board up."""
    tools = frozenset(ALL_TOOLS)
    first = decide(ModelInput(instructions, said, [], tools, images=2))
    assert isinstance(first, CallTools)
    assert [call.name for call in first.calls] == ["get_project_details"]
    looked = ToolResult(
        "get_project_details",
        first.calls[0].arguments,
        json.dumps({"ok": True, "project": PROJECT}),
    )
    return decide(ModelInput(instructions, said, [[looked]], tools, images=2))


@pytest.mark.parametrize(
    ("said", "scene_id", "file_id"),
    [
        ("use this picture for scene 2", "s2", FIRST),
        ("put the second photo on the beach", "s2", SECOND),
        ("set the image of the last scene to this picture", "s7", FIRST),
        ("this photo is for scene 3", "s3", FIRST),
        ("use the last picture as the image for scene 1", "s1", SECOND),
        ("please use image 2 for the market", "s5", SECOND),
    ],
)
def test_a_picture_sent_with_the_message_goes_on_the_scene_named(
    said: str, scene_id: str, file_id: str
) -> None:
    assert after_lookup(said) == CallTools(
        [ToolCall("update_scene", {"scene_id": scene_id, "image_file_id": file_id})]
    )


def test_a_picture_that_did_not_come_is_a_question_not_a_guess() -> None:
    assert after_lookup("use picture 3 for scene 1") == Answer(
        "Only 2 pictures came with this message: there is no picture 3."
    )
    assert after_lookup("use this picture for scene 1", INSTRUCTIONS) == Answer(
        "No picture came with this message: attach one (the paper clip, paste or drop) and ask "
        "again."
    )
