"""Regenerate the last answer, and edit the last message and send it again: what is replaced is
kept (superseded), what its turn changed is undone first, and the model sees the conversation
as it was before that message, on every engine."""

import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.models import ChatSession, DiscardedThread
from tests.api.test_chat import ENGINES, scenes_of
from tests.conftest import AppFactory, TestUser, UserFactory, asgi_client

Json = dict[str, Any]


async def say(client: httpx.AsyncClient, user: TestUser, path: str, message: str) -> Json:
    response = await client.post(f"{path}/send", json={"message": message}, headers=user.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def regenerate(
    client: httpx.AsyncClient, user: TestUser, path: str, body: Json | None = None
) -> httpx.Response:
    return await client.post(f"{path}/regenerate", json=body, headers=user.headers)


async def history(client: httpx.AsyncClient, user: TestUser, path: str) -> list[tuple[str, str]]:
    """(status, content) of every message, oldest first."""
    listed = await client.get(f"{path}/messages?limit=200", headers=user.headers)
    assert listed.status_code == 200, listed.text
    return [(m["status"], m["content"]) for m in listed.json()["messages"]]


async def titles(client: httpx.AsyncClient, user: TestUser, project: Json) -> list[str]:
    return [scene["title"] for scene in await scenes_of(client, user, project)]


async def latest_change_sets(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> list[tuple[str, str | None]]:
    """(actor kind, the change set it undoes) of the project's three newest change sets."""
    history = await client.get(f"/api/projects/{project['id']}/history", headers=user.headers)
    return [(c["actor"]["kind"], c["undoes"]) for c in history.json()["change_sets"][:3]]


async def provider_state(app: FastAPI, conversation: str) -> tuple[str | None, str | None]:
    async with app.state.session_factory() as session:
        row = await session.get(ChatSession, uuid.UUID(conversation))
        assert row is not None
        return row.openai_thread_id, row.openai_response_id


async def start_story(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> tuple[str, str | None]:
    """Alpha, then Beta, then a question about scene 1 (so the conversation last touched
    Alpha): the conversation, and the Responses chain's head after Beta."""
    chat = f"/api/chat/{project['id']}"
    conversation = str((await say(client, user, chat, "add a scene called Alpha"))["session_id"])
    await say(client, user, chat, "add a scene called Beta")
    after_beta = (await provider_state(app, conversation))[1]
    await say(client, user, chat, "what's in scene 1?")
    return conversation, after_beta


@pytest.mark.parametrize("engine", ENGINES)
async def test_an_edited_message_is_answered_as_if_the_old_one_was_never_sent(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        conversation, after_beta = await start_story(app, client, user, project)
        path = f"/api/conversations/{conversation}"
        before = await provider_state(app, conversation)

        # "it" is the scene the conversation last touched: with the question about scene 1 gone,
        # that is Beta (the scene the answer before it added).
        edited = await regenerate(client, user, path, {"message": "rename it to Gamma"})
        assert edited.status_code == 200, edited.text
        body = edited.json()
        assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
        assert body["messages"][0]["content"] == "rename it to Gamma"
        assert (body["tool_calls"][-1]["name"], body["tool_calls"][-1]["ok"]) == (
            "update_scene_title",
            True,
        )
        assert await titles(client, user, project) == ["Alpha", "Gamma"]
        stored = await history(client, user, path)
        assert stored[:5] == [
            ("complete", "add a scene called Alpha"),
            ("complete", "Added scene 1 “Alpha”."),
            ("complete", "add a scene called Beta"),
            ("complete", "Added scene 2 “Beta”."),
            ("superseded", "what's in scene 1?"),
        ]
        # The replaced answer (about scene 1, Alpha), then the edited message and its answer.
        assert stored[5][0] == "superseded"
        assert "Alpha" in stored[5][1]
        assert stored[6:] == [("complete", "rename it to Gamma"), ("complete", body["reply"])]

        after = await provider_state(app, conversation)
        if engine["CHAT_ENGINE"] == "assistants":
            # A fresh thread, seeded from the history that stands; the old one is let go.
            assert before[0] is not None
            assert after[0] not in (None, before[0])
            async with app.state.session_factory() as session:
                assert await session.get(DiscardedThread, before[0]) is not None
            listed = await app.state.model_client.beta.threads.messages.list(after[0], order="asc")
            said = [p.text.value for m in listed.data if m.role == "user" for p in m.content]
            assert said == [
                "add a scene called Alpha",
                "add a scene called Beta",
                "rename it to Gamma",
            ]
        if engine["CHAT_ENGINE"] == "responses":
            # The chain continues from Beta's answer, not from the replaced question's.
            chain = await response_chain(app, after[1])
            assert after_beta in chain
            assert before[1] not in chain


async def response_chain(app: FastAPI, head: str | None) -> list[str]:
    """Every response the chain that ends at `head` holds, newest first."""
    chain = []
    while head is not None:
        chain.append(head)
        head = (await app.state.model_client.responses.retrieve(head)).previous_response_id
    return chain


async def test_sent_after_the_question_it_means_the_scene_the_question_touched(
    client: httpx.AsyncClient, app: FastAPI, user: TestUser, project: Json
) -> None:
    """The control for the test above: the same words sent as a new message rename Alpha."""
    await start_story(app, client, user, project)
    await say(client, user, f"/api/chat/{project['id']}", "rename it to Gamma")
    assert await titles(client, user, project) == ["Gamma", "Beta"]


@pytest.mark.parametrize("engine", ENGINES)
async def test_regenerating_takes_back_the_answers_changes_and_answers_again(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        chat = f"/api/chat/{project['id']}"
        first = await say(client, user, chat, "add a scene called Alpha")
        again = await regenerate(client, user, chat)
        assert again.status_code == 200, again.text
        body = again.json()
        # The same message, answered again: no second copy of it, and one Alpha, not two.
        assert body["messages"][0]["id"] == first["messages"][0]["id"]
        assert body["reply"] == "Added scene 1 “Alpha”."
        assert await titles(client, user, project) == ["Alpha"]
        assert await history(client, user, chat) == [
            ("complete", "add a scene called Alpha"),
            ("superseded", "Added scene 1 “Alpha”."),
            ("complete", "Added scene 1 “Alpha”."),
        ]
        # Newest first: the new answer's, the undo of the first (by the user), the first.
        assert await latest_change_sets(client, user, project) == [
            ("assistant", None),
            ("user", first["change_set_id"]),
            ("assistant", None),
        ]
        # The turn ledger has both turns; each answer keeps its own receipt.
        turns = (await client.get(f"{chat}/turns", headers=user.headers)).json()
        assert len(turns) == 2
        assert body["change_set_id"] not in (None, first["change_set_id"])


async def test_an_answer_whose_changes_were_edited_since_is_not_replaced(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    chat = f"/api/chat/{project['id']}"
    await say(client, user, chat, "add a scene called Alpha")
    [scene] = await scenes_of(client, user, project)
    renamed = await client.put(
        f"/api/scenes/{scene['id']}", json={"title": "Mine"}, headers=user.headers
    )
    assert renamed.status_code == 200, renamed.text
    before = await history(client, user, chat)
    refused = await regenerate(client, user, chat)
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"].startswith("The earlier answer's changes can't be taken back")
    assert await history(client, user, chat) == before  # nothing superseded, nothing added
    assert await titles(client, user, project) == ["Mine"]


async def test_an_unanswered_message_is_sent_again_and_the_failed_one_kept(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    failing = make_app(OPENAI_MODEL="offline-1+fault=quota", OPENAI_MAX_RETRIES=0)
    async with asgi_client(failing) as client:
        chat = f"/api/chat/{project['id']}"
        failed = await client.post(
            f"{chat}/send", json={"message": "add a scene called Alpha"}, headers=user.headers
        )
        assert failed.status_code in (429, 502), failed.text
        assert await history(client, user, chat) == [("failed", "add a scene called Alpha")]
    working = make_app(model_client=failing.state.model_client, OPENAI_MODEL="offline-1")
    async with asgi_client(working) as client:
        answered = await regenerate(client, user, chat)
        assert answered.status_code == 200, answered.text
        assert await history(client, user, chat) == [
            ("superseded", "add a scene called Alpha"),
            ("complete", "add a scene called Alpha"),
            ("complete", "Added scene 1 “Alpha”."),
        ]
        assert await titles(client, user, project) == ["Alpha"]


async def test_regenerate_streams_like_a_send(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    chat = f"/api/chat/{project['id']}"
    asked = (await say(client, user, chat, "add a scene called Alpha"))["messages"][0]
    async with client.stream(
        "POST",
        f"{chat}/regenerate/stream",
        json={"message": "add a scene called Omega"},
        headers=user.headers,
    ) as response:
        assert response.status_code == 200
        events = [
            (block.split("\n")[0][7:], json.loads(block.split("\n")[1][6:]))
            for block in (await response.aread()).decode().strip().split("\n\n")
        ]
    names = [name for name, _ in events]
    assert (names[0], names[-1]) == ("message", "done")
    assert {"tool_call", "delta"} <= set(names)
    assert events[0][1]["content"] == "add a scene called Omega"
    assert events[0][1]["id"] != asked["id"]
    assert await titles(client, user, project) == ["Omega"]


async def test_nothing_to_regenerate_bad_bodies_and_other_peoples_conversations(
    client: httpx.AsyncClient, user: TestUser, project: Json, make_user: UserFactory
) -> None:
    chat = f"/api/chat/{project['id']}"
    empty = await regenerate(client, user, chat)
    assert empty.status_code == 409
    assert empty.json()["detail"] == "There is no message to answer again yet: send one first."
    conversation = (await say(client, user, chat, "show the project"))["session_id"]
    path = f"/api/conversations/{conversation}"
    for bad in ({"message": ""}, {"message": "   "}, {"message": "x" * 8001}, {"text": "hi"}):
        response = await regenerate(client, user, path, bad)
        assert response.status_code == 422, (bad, response.text)
    intruder = await make_user()
    for suffix in ("/regenerate", "/regenerate/stream", "/turns"):
        method = "GET" if suffix == "/turns" else "POST"
        response = await client.request(method, path + suffix, headers=intruder.headers)
        assert response.status_code == 404, (suffix, response.text)
    stored = await history(client, user, path)
    assert [status for status, _ in stored] == ["complete", "complete"]
    assert stored[0][1] == "show the project"


async def test_a_conversations_turns_are_its_own_even_when_it_is_not_current(
    client: httpx.AsyncClient, user: TestUser, project: Json, app: FastAPI
) -> None:
    chat = f"/api/chat/{project['id']}"
    older = (await say(client, user, chat, "add a scene called One"))["session_id"]
    await say(client, user, chat, "add a scene called Two")
    await client.post(f"/api/projects/{project['id']}/conversations", json={}, headers=user.headers)
    await say(client, user, chat, "show the project")
    turns = await client.get(f"/api/conversations/{older}/turns", headers=user.headers)
    assert turns.status_code == 200, turns.text
    assert len(turns.json()) == 2
    assert len((await client.get(f"{chat}/turns", headers=user.headers)).json()) == 1
    async with app.state.session_factory() as session:
        current = await session.scalar(
            select(ChatSession.id).where(
                ChatSession.project_id == uuid.UUID(project["id"]),
                ChatSession.is_current.is_(True),
            )
        )
    assert current is not None
    assert str(current) != older


async def test_an_answer_already_undone_is_answered_again_without_a_second_undo(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    chat = f"/api/chat/{project['id']}"
    first = await say(client, user, chat, "add a scene called Alpha")
    undone = await client.post(
        f"/api/change-sets/{first['change_set_id']}/undo", headers=user.headers
    )
    assert undone.status_code == 201, undone.text
    assert await titles(client, user, project) == []
    again = await regenerate(client, user, chat)
    assert again.status_code == 200, again.text
    assert await titles(client, user, project) == ["Alpha"]
    # Newest first: the new answer's, the person's own undo, the first answer's; nothing more.
    assert await latest_change_sets(client, user, project) == [
        ("assistant", None),
        ("user", first["change_set_id"]),
        ("assistant", None),
    ]


async def test_regenerate_while_the_turn_waits_for_an_approval_is_409(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    chat = f"/api/chat/{project['id']}"
    await say(client, user, chat, "add a scene called Alpha")
    paused = await client.post(
        f"{chat}/send", json={"message": "delete scene 1"}, headers=user.headers
    )
    assert paused.status_code == 202, paused.text
    refused = await regenerate(client, user, chat, {"message": "add a scene called Beta"})
    assert refused.status_code == 409, refused.text
    assert "already in progress" in refused.json()["detail"]
    assert await titles(client, user, project) == ["Alpha"]
