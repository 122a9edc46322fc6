"""The storyboard phrasings, through the chat API: the real engine and openai SDK against the
offline model, its tools on the real database."""

from typing import Any

import httpx
import pytest

from tests.api.test_chat import send_approving
from tests.conftest import AppFactory, TestUser, asgi_client

Json = dict[str, Any]
ENGINES = [
    pytest.param({"CHAT_ENGINE": "assistants"}, id="assistants"),
    pytest.param({"CHAT_ENGINE": "responses"}, id="responses"),
    pytest.param({"CHAT_ENGINE": "chat_completions"}, id="chat_completions"),
]


async def say(client: httpx.AsyncClient, user: TestUser, project: Json, message: str) -> Json:
    response = await send_approving(client, user, project, message)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def read(client: httpx.AsyncClient, user: TestUser, project: Json) -> Json:
    return dict((await client.get(f"/api/projects/{project['id']}", headers=user.headers)).json())


@pytest.mark.parametrize("engine", ENGINES)
async def test_the_six_storyboard_phrasings_change_the_board(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        await say(client, user, project, "add scenes Dawn, Pier and Sunset")

        turn = await say(client, user, project, "make scene 2 a close-up")
        assert [(c["name"], c["ok"]) for c in turn["tool_calls"]] == [
            ("get_project_details", True),
            ("update_scene", True),
        ]
        assert turn["reply"] == "Updated scene 2 “Pier”: shot close-up."
        assert (await read(client, user, project))["scenes"][1]["shot_size"] == "close_up"

        turn = await say(client, user, project, "scene 3 is 4 seconds")
        assert turn["reply"] == "Updated scene 3 “Sunset”: duration 4 s."
        assert (await read(client, user, project))["scenes"][2]["duration_seconds"] == 4

        turn = await say(client, user, project, "set the camera of the last scene to a slow dolly")
        assert turn["reply"] == "Updated scene 3 “Sunset”: camera dolly."
        assert (await read(client, user, project))["scenes"][2]["camera_movement"] == "dolly"

        await say(client, user, project, "add voice-over to scene 1: It began with a wave.")
        await say(client, user, project, "add music to scene 1: Low strings")
        assert (await read(client, user, project))["scenes"][0]["audio"] == (
            "Voice-over: It began with a wave.\nMusic: Low strings"
        )

        await say(client, user, project, "scene 1 lasts 2.5 seconds")
        turn = await say(client, user, project, "how long is the film?")
        assert [c["name"] for c in turn["tool_calls"]] == ["get_project_details"]
        assert turn["reply"] == (
            "The film runs 6.5 s over 3 scenes. 1 scene has no duration yet and counts as nothing."
        )

        turn = await say(client, user, project, "make it vertical")
        assert [(c["name"], c["ok"]) for c in turn["tool_calls"]] == [("update_project", True)]
        assert turn["reply"] == "Set the aspect ratio to 9:16."
        assert (await read(client, user, project))["aspect_ratio"] == "9:16"


async def test_the_runtime_answer_names_the_target(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    app = make_app()
    async with asgi_client(app) as client:
        await client.put(
            f"/api/projects/{project['id']}",
            json={"target_duration_seconds": 90},
            headers=user.headers,
        )
        await client.post(
            f"/api/projects/{project['id']}/scenes",
            json={"title": "Long take", "duration_seconds": 72},
            headers=user.headers,
        )
        turn = await say(client, user, project, "What is the total runtime?")
        assert turn["reply"] == (
            "The film runs 1 min 12 s over 1 scene, against a target of 1 min 30 s."
        )


async def test_a_storyboard_phrasing_about_a_missing_scene_asks_and_changes_nothing(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    app = make_app()
    async with asgi_client(app) as client:
        await say(client, user, project, "add a scene called Only")
        turn = await say(client, user, project, "make scene 5 a close-up")
        assert "I couldn't find scene 5" in turn["reply"]
        assert [c["name"] for c in turn["tool_calls"]] == ["get_project_details"]
        assert (await read(client, user, project))["scenes"][0]["shot_size"] is None
