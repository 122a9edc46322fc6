"""Fixtures for the API tests that walk every operation."""

from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import TestUser


@dataclass
class World:
    """One user's project with two scenes: the ids every path and body needs."""

    user: TestUser
    project_id: str
    scene_ids: list[str]


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
    return World(user, project["id"], scene_ids)
