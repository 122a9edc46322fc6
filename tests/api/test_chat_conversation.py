"""Talking to the offline model through the chat API, turn after turn: "it" carries across
turns, several commands in one message all happen, swaps and several deletes change the real
board — on each engine, with the openai SDK against the offline model."""

import pytest

from tests.api.test_chat_storyboard import ENGINES, Json, read, say
from tests.conftest import AppFactory, TestUser, asgi_client


def titles(project: Json) -> list[str]:
    return [scene["title"] for scene in project["scenes"]]


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_conversation_arranges_the_board(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        await say(client, user, project, "add scenes Dawn, Pier, Market and Dusk")

        turn = await say(
            client,
            user,
            project,
            "rename scene 2 to Golden Hour and set its script to The sun melts into the sea.",
        )
        assert turn["reply"] == (
            "Renamed scene 2 to “Golden Hour”.\nUpdated the script of scene 2 “Golden Hour”."
        )
        board = await read(client, user, project)
        assert board["scenes"][1]["title"] == "Golden Hour"
        assert board["scenes"][1]["script"] == "The sun melts into the sea."

        await say(client, user, project, "move it to the end")
        assert titles(await read(client, user, project)) == [
            "Dawn",
            "Market",
            "Dusk",
            "Golden Hour",
        ]

        await say(client, user, project, "swap the first and last scenes")
        assert titles(await read(client, user, project)) == [
            "Golden Hour",
            "Market",
            "Dusk",
            "Dawn",
        ]

        turn = await say(client, user, project, "delete scenes 2 and 3")
        assert turn["reply"] == "Deleted scene 2 “Market”.\nDeleted scene 3 “Dusk”."
        assert titles(await read(client, user, project)) == ["Golden Hour", "Dawn"]

        turn = await say(client, user, project, "which scenes have no script?")
        assert turn["reply"] == "1 of the 2 scenes has no script: scene 2 “Dawn”."

        turn = await say(client, user, project, "make the intro punchier")
        assert "Writing needs a connected language model" in turn["reply"]
        assert titles(await read(client, user, project)) == ["Golden Hour", "Dawn"]
