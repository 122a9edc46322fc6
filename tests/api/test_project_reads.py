"""Reading a project: its ETag, If-None-Match, and the kept copy never outliving a change."""

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.services.project_documents import DocumentCache, ProjectDocument
from tests.conftest import (
    ROOT,
    AppFactory,
    TestUser,
    ThrowawayDatabase,
    asgi_client,
    make_settings,
)

Json = dict[str, Any]


async def read(
    client: httpx.AsyncClient, user: TestUser, project_id: str, **headers: str
) -> httpx.Response:
    return await client.get(f"/api/projects/{project_id}", headers={**user.headers, **headers})


async def test_a_read_names_its_state_and_answers_304_while_it_holds(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    first = await read(client, user, project["id"])
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[^"]+"', etag)
    assert first.json()["id"] == project["id"]

    for if_none_match in (etag, f"W/{etag}", f'"elsewhere", {etag}', "*"):
        again = await read(client, user, project["id"], **{"If-None-Match": if_none_match})
        assert again.status_code == 304, if_none_match
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "no-store"

    other = await read(client, user, project["id"], **{"If-None-Match": '"r0"'})
    assert other.status_code == 200
    assert other.json() == first.json()


async def test_if_none_match_does_not_reveal_other_users_projects(
    client: httpx.AsyncClient, make_user: Callable[[], Awaitable[TestUser]], project: Json
) -> None:
    stranger = await make_user()
    response = await read(client, stranger, project["id"], **{"If-None-Match": "*"})
    assert response.status_code == 404


async def test_every_change_is_a_new_etag_and_matches_an_uncached_read(
    client: httpx.AsyncClient, user: TestUser, project: Json, make_app: AppFactory
) -> None:
    """Each change through the API, then a read: the body equals what an instance that keeps
    nothing returns, and the ETag is one never seen before."""
    path = f"/api/projects/{project['id']}"
    uncached_app = make_app(PROJECT_CACHE_MB=0)
    seen_etags: set[str] = set()

    async def scene_ids() -> list[str]:
        return [scene["id"] for scene in (await read(client, user, project["id"])).json()["scenes"]]

    async def change(method: str, url: str, body: Json | None = None) -> None:
        response = await client.request(method, url, json=body, headers=user.headers)
        assert response.status_code < 300, response.text
        cached = await read(client, user, project["id"])
        async with asgi_client(uncached_app) as uncached_client:
            fresh = await read(uncached_client, user, project["id"])
        assert cached.json() == fresh.json()
        assert cached.headers["etag"] == fresh.headers["etag"]
        assert cached.headers["etag"] not in seen_etags, (method, url)
        seen_etags.add(cached.headers["etag"])

    await change("GET", path)
    await change("PUT", path, {"title": "Renamed", "description": "Now with words"})
    await change("POST", f"{path}/scenes", {"title": "One"})
    await change("POST", f"{path}/scenes", {"title": "Two", "script": "Hello"})
    await change("POST", f"{path}/scenes", {"title": "Zero", "order": 0})
    first, second, third = await scene_ids()
    await change("PUT", f"/api/scenes/{second}", {"script": "Rewritten"})
    await change("PUT", f"/api/scenes/{second}", {"image_url": "https://images.example.com/a.png"})
    await change("PUT", f"/api/scenes/{third}", {"order": 0})
    await change("POST", f"/api/scenes/{first}/duplicate")
    ids = await scene_ids()
    await change("PUT", f"{path}/scenes/order", {"scene_ids": ids[::-1]})
    await change("DELETE", f"/api/scenes/{first}")
    assert len(seen_etags) == 11


async def test_another_instance_never_serves_its_stale_copy(
    app: FastAPI, user: TestUser, project: Json, make_app: AppFactory
) -> None:
    """Two instances on one database: a change made through one is what the other serves next,
    although it had the project kept from before."""
    async with asgi_client(app) as first, asgi_client(make_app()) as second:
        before = await read(second, user, project["id"])
        assert before.json()["scenes"] == []
        created = await first.post(
            f"/api/projects/{project['id']}/scenes", json={"title": "Late"}, headers=user.headers
        )
        assert created.status_code == 201
        after = await read(second, user, project["id"], **{"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert [scene["title"] for scene in after.json()["scenes"]] == ["Late"]
        deleted = await first.delete(f"/api/projects/{project['id']}", headers=user.headers)
        assert deleted.status_code == 204
        assert (await read(second, user, project["id"])).status_code == 404


async def test_project_read_is_a_documented_json_response(client: httpx.AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"]["/api/projects/{project_id}"][
        "get"
    ]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProjectDetail"
    }
    assert "304" in operation["responses"]
    assert {"name": "If-None-Match", "in": "header"}.items() <= operation["parameters"][1].items()


def document(revision: int, size: int) -> ProjectDocument:
    return ProjectDocument(revision, b"x" * size)


def test_the_cache_keeps_within_its_budget_dropping_the_least_recently_read() -> None:
    cache = DocumentCache(max_bytes=1000)
    ids = [uuid.uuid4() for _ in range(6)]
    for project_id in ids[:5]:
        cache.put(project_id, document(1, 200))
    assert cache.size == 1000
    assert cache.get(ids[0], 1) is not None
    cache.put(ids[5], document(1, 200))
    assert cache.size == 1000
    assert cache.get(ids[1], 1) is None
    assert cache.get(ids[0], 1) is not None
    assert cache.get(ids[5], 2) is None


@pytest.mark.parametrize(("kept", "offered", "newest"), [(1, 2, 2), (3, 2, 3)])
def test_the_cache_keeps_the_newest_revision_it_was_given(
    kept: int, offered: int, newest: int
) -> None:
    cache = DocumentCache(max_bytes=1000)
    project_id = uuid.uuid4()
    cache.put(project_id, document(kept, 10))
    cache.put(project_id, document(offered, 10))
    assert cache.get(project_id, newest) is not None
    assert cache.get(project_id, kept + offered - newest) is None
    assert cache.size == 10


def test_a_document_over_a_quarter_of_the_budget_is_not_kept() -> None:
    cache = DocumentCache(max_bytes=1000)
    small, huge = uuid.uuid4(), uuid.uuid4()
    cache.put(small, document(1, 100))
    cache.put(huge, document(1, 251))
    assert cache.get(huge, 1) is None
    assert cache.get(small, 1) is not None
    assert cache.size == 100


# Options the database URL may carry, which SQLAlchemy passes to the driver, as people write
# them (libpq's `sslmode`, as managed PostgreSQL hands it out, too): every route, the project
# read included, must connect with them.
URL_OPTIONS = {
    "postgresql": ["?ssl=disable&prepared_statement_cache_size=50", "?sslmode=disable"],
    "sqlite": ["?cached_statements=50"],
}


def pasted_url(database: ThrowawayDatabase, options: str) -> str:
    """The test database's URL with `options`, as a person pastes it, read by the settings."""
    url = database.url.replace("postgresql+asyncpg://", "postgresql://") + options
    return make_settings(url, ROOT).DATABASE_URL


@pytest.mark.parametrize("cache_mb", [64, 0])
async def test_every_route_works_with_options_in_the_database_url(
    database: ThrowawayDatabase, make_app: AppFactory, cache_mb: int
) -> None:
    for options in URL_OPTIONS[database.backend]:
        app = make_app(DATABASE_URL=pasted_url(database, options), PROJECT_CACHE_MB=cache_mb)
        await every_route_works(app)


async def every_route_works(app: FastAPI) -> None:
    async with asgi_client(app) as client:
        credentials = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "url options"}
        assert (await client.post("/api/auth/register", json=credentials)).status_code == 201
        login = await client.post("/api/auth/login", json=credentials)
        assert login.status_code == 200
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        created = await client.post("/api/projects", json={"title": "Options"}, headers=headers)
        assert created.status_code == 201
        path = f"/api/projects/{created.json()['id']}"
        first = await client.post(f"{path}/scenes", json={"title": "One"}, headers=headers)
        second = await client.post(f"{path}/scenes", json={"title": "Two"}, headers=headers)
        assert first.status_code == second.status_code == 201
        moved = await client.put(
            f"/api/scenes/{second.json()['id']}", json={"order": 0}, headers=headers
        )
        assert moved.status_code == 200
        read = await client.get(path, headers=headers)
        assert read.status_code == 200, read.text
        assert [scene["title"] for scene in read.json()["scenes"]] == ["Two", "One"]
        again = await client.get(path, headers={**headers, "If-None-Match": read.headers["etag"]})
        assert again.status_code == 304
        assert (await client.get("/api/projects", headers=headers)).status_code == 200
