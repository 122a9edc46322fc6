"""Projects and scenes: the contract's table, the order rules and the validation limits."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.core.db import unit_of_work
from backend.repositories import scenes as scene_repository
from backend.schemas import common
from backend.services.project_documents import DocumentCache
from tests.conftest import TestUser

Json = dict[str, Any]


async def add_scenes(
    client: httpx.AsyncClient, user: TestUser, project_id: str, *titles: str
) -> list[Json]:
    scenes = []
    for title in titles:
        response = await client.post(
            f"/api/projects/{project_id}/scenes", json={"title": title}, headers=user.headers
        )
        assert response.status_code == 201, response.text
        scenes.append(response.json())
    return scenes


async def titles_in_order(client: httpx.AsyncClient, user: TestUser, project_id: str) -> list[str]:
    detail = (await client.get(f"/api/projects/{project_id}", headers=user.headers)).json()
    assert [scene["order"] for scene in detail["scenes"]] == list(range(len(detail["scenes"])))
    assert detail["scene_count"] == len(detail["scenes"])
    return [scene["title"] for scene in detail["scenes"]]


async def test_project_crud_round_trip(client: httpx.AsyncClient, user: TestUser) -> None:
    created = await client.post(
        "/api/projects",
        json={"title": "  Launch teaser  ", "description": "30 seconds"},
        headers=user.headers,
    )
    assert created.status_code == 201
    project = created.json()
    assert project["title"] == "Launch teaser"
    assert project["scene_count"] == 0
    assert set(project) >= {"id", "title", "description", "created_at", "updated_at", "scene_count"}

    detail = (await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json()
    assert detail["scenes"] == []

    renamed = await client.put(
        f"/api/projects/{project['id']}", json={"title": "Final cut"}, headers=user.headers
    )
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Final cut"
    assert renamed.json()["description"] == "30 seconds"
    assert renamed.json()["updated_at"] > project["updated_at"]

    deleted = await client.delete(f"/api/projects/{project['id']}", headers=user.headers)
    assert deleted.status_code == 204
    assert (
        await client.get(f"/api/projects/{project['id']}", headers=user.headers)
    ).status_code == 404


async def test_projects_list_most_recently_updated_first(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    ids = []
    for title in ("first", "second", "third"):
        ids.append(
            (
                await client.post("/api/projects", json={"title": title}, headers=user.headers)
            ).json()["id"]
        )
    await add_scenes(client, user, ids[0], "touches the first project")
    listed = (await client.get("/api/projects", headers=user.headers)).json()
    assert [project["title"] for project in listed] == ["first", "third", "second"]
    assert [project["scene_count"] for project in listed] == [1, 0, 0]


async def test_deleting_a_project_deletes_its_scenes(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    await add_scenes(client, user, project["id"], "one", "two")
    assert (
        await client.delete(f"/api/projects/{project['id']}", headers=user.headers)
    ).status_code == 204
    async with unit_of_work(app.state.session_factory) as session:
        assert await scene_repository.list_scenes(session, uuid.UUID(project["id"])) == []


async def test_scenes_append_and_insert_at_order(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    await add_scenes(client, user, project["id"], "A", "B", "C")
    inserted = await client.post(
        f"/api/projects/{project['id']}/scenes",
        json={"title": "start", "order": 0},
        headers=user.headers,
    )
    assert inserted.json()["order"] == 0
    middle = await client.post(
        f"/api/projects/{project['id']}/scenes",
        json={"title": "middle", "order": 2},
        headers=user.headers,
    )
    assert middle.json()["order"] == 2
    beyond = await client.post(
        f"/api/projects/{project['id']}/scenes",
        json={"title": "beyond", "order": 99},
        headers=user.headers,
    )
    assert beyond.json()["order"] == 5
    assert await titles_in_order(client, user, project["id"]) == [
        "start",
        "A",
        "middle",
        "B",
        "C",
        "beyond",
    ]


async def test_scene_fields_round_trip(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    created = await client.post(
        f"/api/projects/{project['id']}/scenes",
        json={"title": "Sunset", "script": "Waves.", "image_url": "https://example.com/sunset.jpg"},
        headers=user.headers,
    )
    scene = created.json()
    assert {k: scene[k] for k in ("title", "script", "image_url", "order", "project_id")} == {
        "title": "Sunset",
        "script": "Waves.",
        "image_url": "https://example.com/sunset.jpg",
        "order": 0,
        "project_id": project["id"],
    }
    updated = await client.put(
        f"/api/scenes/{scene['id']}",
        json={"script": "Waves crash.", "image_url": ""},
        headers=user.headers,
    )
    assert updated.status_code == 200
    assert updated.json()["script"] == "Waves crash."
    assert updated.json()["image_url"] is None
    assert updated.json()["title"] == "Sunset"
    assert updated.json()["updated_at"] >= scene["updated_at"]


async def test_moving_a_scene_renumbers_the_others(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    a, _, _, d = await add_scenes(client, user, project["id"], "A", "B", "C", "D")
    moved = await client.put(f"/api/scenes/{a['id']}", json={"order": 2}, headers=user.headers)
    assert moved.json()["order"] == 2
    assert await titles_in_order(client, user, project["id"]) == ["B", "C", "A", "D"]
    await client.put(
        f"/api/scenes/{d['id']}", json={"order": 0, "title": "D2"}, headers=user.headers
    )
    assert await titles_in_order(client, user, project["id"]) == ["D2", "B", "C", "A"]


async def test_reorder_by_permutation(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    scenes = await add_scenes(client, user, project["id"], "A", "B", "C")
    new_order = [scenes[2]["id"], scenes[0]["id"], scenes[1]["id"]]
    response = await client.put(
        f"/api/projects/{project['id']}/scenes/order",
        json={"scene_ids": new_order},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert [(s["title"], s["order"]) for s in response.json()] == [("C", 0), ("A", 1), ("B", 2)]
    assert await titles_in_order(client, user, project["id"]) == ["C", "A", "B"]


@pytest.mark.parametrize(
    "pick",
    [
        pytest.param(lambda ids, other: ids[:2], id="missing-one"),
        pytest.param(lambda ids, other: [*ids, ids[0]], id="duplicate"),
        pytest.param(lambda ids, other: [ids[0], ids[0], ids[1]], id="repeated-instead-of-one"),
        pytest.param(lambda ids, other: [*ids[:2], other], id="foreign-id"),
        pytest.param(lambda ids, other: [], id="empty"),
    ],
)
async def test_reorder_that_is_not_a_permutation_is_422_and_changes_nothing(
    client: httpx.AsyncClient, user: TestUser, project: Json, pick: Any
) -> None:
    scenes = await add_scenes(client, user, project["id"], "A", "B", "C")
    other_project = (
        await client.post("/api/projects", json={"title": "other"}, headers=user.headers)
    ).json()
    (other_scene,) = await add_scenes(client, user, other_project["id"], "X")
    response = await client.put(
        f"/api/projects/{project['id']}/scenes/order",
        json={"scene_ids": pick([s["id"] for s in scenes], other_scene["id"])},
        headers=user.headers,
    )
    assert response.status_code == 422
    assert "exactly once" in response.json()["detail"][0]["msg"]
    assert await titles_in_order(client, user, project["id"]) == ["A", "B", "C"]


async def test_duplicate_goes_right_after_the_original(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    _, b, _ = await add_scenes(client, user, project["id"], "A", "B", "C")
    await client.put(
        f"/api/scenes/{b['id']}",
        json={"script": "B's script", "image_url": "http://x.example/b.png"},
        headers=user.headers,
    )
    copy = await client.post(f"/api/scenes/{b['id']}/duplicate", headers=user.headers)
    assert copy.status_code == 201
    assert copy.json()["order"] == 2
    assert copy.json()["id"] != b["id"]
    assert copy.json()["script"] == "B's script"
    assert copy.json()["image_url"] == "http://x.example/b.png"
    assert await titles_in_order(client, user, project["id"]) == ["A", "B", "B (copy)", "C"]


async def test_delete_renumbers_the_rest(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    _, b, _ = await add_scenes(client, user, project["id"], "A", "B", "C")
    assert (await client.delete(f"/api/scenes/{b['id']}", headers=user.headers)).status_code == 204
    assert await titles_in_order(client, user, project["id"]) == ["A", "C"]
    assert (await client.delete(f"/api/scenes/{b['id']}", headers=user.headers)).status_code == 404


async def test_concurrent_order_changes_keep_positions_contiguous(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    """Many requests reordering one project at once queue on the project lock: no duplicate or
    missing position survives, whatever the interleaving."""
    scenes = await add_scenes(client, user, project["id"], *[f"S{i}" for i in range(8)])
    ids = [scene["id"] for scene in scenes]
    requests = []
    for i in range(8):
        requests.append(
            client.put(f"/api/scenes/{ids[i]}", json={"order": (i * 3) % 8}, headers=user.headers)
        )
        requests.append(
            client.post(
                f"/api/projects/{project['id']}/scenes",
                json={"title": f"N{i}", "order": i},
                headers=user.headers,
            )
        )
        requests.append(
            client.put(
                f"/api/projects/{project['id']}/scenes/order",
                json={"scene_ids": list(reversed(ids))},
                headers=user.headers,
            )
        )
    responses = await asyncio.gather(*requests)
    statuses = {response.status_code for response in responses}
    # A reorder that raced an insert no longer lists every scene: a clean 422, never a 500.
    assert statuses <= {200, 201, 422}, [
        r.text for r in responses if r.status_code not in (200, 201, 422)
    ]
    titles = await titles_in_order(client, user, project["id"])
    assert sorted(titles) == sorted([f"S{i}" for i in range(8)] + [f"N{i}" for i in range(8)])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "x" * 2001}, "description"),
        ({"title": "ok", "owner_id": "00000000-0000-0000-0000-000000000000"}, "owner_id"),
        ({"title": "ok", "id": "00000000-0000-0000-0000-000000000000"}, "id"),
        ({"title": None}, "title"),
    ],
)
async def test_invalid_project_bodies_are_422(
    client: httpx.AsyncClient, user: TestUser, body: Json, field: str
) -> None:
    response = await client.post("/api/projects", json=body, headers=user.headers)
    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"])


async def test_project_update_refuses_nulls_and_unknown_fields(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    for body in ({"title": None}, {"description": None}, {"user_id": "x"}, {"scene_count": 3}):
        response = await client.put(
            f"/api/projects/{project['id']}", json=body, headers=user.headers
        )
        assert response.status_code == 422, body
    current = (await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json()
    assert current["title"] == project["title"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "ok", "script": "x" * 20_001}, "script"),
        ({"title": "ok", "image_url": "javascript:alert(1)"}, "image_url"),
        ({"title": "ok", "image_url": "/relative/path.png"}, "image_url"),
        ({"title": "ok", "image_url": "data:text/html,<script>alert(1)</script>"}, "image_url"),
        ({"title": "ok", "image_url": "ftp://example.com/a.png"}, "image_url"),
        ({"title": "ok", "image_url": "https://"}, "image_url"),
        ({"title": "ok", "image_url": "https://example.com/a b.png"}, "image_url"),
        ({"title": "ok", "image_url": "https://example.com/" + "a" * 2048}, "image_url"),
        ({"title": "ok", "order": -1}, "order"),
        ({"title": "ok", "position": 1}, "position"),
    ],
)
async def test_invalid_scene_bodies_are_422(
    client: httpx.AsyncClient, user: TestUser, project: Json, body: Json, field: str
) -> None:
    response = await client.post(
        f"/api/projects/{project['id']}/scenes", json=body, headers=user.headers
    )
    assert response.status_code == 422, response.text
    assert any(field in error["loc"] for error in response.json()["detail"])
    assert (await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json()[
        "scenes"
    ] == []


async def test_scene_limits_accept_the_maximum(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    response = await client.post(
        f"/api/projects/{project['id']}/scenes",
        json={
            "title": "t" * 200,
            "script": "s" * 20_000,
            "image_url": "HTTPS://example.com/" + "a" * 2000,
        },
        headers=user.headers,
    )
    assert response.status_code == 201
    assert len(response.json()["script"]) == 20_000


async def test_scene_update_refuses_null_title_and_bad_url(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    (scene,) = await add_scenes(client, user, project["id"], "A")
    for body in (
        {"title": None},
        {"script": None},
        {"order": None},
        {"image_url": "javascript:x"},
        {"project_id": project["id"]},
    ):
        response = await client.put(f"/api/scenes/{scene['id']}", json=body, headers=user.headers)
        assert response.status_code == 422, body
    assert await titles_in_order(client, user, project["id"]) == ["A"]


async def test_json_body_over_one_mebibyte_is_413(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    body = b'{"title": "big", "description": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/api/projects", content=body, headers={**user.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "detail" in response.json()


async def test_chunked_body_over_the_cap_is_413(client: httpx.AsyncClient, user: TestUser) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "big", "description": "'
        for _ in range(48):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        "/api/projects",
        content=chunks(),
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert (await client.get("/api/projects", headers=user.headers)).json() == []


@contextmanager
def selects_sent(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SELECTs the engine's connections send while the block runs: through SQLAlchemy, and
    those RowReader hands straight to asyncpg, which SQLAlchemy's events do not see."""
    sent: list[str] = []
    logged: list[Any] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    def log(query: Any) -> None:
        sent.append(query.query)

    def on_checkout(_dbapi_connection: Any, _record: Any, proxy: Any) -> None:
        if engine.dialect.driver == "asyncpg" and proxy.driver_connection not in logged:
            proxy.driver_connection.add_query_logger(log)
            logged.append(proxy.driver_connection)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    event.listen(engine.sync_engine, "checkout", on_checkout)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "checkout", on_checkout)
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        for connection in logged:
            connection.remove_query_logger(log)


