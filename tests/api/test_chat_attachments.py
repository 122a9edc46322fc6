"""Pictures sent with a chat message, through the HTTP API, the real engines, the unmodified SDK
and the offline model server: each engine sends them in its API's own shape (recorded as the
server received them), the offline model puts one on a scene when asked, a model that cannot
see answers without them, and a picture that is not the sender's is refused with nothing
stored."""

import base64
import json
from typing import Any

import httpx
import httpx2
import pytest
from fastapi import FastAPI

from backend.models import ChatMessage
from tests.api.conftest import edited_offline_client
from tests.api.test_chat import ENGINES, count, scenes_of, send
from tests.conftest import AppFactory, TestUser, UserFactory, asgi_client
from tests.pictures import picture, upload

Json = dict[str, Any]


async def upload_picture(
    client: httpx.AsyncClient, user: TestUser, name: str, color: tuple[int, int, int]
) -> Json:
    response = await client.post(
        "/api/files",
        files=upload(picture(size=(900, 600), color=color), name),
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def add_scenes(client: httpx.AsyncClient, user: TestUser, project: Json) -> None:
    for title in ("Dawn", "Beach"):
        response = await client.post(
            f"/api/projects/{project['id']}/scenes", json={"title": title}, headers=user.headers
        )
        assert response.status_code == 201, response.text


class Recorder:
    """What the model server received: each request's JSON body, by path."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, Json]] = []

    def __call__(self, request: httpx2.Request, body: bytes) -> bytes:
        if request.content:
            self.bodies.append((request.url.path, json.loads(request.content)))
        return body

    def user_contents(self) -> list[Any]:
        """The content of the last user message of every request that sent one, in whichever
        place its API puts it (Chat `messages`, a new thread's `messages`, a run's
        `additional_messages`, Responses `input`)."""
        found = []
        for _, body in self.bodies:
            for key in ("messages", "additional_messages", "input"):
                users = [m for m in body.get(key) or [] if m.get("role") == "user"]
                if users:
                    found.append(users[-1]["content"])
        return found

    def instructions(self) -> str:
        texts = []
        for _, body in self.bodies:
            texts += [str(body.get(k) or "") for k in ("instructions", "additional_instructions")]
            texts += [
                str(m.get("content")) for m in body.get("messages") or [] if m["role"] == "system"
            ]
        return "\n".join(texts)


def picture_parts(engine: str, text: str, data_urls: list[str]) -> list[Json]:
    """The user's message as each API takes it: its text, then the pictures."""
    if engine == "responses":
        return [
            {"type": "input_text", "text": text},
            *({"type": "input_image", "image_url": url, "detail": "low"} for url in data_urls),
        ]
    return [
        {"type": "text", "text": text},
        *({"type": "image_url", "image_url": {"url": url, "detail": "low"}} for url in data_urls),
    ]


async def thumbnail_url(client: httpx.AsyncClient, user: TestUser, file_id: str) -> str:
    thumbnail = await client.get(f"/api/files/{file_id}/thumbnail", headers=user.headers)
    assert thumbnail.status_code == 200
    content_type = thumbnail.headers["content-type"]
    return f"data:{content_type};base64,{base64.b64encode(thumbnail.content).decode()}"


@pytest.mark.parametrize("engine", ENGINES)
async def test_each_engine_sends_the_pictures_and_the_offline_model_uses_one(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    recorder = Recorder()
    model = edited_offline_client(recorder)
    try:
        app = make_app(model_client=model, **engine)
        async with asgi_client(app) as client:
            await add_scenes(client, user, project)
            beach = await upload_picture(client, user, "beach.png", (30, 120, 200))
            used = await send(
                client, user, project, "use this picture for scene 2", attachments=[beach["id"]]
            )
            assert used.status_code == 200, used.text
            body = used.json()
            assert body["reply"] == "Put the picture on scene 2 “Beach”."
            [call] = [c for c in body["tool_calls"] if c["name"] == "update_scene"]
            assert call["arguments"]["image_file_id"] == beach["id"]
            assert call["ok"]
            scenes = await scenes_of(client, user, project)
            assert scenes[1]["image_file_id"] == beach["id"]
            assert scenes[0]["image_file_id"] is None
            attachment = {
                "file_id": beach["id"],
                "filename": "beach.png",
                "content_type": "image/png",
            }
            assert body["messages"][0]["attachments"] == [attachment]
            assert body["messages"][1]["attachments"] == []

            # What the model server received: the thumbnail (not the 900 px original) as a
            # data URL in the engine's own shape, and the file id in the instructions.
            beach_url = await thumbnail_url(client, user, beach["id"])
            assert beach_url.startswith("data:image/webp;base64,")
            name = engine["CHAT_ENGINE"]
            sent = picture_parts(name, "use this picture for scene 2", [beach_url])
            assert sent in recorder.user_contents()
            assert f'Attached picture 1 (file id {beach["id"]}): "beach.png"' in (
                recorder.instructions()
            )

            # A second message (on Assistants: added to the existing thread by the run), two
            # pictures, no request about them: the offline model says it has them but is blind.
            dawn = await upload_picture(client, user, "dawn.png", (250, 180, 90))
            recorder.bodies.clear()
            mood = await send(
                client,
                user,
                project,
                "the mood for the film",
                attachments=[dawn["id"], beach["id"]],
            )
            assert mood.status_code == 200, mood.text
            reply = mood.json()["reply"]
            assert "I have your 2 pictures (“dawn.png”, “beach.png”)" in reply
            assert "I can't see pictures" in reply
            dawn_url = await thumbnail_url(client, user, dawn["id"])
            sent = picture_parts(name, "the mood for the film", [dawn_url, beach_url])
            assert sent in recorder.user_contents()
            if name == "assistants":
                assert any(path.endswith("/runs") for path, _ in recorder.bodies)
                assert not any(path == "/v1/threads" for path, _ in recorder.bodies)

            history = await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)
            messages = history.json()["messages"]
            assert [len(m["attachments"]) for m in messages] == [1, 0, 2, 0]
            assert [a["filename"] for a in messages[2]["attachments"]] == ["dawn.png", "beach.png"]
    finally:
        await model.close()


@pytest.mark.parametrize("engine", ["assistants", "responses", "chat_completions"])
async def test_a_model_that_cannot_see_answers_without_the_pictures_and_says_so(
    make_app: AppFactory, user: TestUser, project: Json, engine: str
) -> None:
    app = make_app(CHAT_ENGINE=engine, OPENAI_MODEL="offline-1+vision=refuse")
    async with asgi_client(app) as client:
        await add_scenes(client, user, project)
        beach = await upload_picture(client, user, "beach.png", (30, 120, 200))
        answered = await send(
            client, user, project, "use this picture for scene 1", attachments=[beach["id"]]
        )
        assert answered.status_code == 200, answered.text
        reply = answered.json()["reply"]
        assert reply.startswith(
            "The configured model (offline-1+vision=refuse) can't see pictures, so it read your "
            "message without them."
        )
        # Its file id still came with the words, so the picture still goes on the scene.
        assert reply.endswith("Put the picture on scene 1 “Dawn”.")
        assert (await scenes_of(client, user, project))[0]["image_file_id"] == beach["id"]


async def test_a_refusal_that_is_not_about_the_pictures_fails_the_turn(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    """Only a 400 about the pictures means a model that cannot see: any other (here, a model
    without tools) fails the turn as before, never answered as if the pictures were the cause."""
    app = make_app(CHAT_ENGINE="chat_completions", OPENAI_MODEL="offline-1+tools=refuse")
    async with asgi_client(app) as client:
        beach = await upload_picture(client, user, "beach.png", (30, 120, 200))
        async with client.stream(
            "POST",
            f"/api/chat/{project['id']}/stream",
            json={"message": "use this picture for scene 1", "attachments": [beach["id"]]},
            headers=user.headers,
        ) as response:
            assert response.status_code == 200
            text = "".join([chunk async for chunk in response.aiter_text()])
    assert "event: error" in text
    assert "can't see pictures" not in text  # no answer began as if they were the cause


async def test_the_stream_shows_the_message_with_its_pictures(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    beach = await upload_picture(client, user, "beach.png", (30, 120, 200))
    async with client.stream(
        "POST",
        f"/api/chat/{project['id']}/stream",
        json={"message": "a reference", "attachments": [beach["id"], beach["id"]]},
        headers=user.headers,
    ) as response:
        assert response.status_code == 200
        text = "".join([chunk async for chunk in response.aiter_text()])
    first = text.split("\n\n")[0]
    assert first.startswith("event: message\n")
    message = json.loads(first.split("data: ", 1)[1])
    # The same picture twice is sent once.
    assert [a["file_id"] for a in message["attachments"]] == [beach["id"]]
    assert "I have your picture (“beach.png”)" in text


async def test_pictures_that_are_not_the_senders_are_refused_and_nothing_is_stored(
    app: FastAPI,
    client: httpx.AsyncClient,
    user: TestUser,
    make_user: UserFactory,
    project: Json,
) -> None:
    other = await make_user()
    theirs = await upload_picture(client, other, "theirs.png", (10, 10, 10))
    mine = await upload_picture(client, user, "mine.png", (200, 10, 10))
    document = await client.post(
        "/api/files",
        files={"file": ("brief.txt", b"The brief.", "text/plain")},
        headers=user.headers,
    )
    assert document.status_code == 201, document.text
    for attachments, at in (
        ([mine["id"], theirs["id"]], 1),
        ([document.json()["id"]], 0),
        (["6d1f5b5e-0000-4000-8000-000000000000"], 0),
    ):
        refused = await send(client, user, project, "look", attachments=attachments)
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["detail"]
        assert error["loc"] == ["body", "attachments", at]
        assert "you have no uploaded picture with the id" in error["msg"]
    too_many = await send(client, user, project, "look", attachments=[mine["id"]] * 5)
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["body", "attachments"]
    assert await count(app, ChatMessage) == 0
    history = await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)
    assert history.json() == {
        "session_id": None,
        "is_active": None,
        "awaiting_approval": None,
        "messages": [],
    }


async def test_a_repeated_client_message_id_with_other_pictures_is_409(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    one = await upload_picture(client, user, "one.png", (1, 2, 3))
    two = await upload_picture(client, user, "two.png", (3, 2, 1))
    first = await send(
        client, user, project, "look", client_message_id="m1", attachments=[one["id"]]
    )
    assert first.status_code == 200, first.text
    again = await send(
        client, user, project, "look", client_message_id="m1", attachments=[one["id"]]
    )
    assert again.json()["messages"] == first.json()["messages"]
    other = await send(
        client, user, project, "look", client_message_id="m1", attachments=[two["id"]]
    )
    assert other.status_code == 409
