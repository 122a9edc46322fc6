"""Pictures sent to the offline model, on each surface through the strict SDK: the shapes each
surface takes are accepted and answered honestly (it reads text only), wrong shapes are 400."""

from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from openai import AsyncOpenAI

from backend.assistant.engines.probes import IMAGE_URL
from backend.assistant.offline.client import create_offline_client
from backend.assistant.offline.vision import NO_VISION


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
    assert completion.choices[0].message.content == NO_VISION
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