async def test_project_detail_uses_a_constant_number_of_queries(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    """A project not kept is one query (its session check included), whatever its size; one
    kept at an older revision is two (the revision, then the project)."""

    async def selects_for_detail() -> int:
        with selects_sent(app.state.engine) as sent:
            response = await client.get(f"/api/projects/{project['id']}", headers=user.headers)
            assert response.status_code == 200
            # asyncpg hands each query to its loggers with call_soon: one turn of the loop
            # delivers them all (a yield, not a timing wait).
            await asyncio.sleep(0)
        return sum(1 for statement in sent if statement.lstrip().upper().startswith("SELECT"))

    await add_scenes(client, user, project["id"], "one")
    assert await selects_for_detail() == 1
    assert await selects_for_detail() == 1
    await add_scenes(client, user, project["id"], *[f"more {i}" for i in range(40)])
    assert await selects_for_detail() == 2
    assert await selects_for_detail() == 1
    app.state.project_documents.cache = DocumentCache(0)
    assert await selects_for_detail() == 1


async def test_quotas_give_a_clear_409(
    client: httpx.AsyncClient, user: TestUser, project: Json, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "SCENES_PER_PROJECT_MAX", 2)
    monkeypatch.setattr(common, "PROJECTS_PER_USER_MAX", 2)
    a, _ = await add_scenes(client, user, project["id"], "A", "B")
    for response in (
        await client.post(
            f"/api/projects/{project['id']}/scenes", json={"title": "C"}, headers=user.headers
        ),
        await client.post(
            f"/api/projects/{project['id']}/scenes",
            json={"title": "C", "order": 0},
            headers=user.headers,
        ),
        await client.post(f"/api/scenes/{a['id']}/duplicate", headers=user.headers),
    ):
        assert response.status_code == 409
        assert "at most 2 scenes" in response.json()["detail"]
    assert await titles_in_order(client, user, project["id"]) == ["A", "B"]
    assert (
        await client.post("/api/projects", json={"title": "second"}, headers=user.headers)
    ).status_code == 201
    third = await client.post("/api/projects", json={"title": "third"}, headers=user.headers)
    assert third.status_code == 409
    assert "limit of 2 projects" in third.json()["detail"]
