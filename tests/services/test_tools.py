"""The tool registry: scoped to the conversation's user and project, and never raising."""

import json
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.assistant.tools import MAX_OUTPUT_CHARS, TOOLS, ToolContext, run_tool
from tests.conftest import TestUser, UserFactory

Json = dict[str, Any]


async def new_project(client: httpx.AsyncClient, user: TestUser, *titles: str) -> Json:
    project = (await client.post("/api/projects", json={"title": "P"}, headers=user.headers)).json()
    for title in titles:
        await client.post(
            f"/api/projects/{project['id']}/scenes", json={"title": title}, headers=user.headers
        )
    return dict((await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json())


def context_for(app: FastAPI, user: TestUser, project: Json) -> ToolContext:
    return ToolContext(app.state.session_factory, uuid.UUID(user.id), uuid.UUID(project["id"]))


async def test_every_tool_refuses_ids_outside_the_conversation(
    app: FastAPI, client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    alice, bob = await make_user(), await make_user()
    alice_project = await new_project(client, alice, "Alice's scene")
    alice_theme = await client.post(
        f"/api/projects/{alice_project['id']}/dossier/themes",
        json={"text": "Alice's theme"},
        headers=alice.headers,
    )
    bob_project = await new_project(client, bob, "Bob's scene")
    bob_other = await new_project(client, bob, "Bob's other scene")
    foreign_documents = [
        await new_document(client, alice, alice_project),
        await new_document(client, bob, bob_other),
        str(uuid.uuid4()),
    ]
    before = [
        await new_project_state(client, alice, alice_project),
        await new_project_state(client, bob, bob_other),
    ]
    context = context_for(app, bob, bob_project)  # Bob chats about his first project
    foreign_scenes = [
        alice_project["scenes"][0]["id"],
        bob_other["scenes"][0]["id"],
        str(uuid.uuid4()),
    ]
    foreign_projects = [alice_project["id"], bob_other["id"], str(uuid.uuid4())]
    calls: list[tuple[str, Json]] = []
    for scene_id in foreign_scenes:
        calls += [
            ("update_scene_script", {"scene_id": scene_id, "script_content": "hijacked"}),
            (
                "update_scene_image_url",
                {"scene_id": scene_id, "image_url": "https://evil.example/x.png"},
            ),
            ("update_scene_title", {"scene_id": scene_id, "title": "hijacked"}),
            ("move_scene", {"scene_id": scene_id, "order": 0}),
            ("delete_scene", {"scene_id": scene_id}),
            ("update_scene", {"scene_id": scene_id, "shot_size": "close_up", "notes": "x"}),
        ]
    # Alice's item through Bob's own project: not in his dossier.
    foreign_items = [(bob_project["id"], alice_theme.json()["id"])]
    for project_id in foreign_projects:
        foreign_items.append((project_id, alice_theme.json()["id"]))
        calls += [
            ("get_dossier", {"project_id": project_id}),
            ("add_dossier_item", {"project_id": project_id, "kind": "themes", "text": "x"}),
        ]
    for project_id, item_id in foreign_items:
        item = {"project_id": project_id, "kind": "themes", "item_id": item_id}
        calls += [
            ("update_dossier_item", {**item, "text": "hijacked"}),
            ("remove_dossier_item", item),
        ]
    for project_id in foreign_projects:
        calls += [
            ("get_project_details", {"project_id": project_id}),
            ("create_scene", {"project_id": project_id, "title": "intruder"}),
            ("update_project", {"project_id": project_id, "title": "hijacked"}),
            ("update_project", {"project_id": project_id, "aspect_ratio": "9:16"}),
            ("search_documents", {"project_id": project_id, "query": "secret"}),
            ("list_documents", {"project_id": project_id}),
        ]
    for document_id in foreign_documents:
        calls += [
            ("read_document", {"document_id": document_id}),
            ("import_scenes_from_document", {"document_id": document_id}),
        ]
    assert {name for name, _ in calls} == set(TOOLS)
    for name, arguments in calls:
        result = await run_tool(context, name, json.dumps(arguments))
        assert result.ok is False, (name, arguments)
        assert "not found" in json.loads(result.output)["error"]
    after = [
        await new_project_state(client, alice, alice_project),
        await new_project_state(client, bob, bob_other),
    ]
    assert after == before


async def new_document(client: httpx.AsyncClient, user: TestUser, project: Json) -> str:
    """A Fountain script in the project (one scene heading): its document id."""
    response = await client.post(
        f"/api/projects/{project['id']}/documents",
        files={"file": ("script.fountain", b"INT. HOUSE - DAY\n\nMara waits.", "text/plain")},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def new_project_state(client: httpx.AsyncClient, user: TestUser, project: Json) -> Json:
    path = f"/api/projects/{project['id']}"
    state = dict((await client.get(path, headers=user.headers)).json())
    state["dossier"] = (await client.get(f"{path}/dossier", headers=user.headers)).json()
    return state


async def test_tools_work_inside_the_conversation(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await new_project(client, user, "One", "Two")
    context = context_for(app, user, project)
    scene = project["scenes"][1]["id"]
    moved = await run_tool(context, "move_scene", {"scene_id": scene, "order": 0})
    assert moved.ok
    assert json.loads(moved.output)["scene"]["order"] == 0
    details = json.loads(
        (await run_tool(context, "get_project_details", {"project_id": project["id"]})).output
    )
    assert [s["title"] for s in details["project"]["scenes"]] == ["Two", "One"]
    deleted = await run_tool(context, "delete_scene", {"scene_id": scene})
    assert json.loads(deleted.output) == {"ok": True, "deleted_scene_id": scene}


async def test_bad_calls_become_error_outputs(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await new_project(client, user, "One")
    context = context_for(app, user, project)
    cases = [
        ("no_such_tool", "{}", "unknown tool"),
        ("create_scene", "{not json", "not valid JSON"),
        ("create_scene", "[1, 2]", "must be a JSON object"),
        ("create_scene", json.dumps({"project_id": project["id"]}), "title"),
        (
            "create_scene",
            json.dumps({"project_id": project["id"], "title": "x", "owner": 1}),
            "owner",
        ),
        (
            "update_scene_image_url",
            json.dumps(
                {"scene_id": project["scenes"][0]["id"], "image_url": "javascript:alert(1)"}
            ),
            "http",
        ),
        ("move_scene", json.dumps({"scene_id": "not-a-uuid", "order": 0}), "scene_id"),
    ]
    for name, arguments, fragment in cases:
        result = await run_tool(context, name, arguments)
        assert result.ok is False
        assert fragment in json.loads(result.output)["error"], (name, result.output)
    assert (await new_project_state(client, user, project))["scenes"][0]["image_url"] is None


async def test_update_scene_sets_every_storyboard_field_and_clears_them(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await new_project(client, user, "One", "Two")
    context = context_for(app, user, project)
    scene_id = project["scenes"][0]["id"]
    fields = {
        "title": "Cold open",
        "script": "EXT. PIER - DAWN",
        "duration_seconds": 4.5,
        "shot_size": "close_up",
        "camera_movement": "dolly",
        "audio": "VO: It began with a wave.",
        "notes": "Shoot at golden hour",
        "image_url": "https://example.com/pier.jpg",
    }
    result = await run_tool(context, "update_scene", {"scene_id": scene_id, **fields})
    assert result.ok, result.output
    scene = json.loads(result.output)["scene"]
    assert {name: scene[name] for name in fields} == fields
    stored = (await new_project_state(client, user, project))["scenes"][0]
    assert {name: stored[name] for name in fields} == fields

    cleared = await run_tool(
        context,
        "update_scene",
        {"scene_id": scene_id, "duration_seconds": None, "shot_size": None, "audio": ""},
    )
    scene = json.loads(cleared.output)["scene"]
    assert (scene["duration_seconds"], scene["shot_size"], scene["audio"]) == (None, None, "")
    assert scene["camera_movement"] == "dolly"  # not sent, kept

    for bad, fragment in (
        ({"shot_size": "closeup"}, "shot_size"),
        ({"duration_seconds": 0}, "duration_seconds"),
        ({"camera_movement": "slow dolly"}, "camera_movement"),
        ({"owner_id": "x"}, "owner_id"),
    ):
        refused = await run_tool(context, "update_scene", {"scene_id": scene_id, **bad})
        assert refused.ok is False
        assert fragment in json.loads(refused.output)["error"]
    assert (await new_project_state(client, user, project))["scenes"][0]["camera_movement"] == (
        "dolly"
    )


async def test_create_scene_update_project_and_details_carry_the_storyboard_fields(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await new_project(client, user)
    context = context_for(app, user, project)
    created = await run_tool(
        context,
        "create_scene",
        {
            "project_id": project["id"],
            "title": "Wide of the bay",
            "duration_seconds": 6,
            "shot_size": "extreme_wide",
            "camera_movement": "drone",
            "audio": "Music: strings",
        },
    )
    assert created.ok, created.output
    assert json.loads(created.output)["scene"]["shot_size"] == "extreme_wide"
    changed = await run_tool(
        context,
        "update_project",
        {"project_id": project["id"], "aspect_ratio": "9:16", "target_duration_seconds": 30},
    )
    assert changed.ok, changed.output
    assert json.loads(changed.output)["project"]["aspect_ratio"] == "9:16"
    details = json.loads(
        (await run_tool(context, "get_project_details", {"project_id": project["id"]})).output
    )["project"]
    assert (details["aspect_ratio"], details["target_duration_seconds"]) == ("9:16", 30)
    assert details["total_duration_seconds"] == 6
    assert details["scenes"][0]["camera_movement"] == "drone"
    cleared = await run_tool(
        context,
        "update_project",
        {"project_id": project["id"], "target_duration_seconds": None, "title": None},
    )
    assert json.loads(cleared.output)["project"]["target_duration_seconds"] is None
    assert json.loads(cleared.output)["project"]["title"] == "P"


async def test_outputs_are_bounded(app: FastAPI, client: httpx.AsyncClient, user: TestUser) -> None:
    project = await new_project(client, user)
    for number in range(30):
        await client.post(
            f"/api/projects/{project['id']}/scenes",
            json={"title": f"S{number}", "script": "word " * 3000},
            headers=user.headers,
        )
    result = await run_tool(
        context_for(app, user, project), "get_project_details", {"project_id": project["id"]}
    )
    assert result.ok
    assert len(result.output) <= MAX_OUTPUT_CHARS


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from([*TOOLS, "nope"]),
    arguments=st.dictionaries(
        st.sampled_from(
            [
                "project_id",
                "scene_id",
                "title",
                "order",
                "script_content",
                "image_url",
                "description",
                "duration_seconds",
                "shot_size",
                "aspect_ratio",
                "x",
            ]
        ),
        json_values,
        max_size=4,
    )
    | json_values,
)
async def test_garbage_arguments_never_raise(
    app: FastAPI, user: TestUser, name: str, arguments: Any
) -> None:
    context = ToolContext(app.state.session_factory, uuid.UUID(user.id), uuid.uuid4())
    result = await run_tool(context, name, json.dumps(arguments))
    assert result.ok is False
    assert "error" in json.loads(result.output)


async def test_a_call_that_may_change_nothing_is_refused_and_rolled_back_when_it_would(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    """The run after a dry run that changed nothing (so nobody was asked): if the project moved
    meanwhile and the call would now change something, it changes nothing and says so."""
    project = await new_project(client, user, "Harbour")
    scene_id = project["scenes"][0]["id"]
    context = context_for(app, user, project)
    rename = {"scene_id": scene_id, "title": "Pier"}
    refused = await run_tool(context, "update_scene_title", rename, changes_allowed=False)
    assert not refused.ok
    assert "changed since this call was checked" in refused.output
    after = (await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json()
    assert after["scenes"][0]["title"] == "Harbour"
    assert after["revision"] == project["revision"]
    same = await run_tool(
        context, "update_scene_title", {**rename, "title": "Harbour"}, changes_allowed=False
    )
    assert same.ok, same.output
