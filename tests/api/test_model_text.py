"""What a model says is stored even when it holds text the database cannot: a person's input
with NUL is refused, but a model's answer is the turn's work, so its unstorable characters are
replaced (U+FFFD) and the turn completes."""

import httpx
import httpx2
from openai import AsyncOpenAI

from backend.assistant.offline.app import create_offline_app
from backend.assistant.offline.client import IN_PROCESS_BASE_URL
from tests.api.test_chat import send
from tests.conftest import AppFactory, TestUser, asgi_client

Json = dict[str, object]


class UnstorableModelText(httpx2.AsyncBaseTransport):
    """The offline server, with a NUL and a lone surrogate (as JSON escapes) slipped into the
    title it uses: in the tool call's arguments (escaped once more, inside that JSON string)
    and wherever its answer repeats the title."""

    def __init__(self) -> None:
        self._inner = httpx2.ASGITransport(app=create_offline_app())

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        body = body.replace(b'\\"Dawn\\"', b'\\"Da\\\\u0000wn\\\\ud800\\"')
        body = body.replace(b"Dawn", b"Da\\u0000wn\\ud800")
        return httpx2.Response(response.status_code, headers=response.headers, content=body)


async def test_unstorable_text_from_the_model_is_stored_replaced(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    model = AsyncOpenAI(
        api_key="offline",
        base_url=IN_PROCESS_BASE_URL,
        http_client=httpx2.AsyncClient(transport=UnstorableModelText()),
        max_retries=0,
    )
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
