"""Fixtures for the API tests that walk every operation."""

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import httpx2
import pytest
from openai import AsyncOpenAI

from backend.assistant.offline.app import create_offline_app
from backend.assistant.offline.client import IN_PROCESS_BASE_URL
from tests.conftest import TestUser


@dataclass
class World:
    """One user's project with two scenes and a conversation: the ids every path and body
    needs."""

    user: TestUser
    project_id: str
    scene_ids: list[str]
    conversation_id: str


@pytest.fixture
async def world(client: httpx.AsyncClient, user: TestUser) -> World:
    project = (
        await client.post("/api/projects", json={"title": "World"}, headers=user.headers)
    ).json()
    scene_ids = []
    for title in ("One", "Two"):
        scene = await client.post(
            f"/api/projects/{project['id']}/scenes", json={"title": title}, headers=user.headers
        )
        scene_ids.append(scene.json()["id"])
    conversation = await client.post(
        f"/api/projects/{project['id']}/conversations", json={}, headers=user.headers
    )
    return World(user, project["id"], scene_ids, conversation.json()["id"])


class EditedOffline(httpx2.AsyncBaseTransport):
    """The offline model server, with each answer's body passed through `edit(request, body)`:
    a provider that misbehaves in one precise way."""

    def __init__(self, edit: Callable[[httpx2.Request, bytes], bytes]) -> None:
        self._inner = httpx2.ASGITransport(app=create_offline_app())
        self._edit = edit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        body = self._edit(request, await response.aread())
        return httpx2.Response(response.status_code, headers=response.headers, content=body)


def edited_offline_client(edit: Callable[[httpx2.Request, bytes], bytes]) -> AsyncOpenAI:
    """The SDK against EditedOffline, without retries (a retry would hide the edit)."""
    return AsyncOpenAI(
        api_key="offline",
        base_url=IN_PROCESS_BASE_URL,
        http_client=httpx2.AsyncClient(transport=EditedOffline(edit)),
        max_retries=0,
    )
