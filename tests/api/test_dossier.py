"""The story dossier over HTTP and through the assistant's tools: items of each kind, the whole
dossier replaced with ids kept, its bounds, and its place in the project's revision (each
change a change set: tests/api/test_history.py)."""

import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.assistant.tools import ToolContext, run_tool
from backend.schemas.dossier import ITEMS_PER_KIND_MAX
from tests.conftest import TestUser, UserFactory

Json = dict[str, Any]


@pytest.fixture
async def path(client: httpx.AsyncClient, user: TestUser) -> str:
    project = await client.post("/api/projects", json={"title": "Noir"}, headers=user.headers)
    return f"/api/projects/{project.json()['id']}/dossier"


async def test_a_new_project_has_an_empty_dossier(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    response = await client.get(path, headers=user.headers)
    assert response.status_code == 200
    assert response.json() == {
        "characters": [],
        "themes": [],
        "locations": [],
        "plot_points": [],
        "updated_at": None,
    }


async def test_items_of_every_kind_are_added_changed_and_removed(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    headers = user.headers
    mara = await client.post(
        f"{path}/characters",
        json={"name": "  Mara ", "description": "A retired detective who distrusts everyone"},
        headers=headers,
    )
    assert mara.status_code == 201, mara.text
    assert mara.json() == {
        "id": mara.json()["id"],
        "name": "Mara",
        "description": "A retired detective who distrusts everyone",
        "relationships": [],
        "arc": "",
    }
    for kind, body in [
        ("themes", {"text": "Redemption"}),
        ("locations", {"name": "Lisbon", "description": "Steep streets, trams"}),
        ("plot_points", {"text": "Mara finds the letter"}),
    ]:
        added = await client.post(f"{path}/{kind}", json=body, headers=headers)
        assert added.status_code == 201, (kind, added.text)
        assert {key: added.json()[key] for key in body} == body

    changed = await client.patch(
        f"{path}/characters/{mara.json()['id']}",
        json={"relationships": ["Leo's sister"], "arc": "Learns to trust"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["relationships"] == ["Leo's sister"]
    assert changed.json()["description"] == "A retired detective who distrusts everyone"

    dossier = (await client.get(path, headers=headers)).json()
    assert [item["name"] for item in dossier["characters"]] == ["Mara"]
    assert dossier["characters"][0]["arc"] == "Learns to trust"
    assert [item["text"] for item in dossier["themes"]] == ["Redemption"]
    assert dossier["updated_at"] is not None

    theme_id = dossier["themes"][0]["id"]
    removed = await client.delete(f"{path}/themes/{theme_id}", headers=headers)
    assert removed.status_code == 204
    assert (await client.get(path, headers=headers)).json()["themes"] == []
    again = await client.delete(f"{path}/themes/{theme_id}", headers=headers)
    assert again.status_code == 404
    assert again.json() == {"detail": "Theme not found"}


async def test_an_item_is_found_only_under_its_own_kind(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    theme = await client.post(f"{path}/themes", json={"text": "Loss"}, headers=user.headers)
    response = await client.patch(
        f"{path}/characters/{theme.json()['id']}", json={"name": "X"}, headers=user.headers
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Character not found"}


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("characters", {"name": "   "}),
        ("characters", {"name": "x" * 121}),
        ("characters", {"name": "Mara", "relationships": ["x"] * 21}),
        ("characters", {"name": "Mara", "relationships": [""]}),
        ("characters", {"name": "Mara", "arc": "x" * 2001}),
        ("characters", {"name": "Mara", "text": "themes only"}),
        ("characters", {}),
        ("themes", {"text": ""}),
        ("themes", {"text": None}),
        ("locations", {"name": 3}),
        ("plot_points", {"text": "x" * 2001}),
    ],
)
async def test_invalid_items_are_422_and_change_nothing(
    client: httpx.AsyncClient, user: TestUser, path: str, kind: str, body: Json
) -> None:
    response = await client.post(f"{path}/{kind}", json=body, headers=user.headers)
    assert response.status_code == 422, response.text
    assert (await client.get(path, headers=user.headers)).json()["updated_at"] is None


async def test_a_change_cannot_set_a_required_field_to_null(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    mara = await client.post(f"{path}/characters", json={"name": "Mara"}, headers=user.headers)
    response = await client.patch(
        f"{path}/characters/{mara.json()['id']}", json={"name": None}, headers=user.headers
    )
    assert response.status_code == 422
    assert (await client.get(path, headers=user.headers)).json()["characters"][0]["name"] == "Mara"


async def test_replacing_the_dossier_keeps_the_ids_items_send(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    mara = (
        await client.post(f"{path}/characters", json={"name": "Mara"}, headers=user.headers)
    ).json()
    await client.post(f"{path}/themes", json={"text": "Revenge"}, headers=user.headers)
    replaced = await client.put(
        path,
        json={
            "characters": [
                {"id": mara["id"], "name": "Mara Vidal", "arc": "Trusts again"},
                {"name": "Leo"},
            ],
            "locations": [{"name": "Lisbon"}],
        },
        headers=user.headers,
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert [(item["id"] == mara["id"], item["name"]) for item in body["characters"]] == [
        (True, "Mara Vidal"),
        (False, "Leo"),
    ]
    assert body["themes"] == []  # what the body leaves out goes
    assert [item["name"] for item in body["locations"]] == ["Lisbon"]
    assert (await client.get(path, headers=user.headers)).json() == body


@pytest.mark.parametrize("problem", ["unknown id", "id given twice", "id of another kind"])
async def test_replacing_with_ids_the_dossier_does_not_have_gives_new_ids(
    client: httpx.AsyncClient, user: TestUser, path: str, problem: str
) -> None:
    mara = (
        await client.post(f"{path}/characters", json={"name": "Mara"}, headers=user.headers)
    ).json()
    theme = (
        await client.post(f"{path}/themes", json={"text": "Loss"}, headers=user.headers)
    ).json()
    made_up = str(uuid.uuid4())
    characters = {
        "unknown id": [{"id": made_up, "name": "Ghost"}],
        "id given twice": [{"id": mara["id"], "name": "A"}, {"id": mara["id"], "name": "B"}],
        "id of another kind": [{"id": theme["id"], "name": "Loss"}],
    }[problem]
    response = await client.put(path, json={"characters": characters}, headers=user.headers)
    assert response.status_code == 200, response.text
    ids = [item["id"] for item in response.json()["characters"]]
    assert len(set(ids)) == len(ids) == len(characters)
    assert made_up not in ids
    assert theme["id"] not in ids
    assert (problem == "id given twice") == (ids[0] == mara["id"])


async def test_a_dossier_holds_at_most_200_items_of_a_kind(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    themes = [{"text": f"Theme {number}"} for number in range(ITEMS_PER_KIND_MAX)]
    too_many = await client.put(
        path, json={"themes": [*themes, {"text": "One more"}]}, headers=user.headers
    )
    assert too_many.status_code == 422
    full = await client.put(path, json={"themes": themes}, headers=user.headers)
    assert full.status_code == 200
    refused = await client.post(f"{path}/themes", json={"text": "One more"}, headers=user.headers)
    assert refused.status_code == 409
    assert "at most 200 themes" in refused.json()["detail"]
    # Another kind still has room.
    assert (
        await client.post(f"{path}/locations", json={"name": "Porto"}, headers=user.headers)
    ).status_code == 201


async def test_a_dossier_change_advances_the_projects_revision(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    """A dossier change is a change set: the project's ETag moves on, so a write that sends the
    older one is refused (412), and a dossier write checks If-Match like any other."""
    project_path = path.removesuffix("/dossier")
    first = await client.get(project_path, headers=user.headers)
    added = await client.post(f"{path}/themes", json={"text": "Loss"}, headers=user.headers)
    assert added.status_code == 201, added.text
    second = await client.get(project_path, headers=user.headers)
    assert added.headers["etag"] == second.headers["etag"] != first.headers["etag"]
    stale = {**user.headers, "If-Match": first.headers["etag"]}
    renamed = await client.put(project_path, json={"title": "Renamed"}, headers=stale)
    assert renamed.status_code == 412, renamed.text
    refused = await client.post(f"{path}/themes", json={"text": "Grief"}, headers=stale)
    assert refused.status_code == 412, refused.text
    current = {**user.headers, "If-Match": second.headers["etag"]}
    assert (
        await client.post(f"{path}/themes", json={"text": "Grief"}, headers=current)
    ).status_code == 201
    themes = (await client.get(path, headers=user.headers)).json()["themes"]
    assert [theme["text"] for theme in themes] == ["Loss", "Grief"]


async def test_a_dossier_write_that_changes_nothing_records_nothing(
    client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    added = await client.post(f"{path}/themes", json={"text": "Loss"}, headers=user.headers)
    theme = added.json()
    project_path = path.removesuffix("/dossier")
    before = await client.get(project_path, headers=user.headers)
    dossier = (await client.get(path, headers=user.headers)).json()
    same = await client.patch(
        f"{path}/themes/{theme['id']}", json={"text": "Loss"}, headers=user.headers
    )
    assert same.status_code == 200
    again = await client.put(path, json={"themes": [theme]}, headers=user.headers)
    assert again.status_code == 200
    after = await client.get(project_path, headers=user.headers)
    assert after.headers["etag"] == before.headers["etag"]
    assert (await client.get(path, headers=user.headers)).json() == dossier


async def test_another_users_project_is_404_everywhere(
    client: httpx.AsyncClient, user: TestUser, make_user: UserFactory, path: str
) -> None:
    await client.post(f"{path}/themes", json={"text": "Mine"}, headers=user.headers)
    intruder = await make_user()
    assert (await client.get(path, headers=intruder.headers)).status_code == 404
    assert (
        await client.put(path, json={"themes": []}, headers=intruder.headers)
    ).status_code == 404
    assert (
        await client.post(f"{path}/themes", json={"text": "x"}, headers=intruder.headers)
    ).status_code == 404
    assert [
        item["text"] for item in (await client.get(path, headers=user.headers)).json()["themes"]
    ] == ["Mine"]


async def test_the_assistant_keeps_the_dossier_through_its_tools(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, path: str
) -> None:
    project_id = path.split("/")[3]
    context = ToolContext(app.state.session_factory, uuid.UUID(user.id), uuid.UUID(project_id))
    added = await run_tool(
        context,
        "add_dossier_item",
        {"project_id": project_id, "kind": "characters", "name": "Mara", "arc": "Thaws"},
    )
    assert added.ok, added.output
    item_id = json.loads(added.output)["item"]["id"]
    changed = await run_tool(
        context,
        "update_dossier_item",
        {
            "project_id": project_id,
            "kind": "characters",
            "item_id": item_id,
            "relationships": ["Leo's sister"],
        },
    )
    assert changed.ok, changed.output
    wrong_field = await run_tool(
        context, "add_dossier_item", {"project_id": project_id, "kind": "themes", "name": "X"}
    )
    assert not wrong_field.ok
    read = await run_tool(context, "get_dossier", {"project_id": project_id})
    characters = json.loads(read.output)["dossier"]["characters"]
    assert [(item["name"], item["relationships"]) for item in characters] == [
        ("Mara", ["Leo's sister"])
    ]
    removed = await run_tool(
        context,
        "remove_dossier_item",
        {"project_id": project_id, "kind": "characters", "item_id": item_id},
    )
    assert removed.ok
    assert (await client.get(path, headers=user.headers)).json()["characters"] == []
