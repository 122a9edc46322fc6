"""Several conversations per project: each with its own history and provider state, titled by
its first message until renamed; `/api/chat/{project_id}/...` follows the current one."""

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.models import ChatSession, DiscardedThread
from tests.api.test_chat import ENGINES
from tests.conftest import AppFactory, TestUser, UserFactory, asgi_client

Json = dict[str, Any]


async def conversations(client: httpx.AsyncClient, user: TestUser, project: Json) -> list[Json]:
    response = await client.get(
        f"/api/projects/{project['id']}/conversations", headers=user.headers
    )
    assert response.status_code == 200, response.text
    return list(response.json())


async def say(client: httpx.AsyncClient, user: TestUser, path: str, message: str) -> Json:
    response = await client.post(f"{path}/send", json={"message": message}, headers=user.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def contents(client: httpx.AsyncClient, user: TestUser, path: str) -> list[str]:
    history = (await client.get(f"{path}/messages", headers=user.headers)).json()
    return [message["content"] for message in history["messages"] if message["role"] == "user"]


async def test_a_project_starts_with_no_conversation_and_the_first_message_names_one(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    assert await conversations(client, user, project) == []
    first = await say(
        client,
        user,
        f"/api/chat/{project['id']}",
        "add a scene called Opening\nand then some more words that stay out of the title",
    )
    [listed] = await conversations(client, user, project)
    assert listed["id"] == first["session_id"]
    assert listed["title"] == "add a scene called Opening"
    assert listed["message_count"] == 2
    assert listed["is_current"] is True
    assert listed["is_active"] is True


async def test_a_new_conversation_becomes_current_and_keeps_its_own_history(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    chat = f"/api/chat/{project['id']}"
    structure = (await say(client, user, chat, "add a scene called Opening"))["session_id"]
    created = await client.post(
        f"/api/projects/{project['id']}/conversations",
        json={"title": "Dialogue"},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    dialogue = created.json()
    assert (dialogue["title"], dialogue["message_count"], dialogue["is_current"]) == (
        "Dialogue",
        0,
        True,
    )
    # The project's chat routes now mean the new conversation.
    assert await contents(client, user, chat) == []
    assert (await say(client, user, chat, "add a scene called Talk"))["session_id"] == dialogue[
        "id"
    ]
    assert await contents(client, user, f"/api/conversations/{structure}") == [
        "add a scene called Opening"
    ]
    assert await contents(client, user, f"/api/conversations/{dialogue['id']}") == [
        "add a scene called Talk"
    ]
    listed = await conversations(client, user, project)
    assert [(item["title"], item["is_current"]) for item in listed] == [
        ("Dialogue", True),  # the most recently active first
        ("add a scene called Opening", False),
    ]

    # Writing in the older conversation makes it the current one again.
    await say(client, user, f"/api/conversations/{structure}", "rename the project to Trip")
    listed = await conversations(client, user, project)
    assert [(item["id"], item["is_current"]) for item in listed] == [
        (structure, True),
        (dialogue["id"], False),
    ]
    assert await contents(client, user, chat) == [
        "add a scene called Opening",
        "rename the project to Trip",
    ]


async def test_renaming_keeps_the_title_and_refuses_blank_ones(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    conversation = (await say(client, user, f"/api/chat/{project['id']}", "show the project"))[
        "session_id"
    ]
    path = f"/api/conversations/{conversation}"
    renamed = await client.patch(path, json={"title": "  Structure "}, headers=user.headers)
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["title"], renamed.json()["message_count"]) == ("Structure", 2)
    for bad in ({"title": "   "}, {"title": "x" * 121}, {"title": None}, {}):
        assert (await client.patch(path, json=bad, headers=user.headers)).status_code == 422
    await say(client, user, path, "add a scene called Later")
    assert (await conversations(client, user, project))[0]["title"] == "Structure"


async def test_deleting_the_current_conversation_makes_the_latest_other_current(
    client: httpx.AsyncClient, user: TestUser, project: Json, app: FastAPI
) -> None:
    chat = f"/api/chat/{project['id']}"
    older = (await say(client, user, chat, "add a scene called One"))["session_id"]
    await client.post(f"/api/projects/{project['id']}/conversations", json={}, headers=user.headers)
    newer = (await say(client, user, chat, "add a scene called Two"))["session_id"]
    async with app.state.session_factory() as session:
        thread = await session.scalar(
            select(ChatSession.openai_thread_id).where(ChatSession.id == uuid.UUID(newer))
        )
    assert thread is not None  # the default engine keeps a provider thread per conversation

    deleted = await client.delete(f"/api/conversations/{newer}", headers=user.headers)
    assert deleted.status_code == 204
    assert (
        await client.get(f"/api/conversations/{newer}/messages", headers=user.headers)
    ).status_code == 404
    [left] = await conversations(client, user, project)
    assert (left["id"], left["is_current"]) == (older, True)
    assert await contents(client, user, chat) == ["add a scene called One"]
    async with app.state.session_factory() as session:
        assert await session.get(DiscardedThread, thread) is not None  # the cleanup job deletes it

    # The project route's DELETE ends the current one; the next message starts afresh.
    assert (await client.delete(chat, headers=user.headers)).status_code == 204
    assert await conversations(client, user, project) == []
    again = await say(client, user, chat, "add a scene called Three")
    assert again["session_id"] not in (older, newer)


@pytest.mark.parametrize("engine", ENGINES)
async def test_conversations_keep_their_own_provider_state_on_every_engine(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        first = (await say(client, user, f"/api/chat/{project['id']}", "add a scene called Alpha"))[
            "session_id"
        ]
        second = (
            await client.post(
                f"/api/projects/{project['id']}/conversations", json={}, headers=user.headers
            )
        ).json()["id"]
        await say(client, user, f"/api/conversations/{second}", "add a scene called Beta")
        await say(client, user, f"/api/conversations/{first}", "add a scene called Gamma")
        async with app.state.session_factory() as session:
            rows = {
                row.id: row
                for row in await session.scalars(
                    select(ChatSession).where(ChatSession.project_id == uuid.UUID(project["id"]))
                )
            }
        states = {
            str(key): (row.openai_thread_id, row.openai_response_id) for key, row in rows.items()
        }
        if engine["CHAT_ENGINE"] != "chat_completions":  # it keeps no provider state
            assert states[first] != states[second]
        if engine["CHAT_ENGINE"] == "assistants":
            for conversation, expected in [(first, ["Alpha", "Gamma"]), (second, ["Beta"])]:
                thread = states[conversation][0]
                assert thread is not None
                listed = await app.state.model_client.beta.threads.messages.list(
                    thread, order="asc"
                )
                said = [
                    part.text.value
                    for message in listed.data
                    if message.role == "user"
                    for part in message.content
                ]
                assert said == [f"add a scene called {title}" for title in expected]
        if engine["CHAT_ENGINE"] == "responses":
            assert None not in (states[first][1], states[second][1])
        assert await contents(client, user, f"/api/conversations/{second}") == [
            "add a scene called Beta"
        ]


async def test_another_users_conversation_is_404_everywhere(
    client: httpx.AsyncClient, user: TestUser, project: Json, make_user: UserFactory
) -> None:
    conversation = (await say(client, user, f"/api/chat/{project['id']}", "show the project"))[
        "session_id"
    ]
    intruder = await make_user()
    path = f"/api/conversations/{conversation}"
    for method, suffix, body in [
        ("GET", "/messages", None),
        ("POST", "/send", {"message": "delete scene 1"}),
        ("POST", "/stream", {"message": "delete scene 1"}),
        ("POST", "/cancel", None),
        ("PATCH", "", {"title": "mine"}),
        ("DELETE", "", None),
    ]:
        response = await client.request(method, path + suffix, json=body, headers=intruder.headers)
        assert response.status_code == 404, (method, suffix, response.text)
        assert response.json() == {"detail": "Conversation not found"}
    listed = await client.get(
        f"/api/projects/{project['id']}/conversations", headers=intruder.headers
    )
    assert listed.status_code == 404
    assert [item["title"] for item in await conversations(client, user, project)] == [
        "show the project"
    ]
