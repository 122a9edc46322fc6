"""The story dossier kept by chat: plain requests to the offline model, on every engine, change
the project's dossier row (characters with relationships, themes, locations, plot points), and
its answers say what was done or that nothing matched."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from backend.models import StoryDossier
from tests.api.test_chat import ENGINES, send_approving
from tests.conftest import AppFactory, TestUser, asgi_client

Json = dict[str, Any]

TURNS = [
    (
        "add a character Mara, a retired detective who distrusts everyone",
        ["add_dossier_item"],
        "Added the character “Mara” to the story dossier: a retired detective who distrusts "
        "everyone.",
    ),
    ("new character: Leo, a fisherman", ["add_dossier_item"], "Added the character “Leo”"),
    ("Mara is Leo's sister", ["get_dossier", "update_dossier_item"], "Mara is Leo's sister."),
    ("Mara is Leo's sister", ["get_dossier"], "already says Mara is Leo's sister"),
    ("add the themes revenge and redemption", ["add_dossier_item"] * 2, "theme “redemption”"),
    ("the story takes place in Lisbon", ["add_dossier_item"], "Added the location “Lisbon”"),
    ("add a plot point: Mara finds the letter", ["add_dossier_item"], "“Mara finds the letter”"),
    ("remove the theme Revenge", ["get_dossier", "remove_dossier_item"], "Removed the theme"),
    ("remove the theme jealousy", ["get_dossier"], "so I removed nothing"),
    ("Ana is Leo's daughter", ["get_dossier"], "couldn't find a character called “Ana”"),
    (
        "what characters do we have?",
        ["get_dossier"],
        "- Mara: a retired detective who distrusts everyone (Leo's sister)\n- Leo: a fisherman",
    ),
]


async def stored(app: FastAPI, project: Json) -> Json:
    async with app.state.session_factory() as session:
        row = await session.get(StoryDossier, uuid.UUID(str(project["id"])))
        assert row is not None
        return dict(row.content)


@pytest.mark.parametrize("engine", ENGINES)
async def test_the_assistant_builds_the_dossier_from_plain_requests(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        for text, tools, answer in TURNS:
            response = await send_approving(client, user, project, text)
            assert response.status_code == 200, response.text
            body = response.json()
            assert [(c["name"], c["ok"]) for c in body["tool_calls"]] == [
                (name, True) for name in tools
            ], text
            assert answer in body["reply"], (text, body["reply"])

    content = await stored(app, project)
    assert [(c["name"], c["description"], c["relationships"]) for c in content["characters"]] == [
        ("Mara", "a retired detective who distrusts everyone", ["Leo's sister"]),
        ("Leo", "a fisherman", []),
    ]
    assert [theme["text"] for theme in content["themes"]] == ["redemption"]
    assert [(place["name"], place["description"]) for place in content["locations"]] == [
        ("Lisbon", "")
    ]
    assert [point["text"] for point in content["plot_points"]] == ["Mara finds the letter"]
