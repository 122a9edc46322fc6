"""Change sets: every write to a project, its scenes or its story dossier, by any route or tool,
records exactly one with the right before/after; If-Match refuses stale writes; undo puts things
back or refuses."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.assistant.tools import TOOLS, ToolContext, run_tool
from backend.core.db import unit_of_work
from backend.models import Scene, StoryDossier
from backend.repositories import scenes as scene_repository
from backend.repositories.history import UnrecordedWriteError
from backend.schemas.dossier import ITEMS_PER_KIND_MAX
from backend.services import history as history_service
from backend.services.projects import require_project
from tests.api.test_ownership import api_routes
from tests.conftest import StatementLog, TestUser
from tests.pictures import picture, upload

Json = dict[str, Any]


async def history(client: httpx.AsyncClient, user: TestUser, project_id: str) -> list[Json]:
    response = await client.get(f"/api/projects/{project_id}/history", headers=user.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["change_sets"])


async def detail(client: httpx.AsyncClient, user: TestUser, project_id: str) -> Json:
    """The project, with the revision its ETag names as `revision`."""
    response = await client.get(f"/api/projects/{project_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    return {**response.json(), "revision": int(response.headers["etag"].strip('"r'))}


async def board(client: httpx.AsyncClient, user: TestUser, *titles: str) -> Json:
    """A project with these scenes, and a picture shown in the first."""
    project = await client.post("/api/projects", json={"title": "Film"}, headers=user.headers)
    project_id = project.json()["id"]
    for title in titles:
        created = await client.post(
            f"/api/projects/{project_id}/scenes", json={"title": title}, headers=user.headers
        )
        assert created.status_code == 201, created.text
    return await detail(client, user, project_id)


STORY: dict[str, list[Json]] = {
    "characters": [{"name": "Mara", "description": "A detective", "relationships": [], "arc": ""}],
    "themes": [{"text": "Revenge"}, {"text": "Loss"}],
    "locations": [{"name": "Lisbon", "description": ""}],
    "plot_points": [{"text": "Mara finds the letter"}],
}


async def dossier(client: httpx.AsyncClient, user: TestUser, project_id: str) -> Json:
    """The project's dossier, its `updated_at` aside."""
    response = await client.get(f"/api/projects/{project_id}/dossier", headers=user.headers)
    assert response.status_code == 200, response.text
    return {k: v for k, v in response.json().items() if k != "updated_at"}


async def with_story(client: httpx.AsyncClient, user: TestUser, project: Json) -> Json:
    """The project, once its dossier holds STORY, with that dossier as `dossier`."""
    put = await client.put(
        f"/api/projects/{project['id']}/dossier", json=STORY, headers=user.headers
    )
    assert put.status_code == 200, put.text
    return {
        **await detail(client, user, project["id"]),
        "dossier": await dossier(client, user, project["id"]),
    }


async def state(client: httpx.AsyncClient, user: TestUser, project_id: str) -> Json:
    """Everything a write may change: the project with its scenes, and its dossier."""
    return {
        **await detail(client, user, project_id),
        "dossier": await dossier(client, user, project_id),
    }


def only_change(change_set: Json) -> Json:
    assert len(change_set["changes"]) == 1, change_set
    return dict(change_set["changes"][0])


# --- every route -------------------------------------------------------------------------------

Write = Callable[[httpx.AsyncClient, TestUser, Json, dict[str, str]], Awaitable[httpx.Response]]


def _scene(project: Json, index: int) -> str:
    return str(project["scenes"][index]["id"])


