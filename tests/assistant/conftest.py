"""Fixtures for driving the offline server through the unmodified openai SDK (strict mode)."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionFunctionToolParam
from openai.types.responses import FunctionToolParam

from backend.assistant.offline.app import create_offline_app
from backend.assistant.offline.client import create_offline_client
from tests.servers import free_port, serve

PROJECT_ID = "6f1c2a3b-0000-4000-8000-000000000001"
INSTRUCTIONS = f"You plan videos.\nCurrent project id: {PROJECT_ID}"
TOOL_NAMES = (
    "get_project_details",
    "create_scene",
    "update_scene_script",
    "update_scene_title",
    "delete_scene",
)


def chat_tools() -> list[ChatCompletionFunctionToolParam]:
    return [
        {
            "type": "function",
            "function": {"name": name, "parameters": {"type": "object", "properties": {}}},
        }
        for name in TOOL_NAMES
    ]


def flat_tools() -> list[FunctionToolParam]:
    return [
        {
            "type": "function",
            "name": name,
            "parameters": {"type": "object", "properties": {}},
            "strict": False,
        }
        for name in TOOL_NAMES
    ]


def project_output(*titles: str) -> str:
    scenes = [
        {"id": f"s{i + 1}", "title": title, "order": i, "script": ""}
        for i, title in enumerate(titles)
    ]
    return json.dumps(
        {"ok": True, "project": {"id": PROJECT_ID, "title": "Trip", "scenes": scenes}}
    )


def scene_output(title: str, order: int) -> str:
    return json.dumps({"ok": True, "scene": {"id": f"new-{order}", "title": title, "order": order}})


@pytest.fixture
def offline_app() -> FastAPI:
    return create_offline_app()


@pytest.fixture
async def client(offline_app: FastAPI) -> AsyncIterator[AsyncOpenAI]:
    """In-process, strict, no retries unless a test asks for them."""
    openai_client = create_offline_client(offline_app, strict=True, max_retries=0)
    yield openai_client
    await openai_client.close()


@pytest.fixture
async def socket_url(offline_app: FastAPI) -> AsyncIterator[str]:
    async with serve(offline_app) as url:
        yield url


def socket_client(base_url: str, **options: Any) -> AsyncOpenAI:
    defaults: dict[str, Any] = {"max_retries": 0, "_strict_response_validation": True}
    return AsyncOpenAI(api_key="offline", base_url=f"{base_url}/v1", **{**defaults, **options})


@pytest.fixture
async def socket_openai(socket_url: str) -> AsyncIterator[AsyncOpenAI]:
    openai_client = socket_client(socket_url)
    yield openai_client
    await openai_client.close()


class AttemptCounter:
    """Counts the HTTP requests an SDK client really sends (retries included)."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: httpx2.Request) -> None:
        self.count += 1


def counting_client(app: FastAPI, counter: AttemptCounter, max_retries: int = 2) -> AsyncOpenAI:
    http_client = httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), event_hooks={"request": [counter]}
    )
    return AsyncOpenAI(
        api_key="offline",
        base_url="http://offline.invalid/v1",
        http_client=http_client,
        max_retries=max_retries,
        _strict_response_validation=True,
    )


@pytest.fixture
def unused_port() -> int:
    return free_port()
