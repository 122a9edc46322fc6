"""The document tools: search and read within the conversation's project only, and scenes
from a script in one call."""

import json

import httpx
from fastapi import FastAPI

from backend.assistant.tools import run_tool
from tests.conftest import TestUser, UserFactory
from tests.documents import FOUNTAIN_SCRIPT, FOUNTAIN_TITLES
from tests.services.test_tools import context_for, new_project


async def _add(client: httpx.AsyncClient, user: TestUser, project_id: str, text: str) -> str:
    response = await client.post(
        f"/api/projects/{project_id}/documents",
        files={"file": ("script.fountain", text.encode(), "text/plain")},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_search_read_and_import_through_the_tools(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser
) -> None:
    project = await new_project(client, user, "Existing")
    document_id = await _add(client, user, project["id"], FOUNTAIN_SCRIPT)
    context = context_for(app, user, project)
    here = {"project_id": project["id"]}

    found = await run_tool(context, "search_documents", {**here, "query": "bottle on the beach"})
    assert found.ok, found.output
    results = json.loads(found.output)["results"]
    assert results[0]["document_id"] == document_id
    assert "«bottle»" in results[0]["snippet"]
    assert (
        len(
            json.loads(
                (
                    await run_tool(
                        context, "search_documents", {**here, "query": "Mara", "max_results": 1}
                    )
                ).output
            )["results"]
        )
        == 1
    )
    for bad in ({"query": ""}, {"query": "x", "max_results": 21}, {"query": "x", "limit": 2}):
        assert (await run_tool(context, "search_documents", {**here, **bad})).ok is False

    read = await run_tool(
        context,
        "read_document",
        {"document_id": document_id, "offset": results[0]["offset"], "limit": 30},
    )
    document = json.loads(read.output)["document"]
    assert len(document["text"]) == 30
    assert document["characters"] == len(FOUNTAIN_SCRIPT.strip())

    imported = await run_tool(context, "import_scenes_from_document", {"document_id": document_id})
    assert imported.ok, imported.output
    assert [s["title"] for s in json.loads(imported.output)["scenes"]] == FOUNTAIN_TITLES
    detail = (await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json()
    assert [s["title"] for s in detail["scenes"]] == ["Existing", *FOUNTAIN_TITLES]


async def test_search_never_reaches_another_project(
    app: FastAPI, client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    alice, bob = await make_user(), await make_user()
    alice_project = await new_project(client, alice)
    await _add(client, alice, alice_project["id"], "The secret ending: the lamp goes dark.")
    bob_project = await new_project(client, bob)
    bob_other = await new_project(client, bob)
    await _add(client, bob, bob_other["id"], "Another secret ending.")
    context = context_for(app, bob, bob_project)
    found = await run_tool(
        context, "search_documents", {"project_id": bob_project["id"], "query": "secret ending"}
    )
    assert found.ok
    assert json.loads(found.output)["results"] == []
    for other in (alice_project, bob_other):  # only the conversation's project
        elsewhere = {"project_id": other["id"], "query": "secret ending"}
        assert (await run_tool(context, "search_documents", elsewhere)).ok is False