async def _update_project(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    return await c.put(f"/api/projects/{p['id']}", json={"title": "Renamed"}, headers=h)


async def _create_scene(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    body = {"title": "Intro", "order": 0}
    return await c.post(f"/api/projects/{p['id']}/scenes", json=body, headers=h)


async def _reorder(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    *rest, last = [s["id"] for s in p["scenes"]]
    ids = [last, *rest]
    return await c.put(f"/api/projects/{p['id']}/scenes/order", json={"scene_ids": ids}, headers=h)


async def _update_scene(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    body = {"script": "Waves.", "title": "Shore"}
    return await c.put(f"/api/scenes/{_scene(p, 1)}", json=body, headers=h)


async def _duplicate(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    return await c.post(f"/api/scenes/{_scene(p, 0)}/duplicate", headers=h)


async def _delete_scene(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    return await c.delete(f"/api/scenes/{_scene(p, 1)}", headers=h)


async def _attach(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    return await c.post(f"/api/scenes/{_scene(p, 2)}/image", files=upload(picture()), headers=h)


async def _detach(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    return await c.delete(f"/api/scenes/{_scene(p, 0)}/image", headers=h)


async def _delete_file(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    return await c.delete(f"/api/files/{p['scenes'][0]['image_file_id']}", headers=h)


async def _undo(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    latest = (await history(c, u, p["id"]))[0]
    return await c.post(f"/api/change-sets/{latest['id']}/undo", headers=h)


def _item(p: Json, kind: str) -> str:
    return str(p["dossier"][kind][0]["id"])


async def _replace_dossier(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    """The whole dossier sent back, one theme reworded."""
    revenge, *themes = p["dossier"]["themes"]
    body = {**p["dossier"], "themes": [{**revenge, "text": "Vengeance"}, *themes]}
    return await c.put(f"/api/projects/{p['id']}/dossier", json=body, headers=h)


# kind → a new item, and a change to its first item (the field as STORY has it, and as changed).
DOSSIER_ITEMS: dict[str, tuple[Json, str, Any, Any]] = {
    "characters": ({"name": "Ines"}, "relationships", [], ["Leo's sister"]),
    "themes": ({"text": "Grief"}, "text", "Revenge", "Vengeance"),
    "locations": ({"name": "Porto"}, "description", "", "Rain on the river"),
    "plot_points": ({"text": "The boat leaves"}, "text", "Mara finds the letter", "Ines lies"),
}


def _dossier_writes(kind: str) -> dict[tuple[str, str], tuple[Write, Any]]:
    new, field, was, now = DOSSIER_ITEMS[kind]
    path = f"/api/projects/{{project_id}}/dossier/{kind}"

    async def add(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
        return await c.post(f"/api/projects/{p['id']}/dossier/{kind}", json=new, headers=h)

    async def change(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
        item_path = f"/api/projects/{p['id']}/dossier/{kind}/{_item(p, kind)}"
        return await c.patch(item_path, json={field: now}, headers=h)

    async def remove(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
        item_path = f"/api/projects/{p['id']}/dossier/{kind}/{_item(p, kind)}"
        return await c.delete(item_path, headers=h)

    return {
        ("POST", path): (add, ("dossier", kind, "created", None, "*")),
        ("PATCH", f"{path}/{{item_id}}"): (
            change,
            ("dossier", kind, "updated", {"kind": kind, field: was}, {"kind": kind, field: now}),
        ),
        ("DELETE", f"{path}/{{item_id}}"): (remove, ("dossier", kind, "deleted", "*", None)),
    }


# (method, path) → the write, and the one change it must record: (entity, scene index or None
# for the project or the dossier kind whose first item it changes, action, before, after); "*"
# stands for whatever the entity held.
WRITES: dict[tuple[str, str], tuple[Write, tuple[str, int | str | None, str, Any, Any]]] = {
    ("PUT", "/api/projects/{project_id}"): (
        _update_project,
        ("project", None, "updated", {"title": "Film"}, {"title": "Renamed"}),
    ),
    ("POST", "/api/projects/{project_id}/scenes"): (
        _create_scene,
        ("scene", -1, "created", None, "*"),
    ),
    ("PUT", "/api/projects/{project_id}/scenes/order"): (
        _reorder,
        ("scene", 2, "moved", {"order": 2}, {"order": 0}),
    ),
    ("PUT", "/api/scenes/{scene_id}"): (
        _update_scene,
        (
            "scene",
            1,
            "updated",
            {"title": "Pier", "script": ""},
            {"title": "Shore", "script": "Waves."},
        ),
    ),
    ("POST", "/api/scenes/{scene_id}/duplicate"): (_duplicate, ("scene", -1, "created", None, "*")),
    ("DELETE", "/api/scenes/{scene_id}"): (_delete_scene, ("scene", 1, "deleted", "*", None)),
    ("POST", "/api/scenes/{scene_id}/image"): (
        _attach,
        ("scene", 2, "updated", {"image_file_id": None}, "*"),
    ),
    ("DELETE", "/api/scenes/{scene_id}/image"): (
        _detach,
        ("scene", 0, "updated", "*", {"image_file_id": None}),
    ),
    ("DELETE", "/api/files/{file_id}"): (
        _delete_file,
        ("scene", 0, "updated", "*", {"image_file_id": None}),
    ),
    ("POST", "/api/change-sets/{change_set_id}/undo"): (
        _undo,
        ("scene", 0, "updated", "*", {"image_file_id": None}),
    ),
    ("PUT", "/api/projects/{project_id}/dossier"): (
        _replace_dossier,
        (
            "dossier",
            "themes",
            "updated",
            {"kind": "themes", "text": "Revenge"},
            {"kind": "themes", "text": "Vengeance"},
        ),
    ),
    **{route: write for kind in DOSSIER_ITEMS for route, write in _dossier_writes(kind).items()},
}
# Creating a project is checked on its own below; deleting one deletes its history with it.
# Share links, comments, documents and conversations change none of a project, its scenes and
# its dossier. A new project (made or imported) starts its history; a deleted one ends it.
NOT_WALKED = {
    ("POST", "/api/projects"),
    ("POST", "/api/projects/import"),
    ("DELETE", "/api/projects/{project_id}"),
}
NOT_BOARD_WRITES = (
    "/api/projects/{project_id}/shares",
    "/api/projects/{project_id}/documents",
    "/api/projects/{project_id}/conversations",
)
WRITES_TO_BOARDS = ("/api/projects", "/api/scenes", "/api/change-sets", "/api/files/{file_id}")


def test_every_write_to_a_board_is_walked(app: FastAPI) -> None:
    """A new route that writes to a project or scene must join the walk below."""
    writes = {
        (method, path)
        for method, path in api_routes(app)
        if method in ("POST", "PUT", "PATCH", "DELETE")
        and path.startswith(WRITES_TO_BOARDS)
        and not path.startswith(NOT_BOARD_WRITES)
    }
    assert writes == set(WRITES) | NOT_WALKED


async def _board_with_picture(client: httpx.AsyncClient, user: TestUser) -> Json:
    """Three scenes, a dossier (as `dossier`), then a picture shown in the first."""
    project = await with_story(client, user, await board(client, user, "Dawn", "Pier", "Sunset"))
    shown = await client.post(
        f"/api/scenes/{_scene(project, 0)}/image", files=upload(picture()), headers=user.headers
    )
    assert shown.status_code == 200, shown.text
    return await state(client, user, project["id"])


def _matches(expected: Any, actual: Any) -> bool:
    if expected == "*":
        return actual is not None
    return bool(expected == actual)


@pytest.mark.parametrize("route", sorted(WRITES), ids=lambda route: " ".join(route))
async def test_each_write_records_exactly_one_change_set(
    client: httpx.AsyncClient, user: TestUser, route: tuple[str, str]
) -> None:
    write, (entity, index, action, before, after) = WRITES[route]
    project = await _board_with_picture(client, user)
    earlier = await history(client, user, project["id"])

    response = await write(client, user, project, user.headers)
    assert response.status_code < 300, response.text

    now = await history(client, user, project["id"])
    assert [c["id"] for c in now[1:]] == [c["id"] for c in earlier]  # exactly one new
    change_set = now[0]
    changed = await detail(client, user, project["id"])
    assert change_set["revision"] == changed["revision"] > earlier[0]["revision"]
    assert change_set["actor"] == {"kind": "user", "turn_id": None, "token_name": None}
    assert change_set["summary"]
    change = only_change(change_set)
    if action == "created":
        entity_id = response.json()["id"]
    elif isinstance(index, str):
        entity_id = _item(project, index)
    else:
        entity_id = project["id"] if index is None else project["scenes"][index]["id"]
    assert (change["entity"], change["entity_id"], change["action"]) == (entity, entity_id, action)
    assert _matches(before, change["before"]), change
    assert _matches(after, change["after"]), change
    if action in ("created", "deleted"):
        whole = change["after"] if action == "created" else change["before"]
        if entity == "dossier":
            assert whole["kind"] == index
            assert set(whole) == {"kind", "order", *STORY[str(index)][0]}
        else:
            assert set(whole) >= {"title", "script", "order", "image_file_id", "notes"}


async def test_creating_a_project_is_its_first_change_set(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    created = await client.post("/api/projects", json={"title": "New"}, headers=user.headers)
    (change_set,) = await history(client, user, created.json()["id"])
    change = only_change(change_set)
    assert (change["entity"], change["action"], change["after"]["title"]) == (
        "project",
        "created",
        "New",
    )
    assert change_set["summary"] == "Created the project “New”"
    undo = await client.post(f"/api/change-sets/{change_set['id']}/undo", headers=user.headers)
    assert undo.status_code == 409


async def test_a_write_that_changes_nothing_records_nothing(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "Dawn")
    earlier = await history(client, user, project["id"])
    same = await client.put(
        f"/api/scenes/{_scene(project, 0)}", json={"title": "Dawn"}, headers=user.headers
    )
    assert same.status_code == 200
    assert await history(client, user, project["id"]) == earlier
    assert (await detail(client, user, project["id"]))["revision"] == project["revision"]


async def test_summaries_say_what_changed_in_words(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "Dawn", "Beach", "Sunset")
    await client.put(
        f"/api/scenes/{_scene(project, 1)}", json={"title": "Shore"}, headers=user.headers
    )
    await client.put(
        f"/api/scenes/{_scene(project, 0)}", json={"script": "Light."}, headers=user.headers
    )
    await client.delete(f"/api/scenes/{_scene(project, 2)}", headers=user.headers)
    summaries = [c["summary"] for c in await history(client, user, project["id"])][:3]
    assert summaries == [
        "Deleted scene 3 “Sunset”",
        "Scene 1 “Dawn”: script replaced",
        "Renamed scene 2 “Beach” to “Shore”",
    ]


async def test_a_revision_past_what_the_database_holds_is_422(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    """A revision is a 32-bit integer in the database: a larger one is refused before any
    query (it was a 500 on both databases)."""
    project = await board(client, user)
    for path in (
        f"/api/projects/{project['id']}/history?before_revision=2147483648",
        f"/api/projects/{project['id']}/events?last_event_id=2147483648",
    ):
        response = await client.get(path, headers=user.headers)
        assert response.status_code == 422, (path, response.text)
    fine = await client.get(
        f"/api/projects/{project['id']}/history?before_revision=2147483647", headers=user.headers
    )
    assert fine.status_code == 200, fine.text


async def test_history_pages_newest_first(client: httpx.AsyncClient, user: TestUser) -> None:
    project = await board(client, user, "A", "B", "C", "D")
    everything = await history(client, user, project["id"])
    assert [c["revision"] for c in everything] == sorted(
        (c["revision"] for c in everything), reverse=True
    )
    page = await client.get(
        f"/api/projects/{project['id']}/history",
        params={"limit": 2, "before_revision": everything[1]["revision"]},
        headers=user.headers,
    )
    assert [c["id"] for c in page.json()["change_sets"]] == [c["id"] for c in everything[2:4]]
    too_many = await client.get(
        f"/api/projects/{project['id']}/history", params={"limit": 201}, headers=user.headers
    )
    assert too_many.status_code == 422


# --- every tool --------------------------------------------------------------------------------


def _tool_calls(project: Json) -> dict[str, Json]:
    scene = _scene(project, 1)
    mara = {
        "project_id": project["id"],
        "kind": "characters",
        "item_id": _item(project, "characters"),
    }
    return {
        "add_dossier_item": {"project_id": project["id"], "kind": "themes", "text": "Grief"},
        "update_dossier_item": {**mara, "relationships": ["Leo's sister"]},
        "remove_dossier_item": {**mara},
        "create_scene": {"project_id": project["id"], "title": "Intro", "order": 0},
        "update_scene": {"scene_id": scene, "notes": "Wind."},
        "update_scene_script": {"scene_id": scene, "script_content": "Waves."},
        "update_scene_image_url": {"scene_id": scene, "image_url": "https://example.com/p.png"},
        "update_scene_title": {"scene_id": scene, "title": "Shore"},
        "move_scene": {"scene_id": scene, "order": 0},
        "delete_scene": {"scene_id": scene},
        "update_project": {"project_id": project["id"], "description": "A short film."},
    }


TOOL_CHANGES = {
    "create_scene": ("created", None, "*"),
    "update_scene": ("updated", {"notes": ""}, {"notes": "Wind."}),
    "update_scene_script": ("updated", {"script": ""}, {"script": "Waves."}),
    "update_scene_image_url": (
        "updated",
        {"image_url": None},
        {"image_url": "https://example.com/p.png"},
    ),
    "update_scene_title": ("updated", {"title": "Pier"}, {"title": "Shore"}),
    "move_scene": ("moved", {"order": 1}, {"order": 0}),
    "delete_scene": ("deleted", "*", None),
    "update_project": ("updated", {"description": ""}, {"description": "A short film."}),
    "add_dossier_item": ("created", None, {"kind": "themes", "order": 2, "text": "Grief"}),
    "update_dossier_item": (
        "updated",
        {"kind": "characters", "relationships": []},
        {"kind": "characters", "relationships": ["Leo's sister"]},
    ),
    "remove_dossier_item": (
        "deleted",
        {"kind": "characters", "order": 0, **STORY["characters"][0]},
        None,
    ),
}


async def test_every_writing_tool_records_exactly_one_change_set(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    writing = {
        name
        for name, tool in TOOLS.items()
        if not tool.read_only
        # A script's scenes are one change set of many changes (tests/api/test_documents.py
        # undoes one in a step).
        and not tool.handler.__module__.endswith(".documents")
    }
    assert writing == set(TOOL_CHANGES)
    for name in sorted(writing):
        project = await with_story(client, user, await board(client, user, "Dawn", "Pier"))
        earlier = await history(client, user, project["id"])
        turn_id = uuid.uuid4()
        context = ToolContext(
            app.state.session_factory, uuid.UUID(user.id), uuid.UUID(project["id"]), turn_id
        )
        result = await run_tool(context, name, _tool_calls(project)[name])
        assert result.ok, (name, result.output)
        now = await history(client, user, project["id"])
        assert len(now) == len(earlier) + 1, name
        assert now[0]["actor"] == {"kind": "assistant", "turn_id": str(turn_id), "token_name": None}
        change = only_change(now[0])
        action, before, after = TOOL_CHANGES[name]
        assert change["action"] == action, (name, change)
        assert _matches(before, change["before"]) if before else change["before"] is None
        assert _matches(after, change["after"]) if after else change["after"] is None


async def test_a_turns_tool_calls_grow_one_change_set(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await with_story(client, user, await board(client, user, "Dawn", "Pier"))
    context = ToolContext(
        app.state.session_factory, uuid.UUID(user.id), uuid.UUID(project["id"]), uuid.uuid4()
    )
    calls = _tool_calls(project)
    for name in ("update_scene_title", "update_scene_script", "add_dossier_item", "create_scene"):
        assert (await run_tool(context, name, calls[name])).ok
    (change_set, *_) = await history(client, user, project["id"])
    assert [(c["entity"], c["action"]) for c in change_set["changes"]] == [
        ("scene", "updated"),
        ("scene", "updated"),
        ("dossier", "created"),
        ("scene", "created"),
    ]
    assert change_set["revision"] == (await detail(client, user, project["id"]))["revision"]
    assert change_set["revision"] == project["revision"] + 4  # each call advanced it
    assert change_set["summary"].count(";") == 3
    assert "; Added theme “Grief”; " in change_set["summary"]

    # The turn undoes whole: the board and the dossier as they were.
    assert (await undo(client, user, change_set["id"])).status_code == 201
    restored = await state(client, user, project["id"])
    assert _board_state(restored) == _board_state(project)
    assert restored["dossier"] == project["dossier"]


async def test_a_chat_turn_carries_its_change_set(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user)
    turn = await client.post(
        f"/api/chat/{project['id']}/send",
        json={"message": "add scenes Dawn, Pier and Sunset"},
        headers=user.headers,
    )
    assert turn.status_code == 200, turn.text
    change_set_id = turn.json()["change_set_id"]
    (latest, *_) = await history(client, user, project["id"])
    assert latest["id"] == change_set_id
    assert [c["action"] for c in latest["changes"]] == ["created"] * 3
    stored = await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)
    assert stored.json()["messages"][-1]["change_set_id"] == change_set_id

    quiet = await client.post(
        f"/api/chat/{project['id']}/send",
        json={"message": "how long is the film?"},
        headers=user.headers,
    )
    assert quiet.json()["change_set_id"] is None

    # The receipt reads the turn's change set by its id: the changes in words, not undone yet.
    receipt = await client.get(f"/api/change-sets/{change_set_id}", headers=user.headers)
    assert receipt.status_code == 200, receipt.text
    assert receipt.json() == {**latest, "undone_by": None}
    assert receipt.json()["summary"] == (
        "Added scene 1 “Dawn”; Added scene 2 “Pier”; Added scene 3 “Sunset”"
    )

    # The whole turn undoes at once, and its receipt and the history say by which change set.
    undone = await client.post(f"/api/change-sets/{change_set_id}/undo", headers=user.headers)
    assert undone.status_code == 201, undone.text
    assert (await detail(client, user, project["id"]))["scenes"] == []
    receipt = await client.get(f"/api/change-sets/{change_set_id}", headers=user.headers)
    assert receipt.json()["undone_by"] == undone.json()["id"]
    listed = {c["id"]: c["undone_by"] for c in await history(client, user, project["id"])}
    assert listed[change_set_id] == undone.json()["id"]
    assert listed[undone.json()["id"]] is None


# --- the write guard ---------------------------------------------------------------------------


async def test_a_write_outside_a_recording_is_refused(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "Dawn")
    async with unit_of_work(app.state.session_factory, write=True) as session:
        scene = (await session.execute(select(Scene))).scalars().first()
        assert scene is not None
        scene.title = "sneaked in"
        with pytest.raises(UnrecordedWriteError):
            await session.flush()
        await session.rollback()
    assert (await detail(client, user, project["id"]))["scenes"][0]["title"] == "Dawn"


async def test_a_dossier_write_outside_a_dossier_recording_is_refused(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    """Not outside any recording, nor inside one that does not compare the dossier (a scene
    write's, which never reads it), nor as a bulk statement."""
    project = await with_story(client, user, await board(client, user, "Dawn"))
    sneaked = {**STORY, "themes": [{"id": str(uuid.uuid4()), "text": "sneaked in"}]}
    async with unit_of_work(app.state.session_factory, write=True) as session:
        row = await session.get(StoryDossier, uuid.UUID(project["id"]))
        assert row is not None
        row.content = sneaked
        with pytest.raises(UnrecordedWriteError):
            await session.flush()
        await session.rollback()
    async with unit_of_work(app.state.session_factory, write=True) as session:
        history_service.act_as(session, history_service.Actor("user"))
        locked = await require_project(
            session, uuid.UUID(project["id"]), uuid.UUID(user.id), lock=True
        )
        row = await session.get(StoryDossier, locked.id)
        assert row is not None

        async def scene_recording() -> None:
            async with history_service.recording(session, locked):
                row.content = sneaked

        with pytest.raises(UnrecordedWriteError):
            await scene_recording()
        await session.rollback()
    async with unit_of_work(app.state.session_factory, write=True) as session:
        with pytest.raises(UnrecordedWriteError):
            await session.execute(update(StoryDossier).values(content=sneaked))
        await session.rollback()
    assert await state(client, user, project["id"]) == project


async def _record_scene_edit(
    app: FastAPI, user: TestUser, project: Json, write_past: bool
) -> list[str]:
    """Rename the first scene through its loaded object inside a recording given every scene
    (and, with `write_past`, the second by a bare statement): the SQL sent from the block on."""
    async with unit_of_work(app.state.session_factory, write=True) as session:
        history_service.act_as(session, history_service.Actor("user"))
        locked = await require_project(
            session, uuid.UUID(project["id"]), uuid.UUID(user.id), lock=True
        )
        scenes = await scene_repository.list_scenes(session, locked.id)
        with StatementLog(app) as sent:
            async with history_service.recording(session, locked, scenes=scenes):
                scenes[0].title = "Dawn, later"
                if write_past:
                    # Not synchronized: the loaded object still says "Pier".
                    await session.execute(
                        update(Scene)
                        .where(Scene.id == scenes[1].id)
                        .values(title="Pier, later")
                        .execution_options(synchronize_session=False)
                    )
    return sent.statements()


async def _move(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    return await c.put(f"/api/scenes/{_scene(p, 2)}", json={"order": 0}, headers=h)


@pytest.mark.parametrize(
    "write",
    [_update_scene, _move, _reorder, _duplicate, _delete_scene],
    ids=lambda write: write.__name__.strip("_"),
)
async def test_a_scene_write_compares_its_loaded_scenes_instead_of_reading_the_project_again(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, write: Write
) -> None:
    """The project-with-scenes snapshot (one UNION ALL statement) is never read by these
    writes: their services have every scene loaded, and the recording compares those (what
    it records is checked route by route above)."""
    project = await _board_with_picture(client, user)
    earlier = await history(client, user, project["id"])
    with StatementLog(app) as log:
        response = await write(client, user, project, user.headers)
    assert response.status_code < 300, response.text
    assert len(await history(client, user, project["id"])) == len(earlier) + 1
    sent = log.statements()
    assert sent
    assert not [sql for sql in sent if "UNION ALL" in sql], sent


def _scene_reads(sent: list[str]) -> list[str]:
    return [sql for sql in sent if sql.lstrip().upper().startswith("SELECT") and "scene" in sql]


async def test_a_recording_compares_the_loaded_scenes_unless_a_statement_wrote_past_them(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    """A scene edit through the loaded objects is compared with them: no read of the project
    after the write. A statement that wrote past them makes the recording read the project
    again, so its change is recorded too."""
    project = await board(client, user, "Dawn", "Pier")
    sent = await _record_scene_edit(app, user, project, write_past=False)
    assert not _scene_reads(sent), sent
    change = only_change((await history(client, user, project["id"]))[0])
    assert (change["before"], change["after"]) == ({"title": "Dawn"}, {"title": "Dawn, later"})

    sent = await _record_scene_edit(app, user, await detail(client, user, project["id"]), True)
    assert _scene_reads(sent), sent
    change = only_change((await history(client, user, project["id"]))[0])
    assert change["entity_id"] == project["scenes"][1]["id"]
    assert (change["before"], change["after"]) == ({"title": "Pier"}, {"title": "Pier, later"})


# --- If-Match ----------------------------------------------------------------------------------


async def test_reads_name_the_revision_in_their_etag(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "Dawn")
    read = await client.get(f"/api/projects/{project['id']}", headers=user.headers)
    assert read.headers["etag"] == f'"r{project["revision"]}"'
    scene = await client.get(f"/api/scenes/{_scene(project, 0)}", headers=user.headers)
    assert scene.status_code == 200
    assert scene.headers["etag"] == read.headers["etag"]
    assert scene.json()["title"] == "Dawn"


STALE_WRITES = [
    *sorted(set(WRITES) - {("DELETE", "/api/files/{file_id}")}),
    ("DELETE", "/api/projects/{project_id}"),
]


async def _delete_project(c: httpx.AsyncClient, u: TestUser, p: Json, h: dict[str, str]) -> Any:
    return await c.delete(f"/api/projects/{p['id']}", headers=h)


@pytest.mark.parametrize("route", STALE_WRITES, ids=lambda route: " ".join(route))
async def test_a_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, user: TestUser, route: tuple[str, str]
) -> None:
    write = (
        _delete_project
        if route[1] == "/api/projects/{project_id}" and route[0] == "DELETE"
        else WRITES[route][0]
    )
    project = await _board_with_picture(client, user)
    before = await history(client, user, project["id"])
    stale = {**user.headers, "If-Match": f'"r{project["revision"] - 1}"'}

    response = await write(client, user, project, stale)
    assert response.status_code == 412, response.text
    assert response.json()["revision"] == project["revision"]
    assert "changed" in response.json()["detail"]
    assert await state(client, user, project["id"]) == project
    assert await history(client, user, project["id"]) == before

    current = {**user.headers, "If-Match": f'W/"r{project["revision"]}"'}
    assert (await write(client, user, project, current)).status_code < 300


async def test_an_if_match_naming_no_revision_is_412(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "Dawn")
    for header in ('"abc"', "garbage", '"r99999999999999999999999"'):
        response = await client.put(
            f"/api/scenes/{_scene(project, 0)}",
            json={"title": "x"},
            headers={**user.headers, "If-Match": header},
        )
        assert response.status_code == 412, header
    anything = await client.put(
        f"/api/scenes/{_scene(project, 0)}",
        json={"title": "x"},
        headers={**user.headers, "If-Match": "*"},
    )
    assert anything.status_code == 200


# --- undo --------------------------------------------------------------------------------------


async def undo(client: httpx.AsyncClient, user: TestUser, change_set_id: str) -> httpx.Response:
    return await client.post(f"/api/change-sets/{change_set_id}/undo", headers=user.headers)


def _board_state(project: Json) -> list[tuple[Any, ...]]:
    return [
        (s["id"], s["order"], s["title"], s["script"], s["image_file_id"])
        for s in project["scenes"]
    ]


@pytest.mark.parametrize(
    "route",
    [
        ("POST", "/api/projects/{project_id}/scenes"),
        ("PUT", "/api/scenes/{scene_id}"),
        ("PUT", "/api/projects/{project_id}/scenes/order"),
        ("DELETE", "/api/scenes/{scene_id}"),
        ("POST", "/api/scenes/{scene_id}/duplicate"),
        ("PUT", "/api/projects/{project_id}"),
        ("DELETE", "/api/scenes/{scene_id}/image"),
    ],
    ids=lambda route: " ".join(route),
)
async def test_undo_puts_back_what_a_write_changed_and_can_itself_be_undone(
    client: httpx.AsyncClient, user: TestUser, route: tuple[str, str]
) -> None:
    project = await _board_with_picture(client, user)
    assert (await WRITES[route][0](client, user, project, user.headers)).status_code < 300
    changed = await detail(client, user, project["id"])
    (change_set, *_) = await history(client, user, project["id"])

    undone = await undo(client, user, change_set["id"])
    assert undone.status_code == 201, undone.text
    assert undone.json()["undoes"] == change_set["id"]
    assert undone.json()["summary"].startswith("Undo: ")
    restored = await detail(client, user, project["id"])
    assert _board_state(restored) == _board_state(project)
    assert restored["title"] == project["title"]
    assert restored["revision"] == undone.json()["revision"] > changed["revision"]

    again = await undo(client, user, undone.json()["id"])
    assert again.status_code == 201, again.text
    assert _board_state(await detail(client, user, project["id"])) == _board_state(changed)


DOSSIER_WRITES = sorted(route for route, (_, change) in WRITES.items() if change[0] == "dossier")


@pytest.mark.parametrize("route", DOSSIER_WRITES, ids=lambda route: " ".join(route))
async def test_undo_puts_back_what_a_dossier_write_changed_and_can_itself_be_undone(
    client: httpx.AsyncClient, user: TestUser, route: tuple[str, str]
) -> None:
    """A removed item comes back with its id, fields and place; an added one goes; a changed
    one gets its fields back. The board is left as it was."""
    project = await with_story(client, user, await board(client, user, "Dawn"))
    assert (await WRITES[route][0](client, user, project, user.headers)).status_code < 300
    changed = await state(client, user, project["id"])
    assert changed["dossier"] != project["dossier"]
    (change_set, *_) = await history(client, user, project["id"])

    undone = await undo(client, user, change_set["id"])
    assert undone.status_code == 201, undone.text
    assert undone.json()["undoes"] == change_set["id"]
    assert undone.json()["summary"].startswith("Undo: ")
    assert [c["entity"] for c in undone.json()["changes"]] == ["dossier"]
    restored = await state(client, user, project["id"])
    assert restored["dossier"] == project["dossier"]
    assert _board_state(restored) == _board_state(project)
    assert restored["revision"] == undone.json()["revision"] > changed["revision"]

    again = await undo(client, user, undone.json()["id"])
    assert again.status_code == 201, again.text
    assert (await dossier(client, user, project["id"])) == changed["dossier"]


async def test_undoing_a_dossier_replaced_with_fewer_items_puts_each_back_in_place(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    """Several items removed by one PUT come back in their old order (not last first)."""
    project = await board(client, user)
    path = f"/api/projects/{project['id']}/dossier"
    themes = [{"text": text} for text in ("Alpha", "Bravo", "Charlie", "Delta", "Echo")]
    saved = await client.put(path, json={"themes": themes}, headers=user.headers)
    assert saved.status_code == 200, saved.text
    kept = [saved.json()["themes"][index] for index in (2, 4)]  # Charlie and Echo stay
    fewer = await client.put(path, json={"themes": kept}, headers=user.headers)
    assert [t["text"] for t in fewer.json()["themes"]] == ["Charlie", "Echo"]
    (change_set, *_) = await history(client, user, project["id"])

    undone = await undo(client, user, change_set["id"])
    assert undone.status_code == 201, undone.text
    restored = (await dossier(client, user, project["id"]))["themes"]
    assert restored == saved.json()["themes"]  # ids, texts and order


async def test_dossier_summaries_say_what_changed_in_words(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await with_story(client, user, await board(client, user))
    path = f"/api/projects/{project['id']}/dossier"
    mara = _item(project, "characters")
    await client.post(f"{path}/characters", json={"name": "Ines"}, headers=user.headers)
    await client.patch(
        f"{path}/characters/{mara}", json={"relationships": ["Ines's sister"]}, headers=user.headers
    )
    await client.patch(f"{path}/characters/{mara}", json={"name": "Mira"}, headers=user.headers)
    await client.delete(f"{path}/themes/{_item(project, 'themes')}", headers=user.headers)
    current = await dossier(client, user, project["id"])
    reordered = {**current, "characters": current["characters"][::-1]}
    await client.put(path, json=reordered, headers=user.headers)
    summaries = [c["summary"] for c in await history(client, user, project["id"])][:6]
    assert summaries == [
        "Moved character “Ines” from 2 to 1",
        "Removed theme “Revenge”",
        "Renamed character “Mara” to “Mira”",
        "Changed character “Mara”: relationships",
        "Added character “Ines”",
        "Added character “Mara”; Added theme “Revenge”; Added theme “Loss”; "
        "Added location “Lisbon”; Added plot point “Mara finds the letter”",
    ]


async def test_undoing_a_dossier_change_refuses_when_a_later_one_touched_the_same_item(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await with_story(client, user, await board(client, user))
    path = f"/api/projects/{project['id']}/dossier"
    mara, revenge = _item(project, "characters"), _item(project, "themes")
    await client.patch(
        f"{path}/characters/{mara}", json={"relationships": ["Leo's sister"]}, headers=user.headers
    )
    (related, *_) = await history(client, user, project["id"])
    await client.patch(
        f"{path}/characters/{mara}", json={"relationships": ["Leo's rival"]}, headers=user.headers
    )
    (later, *_) = await history(client, user, project["id"])
    before = await state(client, user, project["id"])

    refused = await undo(client, user, related["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["change_set_id"] == later["id"]
    assert later["id"] in refused.json()["detail"]
    assert "relationships" in refused.json()["detail"]
    assert await state(client, user, project["id"]) == before

    # Another field of the same item, or another item, is no conflict.
    await client.patch(f"{path}/characters/{mara}", json={"arc": "Thaws"}, headers=user.headers)
    (arc, *_) = await history(client, user, project["id"])
    await client.patch(f"{path}/characters/{mara}", json={"description": "x"}, headers=user.headers)
    await client.patch(f"{path}/themes/{revenge}", json={"text": "Vengeance"}, headers=user.headers)
    assert (await undo(client, user, arc["id"])).status_code == 201
    (character,) = (await dossier(client, user, project["id"]))["characters"]
    assert (character["arc"], character["description"]) == ("", "x")

    # An item added, then removed by a later change set: undoing the addition names the removal.
    added = await client.post(f"{path}/themes", json={"text": "Grief"}, headers=user.headers)
    (addition, *_) = await history(client, user, project["id"])
    await client.delete(f"{path}/themes/{added.json()['id']}", headers=user.headers)
    (removal, *_) = await history(client, user, project["id"])
    refused = await undo(client, user, addition["id"])
    assert refused.status_code == 409
    assert refused.json()["change_set_id"] == removal["id"]


async def test_a_removed_item_cannot_come_back_to_a_full_kind(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await with_story(client, user, await board(client, user))
    path = f"/api/projects/{project['id']}/dossier"
    await client.delete(f"{path}/themes/{_item(project, 'themes')}", headers=user.headers)
    (removed, *_) = await history(client, user, project["id"])
    themes = [{"text": f"Theme {number}"} for number in range(ITEMS_PER_KIND_MAX)]
    full = await client.put(path, json={**STORY, "themes": themes}, headers=user.headers)
    assert full.status_code == 200, full.text
    before = await state(client, user, project["id"])
    refused = await undo(client, user, removed["id"])
    assert refused.status_code == 409, refused.text
    assert f"holds {ITEMS_PER_KIND_MAX} themes" in refused.json()["detail"]
    assert await state(client, user, project["id"]) == before


async def test_a_deleted_scene_comes_back_with_its_fields_picture_and_place(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await _board_with_picture(client, user)
    first = project["scenes"][0]
    await client.put(
        f"/api/scenes/{first['id']}",
        json={"script": "Light.", "notes": "Slow.", "duration_seconds": 3.5},
        headers=user.headers,
    )
    kept = (await detail(client, user, project["id"]))["scenes"][0]
    await client.delete(f"/api/scenes/{first['id']}", headers=user.headers)
    (deleted, *_) = await history(client, user, project["id"])
    assert (await undo(client, user, deleted["id"])).status_code == 201
    back = (await detail(client, user, project["id"]))["scenes"][0]
    timestamps = ("created_at", "updated_at")
    assert {k: v for k, v in back.items() if k not in timestamps} == {
        k: v for k, v in kept.items() if k not in timestamps
    }
    assert back["image_file_id"] == first["image_file_id"]


async def test_undo_cannot_bring_back_a_picture_deleted_since(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    """Undoing "picture added" after the file itself went: a 409, and nothing changes."""
    project = await _board_with_picture(client, user)
    first = project["scenes"][0]
    await client.delete(f"/api/scenes/{first['id']}/image", headers=user.headers)
    (detached, *_) = await history(client, user, project["id"])
    gone = await client.delete(f"/api/files/{first['image_file_id']}", headers=user.headers)
    assert gone.status_code == 204
    before = await detail(client, user, project["id"])
    refused = await undo(client, user, detached["id"])
    assert refused.status_code == 409, refused.text
    assert "deleted since" in refused.json()["detail"]
    assert await detail(client, user, project["id"]) == before


async def test_undo_refuses_when_a_later_change_touched_the_same_field(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "Dawn", "Pier")
    scene = _scene(project, 0)
    await client.put(f"/api/scenes/{scene}", json={"title": "Dusk"}, headers=user.headers)
    (renamed, *_) = await history(client, user, project["id"])
    await client.put(f"/api/scenes/{scene}", json={"title": "Night"}, headers=user.headers)
    (later, *_) = await history(client, user, project["id"])
    before = await detail(client, user, project["id"])

    refused = await undo(client, user, renamed["id"])
    assert refused.status_code == 409
    assert refused.json()["change_set_id"] == later["id"]
    assert later["id"] in refused.json()["detail"]
    assert await detail(client, user, project["id"]) == before

    # Another field of the same scene, or another scene, is no conflict.
    await client.put(f"/api/scenes/{scene}", json={"script": "Stars."}, headers=user.headers)
    (scripted, *_) = await history(client, user, project["id"])
    await client.put(f"/api/scenes/{scene}", json={"notes": "Cold."}, headers=user.headers)
    assert (await undo(client, user, scripted["id"])).status_code == 201
    assert (await detail(client, user, project["id"]))["scenes"][0]["script"] == ""


async def test_undoing_twice_is_a_conflict_with_the_first_undo(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "Dawn")
    await client.delete(f"/api/scenes/{_scene(project, 0)}", headers=user.headers)
    (deleted, *_) = await history(client, user, project["id"])
    first = await undo(client, user, deleted["id"])
    assert first.status_code == 201
    second = await undo(client, user, deleted["id"])
    assert second.status_code == 409
    assert second.json()["change_set_id"] == first.json()["id"]
    assert len((await detail(client, user, project["id"]))["scenes"]) == 1


async def test_an_undo_names_a_stale_if_match(client: httpx.AsyncClient, user: TestUser) -> None:
    project = await board(client, user, "Dawn")
    (created, *_) = await history(client, user, project["id"])
    response = await client.post(
        f"/api/change-sets/{created['id']}/undo",
        headers={**user.headers, "If-Match": '"r1"'},
    )
    assert response.status_code == 412
    assert response.json()["revision"] == project["revision"]


async def test_undo_of_a_reorder_that_moved_several_puts_each_back(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "A", "B", "C", "D", "E")
    ids = [s["id"] for s in project["scenes"]]
    shuffled = [ids[4], ids[2], ids[0], ids[3], ids[1]]
    await client.put(
        f"/api/projects/{project['id']}/scenes/order",
        json={"scene_ids": shuffled},
        headers=user.headers,
    )
    (reordered, *_) = await history(client, user, project["id"])
    assert {c["action"] for c in reordered["changes"]} == {"moved"}
    assert len(reordered["changes"]) < 5  # the scenes that kept their relative place stayed
    assert (await undo(client, user, reordered["id"])).status_code == 201
    assert [s["id"] for s in (await detail(client, user, project["id"]))["scenes"]] == ids


async def test_a_write_answers_with_the_etag_of_the_revision_it_made(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await board(client, user, "Dawn")
    renamed = await client.put(
        f"/api/scenes/{_scene(project, 0)}",
        json={"title": "Dusk"},
        headers={**user.headers, "If-Match": f'"r{project["revision"]}"'},
    )
    assert renamed.headers["etag"] == f'"r{project["revision"] + 1}"'
    deleted = await client.delete(
        f"/api/scenes/{_scene(project, 0)}",
        headers={**user.headers, "If-Match": renamed.headers["etag"]},
    )
    assert deleted.status_code == 204
    assert deleted.headers["etag"] == f'"r{project["revision"] + 2}"'
