"""Random sequences of insert / move / delete / duplicate / reorder keep `order` = 0..n-1 and
match a plain Python list doing the same operations."""

import random
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.services.scenes import copy_title
from tests.conftest import TestUser

position = st.integers(min_value=0, max_value=12)
pick = st.integers(min_value=0, max_value=1_000)
operation = st.one_of(
    st.tuples(st.just("insert"), st.none() | position),
    st.tuples(st.just("move"), pick, position),
    st.tuples(st.just("delete"), pick),
    st.tuples(st.just("duplicate"), pick),
    st.tuples(st.just("reorder"), st.integers(min_value=0, max_value=2**32)),
)


class Model:
    """The expected scene list: (id, title) pairs in order."""

    def __init__(self) -> None:
        self.scenes: list[tuple[str, str]] = []
        self.counter = 0

    def next_title(self) -> str:
        self.counter += 1
        return f"scene {self.counter}"


async def apply(
    client: httpx.AsyncClient, user: TestUser, project_id: str, model: Model, op: tuple[Any, ...]
) -> None:
    kind = op[0]
    if kind == "insert":
        title = model.next_title()
        body: dict[str, Any] = (
            {"title": title} if op[1] is None else {"title": title, "order": op[1]}
        )
        response = await client.post(
            f"/api/projects/{project_id}/scenes", json=body, headers=user.headers
        )
        assert response.status_code == 201
        at = len(model.scenes) if op[1] is None else min(op[1], len(model.scenes))
        model.scenes.insert(at, (response.json()["id"], title))
        return
    if not model.scenes:
        return
    index = op[1] % len(model.scenes) if kind != "reorder" else 0
    scene_id, title = model.scenes[index]
    if kind == "move":
        response = await client.put(
            f"/api/scenes/{scene_id}", json={"order": op[2]}, headers=user.headers
        )
        assert response.status_code == 200
        model.scenes.pop(index)
        model.scenes.insert(min(op[2], len(model.scenes)), (scene_id, title))
    elif kind == "delete":
        assert (
            await client.delete(f"/api/scenes/{scene_id}", headers=user.headers)
        ).status_code == 204
        model.scenes.pop(index)
    elif kind == "duplicate":
        response = await client.post(f"/api/scenes/{scene_id}/duplicate", headers=user.headers)
        assert response.status_code == 201
        model.scenes.insert(index + 1, (response.json()["id"], copy_title(title)))
    else:
        shuffled = model.scenes[:]
        random.Random(op[1]).shuffle(shuffled)
        response = await client.put(
            f"/api/projects/{project_id}/scenes/order",
            json={"scene_ids": [scene for scene, _ in shuffled]},
            headers=user.headers,
        )
        assert response.status_code == 200
        model.scenes = shuffled


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(operation, min_size=1, max_size=12))
async def test_random_operations_keep_order_contiguous_and_match_a_list(
    client: httpx.AsyncClient, user: TestUser, operations: list[tuple[Any, ...]]
) -> None:
    project = (
        await client.post("/api/projects", json={"title": "property"}, headers=user.headers)
    ).json()
    model = Model()
    for op in operations:
        await apply(client, user, project["id"], model, op)
        detail = (await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json()
        assert [scene["order"] for scene in detail["scenes"]] == list(range(len(model.scenes)))
        assert [(scene["id"], scene["title"]) for scene in detail["scenes"]] == model.scenes
