"""The assistant and the project's documents, through the real SDK against the offline model on
every engine: a question answered from a search carries citations (stored, shown again in the
history), and "import the script" / "make scenes from the treatment" make scenes."""

from typing import Any

import httpx
import pytest

from tests.api.test_chat import ENGINES, scenes_of, send
from tests.conftest import AppFactory, TestUser, asgi_client
from tests.documents import FOUNTAIN_SCRIPT, FOUNTAIN_TITLES
from tests.search_fixture import DOCUMENTS

Json = dict[str, Any]


async def add(
    client: httpx.AsyncClient, user: TestUser, project: Json, name: str, text: str
) -> Json:
    response = await client.post(
        f"/api/projects/{project['id']}/documents",
        files={"file": (name, text.encode(), "text/plain")},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


@pytest.mark.parametrize("engine", ENGINES)
async def test_an_answer_from_the_documents_cites_its_passages(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        treatment = await add(client, user, project, "treatment.md", DOCUMENTS["treatment.md"])
        await add(client, user, project, "locations.txt", DOCUMENTS["locations.txt"])

        asked = await send(client, user, project, "what does the brief say about the ending?")
        assert asked.status_code == 200, asked.text
        body = asked.json()
        assert [(c["name"], c["ok"]) for c in body["tool_calls"]] == [("search_documents", True)]
        assert "treatment.md" in body["reply"]
        assert "final storm" in body["reply"]
        answer = body["messages"][1]
        assert answer["role"] == "assistant"
        assert answer["citations"][0]["document_id"] == treatment["id"]
        assert answer["citations"][0]["filename"] == "treatment.md"
        assert "«" in answer["citations"][0]["snippet"]
        assert body["messages"][0]["citations"] is None

        found = await send(client, user, project, "find the beach in my documents")
        assert "Porth Keris" in found.json()["reply"]

        history = (
            await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)
        ).json()["messages"]
        assert history[1]["citations"] == answer["citations"]
        assert history[3]["citations"][0]["filename"] == "locations.txt"


async def test_scenes_from_the_script_and_the_treatment(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    app = make_app()
    async with asgi_client(app) as client:
        no_documents = await send(client, user, project, "import the script")
        assert "no documents yet" in no_documents.json()["reply"]

        await add(client, user, project, "lighthouse.fountain", FOUNTAIN_SCRIPT)
        await add(client, user, project, "treatment.md", DOCUMENTS["treatment.md"])
        imported = await send(client, user, project, "import the script")
        assert [c["name"] for c in imported.json()["tool_calls"]] == [
            "list_documents",
            "import_scenes_from_document",
        ]
        assert imported.json()["reply"].startswith("Added 6 scenes from the document")
        assert [s["title"] for s in await scenes_of(client, user, project)] == FOUNTAIN_TITLES

        made = await send(client, user, project, "make scenes from the treatment")
        assert made.json()["reply"].startswith("Added 4 scenes"), made.json()["reply"]
        titles = [s["title"] for s in await scenes_of(client, user, project)]
        assert titles[6:] == ["Premise", "Act one", "Act two", "The ending"]

        unclear = await send(client, user, project, "make scenes from the outline")
        assert "Which document" in unclear.json()["reply"]
