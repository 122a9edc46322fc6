"""What a model says is stored even when it holds text the database cannot: a person's input
with NUL is refused, but a model's answer is the turn's work, so its unstorable characters are
replaced (U+FFFD) and the turn completes."""

import httpx
import httpx2

from tests.api.conftest import edited_offline_client
from tests.api.test_chat import send
from tests.conftest import AppFactory, TestUser, asgi_client

Json = dict[str, object]


def unstorable_title(_request: httpx2.Request, body: bytes) -> bytes:
    """A NUL and a lone surrogate (as JSON escapes) slipped into the title the model uses: in
    the tool call's arguments (escaped once more, inside that JSON string) and wherever its
    answer repeats the title."""
    body = body.replace(b'\\"Dawn\\"', b'\\"Da\\\\u0000wn\\\\ud800\\"')
    return body.replace(b"Dawn", b"Da\\u0000wn\\ud800")


async def test_unstorable_text_from_the_model_is_stored_replaced(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    model = edited_offline_client(unstorable_title)
    try:
        app = make_app(model_client=model, CHAT_ENGINE="chat_completions")
        async with asgi_client(app) as client:
            answered = await send(client, user, project, "add a scene called Dawn")
            assert answered.status_code == 200, answered.text
            [call] = answered.json()["tool_calls"]
            assert call["name"] == "create_scene"
            assert call["arguments"]["title"] == "Da\ufffdwn\ufffd"
            assert not call["ok"]  # the tool refused the title, as the API would
            history: httpx.Response = await client.get(
                f"/api/chat/{project['id']}/messages", headers=user.headers
            )
            assert history.status_code == 200, history.text
            stored = history.json()["messages"]
            assert [message["role"] for message in stored] == ["user", "assistant"]
            assert "\x00" not in history.text
            assert "\\u0000" not in history.text
            assert stored[1]["tool_calls"][0]["arguments"]["title"] == "Da\ufffdwn\ufffd"
            assert (await send(client, user, project, "hello")).status_code == 200
    finally:
        await model.close()
