"""How a turn fails: the engines agree on a cut stream, a provider failure is logged with its
cause, a bug in a tool or the database is reported as such, and every failure leaves the user's
message marked (with the tool calls that ran) and the conversation usable."""

import dataclasses
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.assistant.offline.app import create_offline_app
from backend.assistant.tools import TOOLS
from backend.core.logging import JsonFormatter
from backend.models import ChatMessage, ChatTurn
from backend.repositories import chat as chat_repository
from tests.api.conftest import edited_offline_client
from tests.api.test_chat import ENGINES, count, scenes_of, send
from tests.conftest import AppFactory, TestUser, asgi_client, sse_events
from tests.servers import serve

Json = dict[str, Any]
STREAMED_ENGINES = [engine for engine in ENGINES if "poll" not in str(engine.id)]
INCOMPLETE = "stream ended before the reply was complete"
UNEXPECTED = "The assistant failed unexpectedly"


class ChatLog(logging.Handler):
    """The `scenecraft.chat` records of one test (that logger does not propagate to the root)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def named(self, message: str) -> list[logging.LogRecord]:
        return [record for record in self.records if record.getMessage() == message]

    def formatted(self) -> str:
        formatter = JsonFormatter()
        return "\n".join(formatter.format(record) for record in self.records)


@pytest.fixture
def chat_log() -> Iterator[ChatLog]:
    handler = ChatLog()
    logger = logging.getLogger("scenecraft.chat")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


async def history(client: httpx.AsyncClient, user: TestUser, project: Json) -> list[Json]:
    response = await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)
    return list(response.json()["messages"])


async def stream_events(
    client: httpx.AsyncClient, user: TestUser, project: Json, message: str
) -> list[tuple[str, Json]]:
    async with client.stream(
        "POST",
        f"/api/chat/{project['id']}/stream",
        json={"message": message},
        headers=user.headers,
    ) as response:
        return [event async for event in sse_events(response)]


async def turn_ids(app: FastAPI) -> list[str]:
    async with app.state.session_factory() as session:
        return [str(turn_id) for turn_id in await session.scalars(select(ChatTurn.id))]


@pytest.mark.parametrize("engine", STREAMED_ENGINES)
@pytest.mark.parametrize(
    "message",
    [
        pytest.param("add a scene called Lost", id="cut-in-tool-calls"),
        pytest.param("hello there", id="cut-in-text"),
    ],
)
async def test_a_cut_stream_fails_the_turn_on_every_engine_and_runs_no_tool(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str], message: str
) -> None:
    """The offline server ends the body cleanly in the middle of the tool-call deltas, or half
    way through the text: no engine may run a call from it or store the partial text."""
    faulty = make_app(OPENAI_MODEL="offline-1+fault=stream_cut", OPENAI_MAX_RETRIES=0, **engine)
    healthy = make_app(model_client=faulty.state.model_client, OPENAI_MODEL="offline-1", **engine)
    async with asgi_client(faulty) as failing, asgi_client(healthy) as working:
        events = await stream_events(failing, user, project, message)
        names = [name for name, _ in events]
        assert {"tool_call", "tool_result"}.isdisjoint(names), names
        assert names[-1] == "error"
        assert events[-1][1]["status"] == 502
        assert INCOMPLETE in events[-1][1]["detail"]
        assert await scenes_of(working, user, project) == []
        assert await count(healthy, ChatMessage, role="assistant") == 0
        [kept] = await history(working, user, project)
        assert (kept["content"], kept["status"], kept["tool_calls"]) == (message, "failed", [])

        recovered = await send(working, user, project, "add a scene called Found")
        assert recovered.status_code == 200, recovered.text
        assert [s["title"] for s in await scenes_of(working, user, project)] == ["Found"]


def cut_polls(request: httpx2.Request, body: bytes) -> bytes:
    """A polled run's answer cut in half once it asks for tools: the JSON a dropped connection
    leaves behind."""
    if request.method == "GET" and b'"requires_action"' in body:
        return body[: len(body) // 2]
    return body


async def test_a_cut_poll_fails_the_turn_and_runs_no_tool(
    make_app: AppFactory, user: TestUser, project: Json, chat_log: ChatLog
) -> None:
    """The polled Assistants run has no stream to cut (the offline `stream_cut` fault does not
    touch it): its equivalent is a run poll whose JSON breaks off."""
    cutting = edited_offline_client(cut_polls)
    try:
        app = make_app(model_client=cutting, CHAT_ENGINE="assistants", CHAT_ASSISTANTS_MODE="poll")
        async with asgi_client(app) as client:
            failed = await send(client, user, project, "add a scene called Lost")
            assert failed.status_code == 502, failed.text
            assert "could not read" in failed.json()["detail"]
            assert await scenes_of(client, user, project) == []
            [kept] = await history(client, user, project)
            assert (kept["status"], kept["tool_calls"]) == ("failed", [])
            [logged] = chat_log.named("chat turn failed: the model provider")
            assert logged.provider["cause"] == "JSONDecodeError"  # type: ignore[attr-defined]
            assert logged.turn_id in await turn_ids(app)  # type: ignore[attr-defined]
            assert (await send(client, user, project, "hello")).status_code == 200
    finally:
        await cutting.close()


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_tool_that_raises_is_a_bug_not_a_provider_error(
    make_app: AppFactory,
    user: TestUser,
    project: Json,
    engine: dict[str, str],
    chat_log: ChatLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(session: AsyncSession, context: object, arguments: object) -> Json:
        raise RuntimeError("a bug in the tool")

    monkeypatch.setitem(
        TOOLS, "create_scene", dataclasses.replace(TOOLS["create_scene"], handler=broken)
    )
    app = make_app(**engine)
    async with asgi_client(app) as client:
        failed = await send(client, user, project, "add a scene called Lost")
        assert failed.status_code == 502, failed.text
        assert failed.json()["detail"].startswith(UNEXPECTED)
        [logged] = chat_log.named("chat turn failed unexpectedly")
        assert logged.turn_id in await turn_ids(app)  # type: ignore[attr-defined]
        assert logged.exc_info is not None
        assert "a bug in the tool" in str(logged.exc_info[1])
        assert chat_log.named("chat turn failed: the model provider") == []
        [kept] = await history(client, user, project)
        assert kept["status"] == "failed"
        assert (await send(client, user, project, "hello")).status_code == 200


async def test_provider_failures_are_logged_with_their_cause_and_never_the_key(
    make_app: AppFactory, user: TestUser, project: Json, chat_log: ChatLog
) -> None:
    """Through a real socket and a configured key: the log has the SDK's exception, the HTTP
    status and the error code, and the key appears nowhere in it."""
    key = "sk-test-" + uuid.uuid4().hex
    async with serve(create_offline_app()) as url:
        app = make_app(
            OPENAI_API_KEY=SecretStr(key),
            OPENAI_BASE_URL=url + "/v1",
            OPENAI_MODEL="offline-1+fault=quota",
            OPENAI_MAX_RETRIES=0,
            CHAT_ENGINE="responses",
        )
        async with asgi_client(app) as client:
            failed = await send(client, user, project, "add a scene called Lost")
    assert failed.status_code == 502
    assert "no quota" in failed.json()["detail"]
    [logged] = chat_log.named("chat turn failed: the model provider")
    assert logged.provider == {  # type: ignore[attr-defined]
        "cause": "RateLimitError",
        "status": 429,
        "code": "insufficient_quota",
        "request_id": None,
    }
    assert logged.turn_id in await turn_ids(app)  # type: ignore[attr-defined]
    assert key not in chat_log.formatted()


async def test_a_database_failure_storing_the_answer_fails_the_turn(
    make_app: AppFactory,
    user: TestUser,
    project: Json,
    chat_log: ChatLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answer's transaction fails with a real database error: the turn ends failed (502, not
    a 500 with the turn left running), the tool's change and its record stay, and the next
    message works."""

    async def failing_touch(session: AsyncSession, session_id: uuid.UUID, **values: Any) -> None:
        await session.execute(text("UPDATE no_such_table SET x = 1"))

    app = make_app()
    async with asgi_client(app) as client:
        with monkeypatch.context() as patched:
            patched.setattr(chat_repository, "touch_session", failing_touch)
            failed = await send(client, user, project, "add a scene called Kept")
        assert failed.status_code == 502, failed.text
        assert failed.json()["detail"].startswith(UNEXPECTED)
        assert await count(app, ChatTurn, status="failed") == 1
        assert await count(app, ChatTurn, status="running") == 0
        assert await count(app, ChatMessage, role="assistant") == 0
        [logged] = chat_log.named("chat turn failed unexpectedly")
        assert logged.turn_id in await turn_ids(app)  # type: ignore[attr-defined]
        assert [s["title"] for s in await scenes_of(client, user, project)] == ["Kept"]
        [kept] = await history(client, user, project)
        assert kept["status"] == "failed"
        assert [(c["name"], c["ok"]) for c in kept["tool_calls"]] == [("create_scene", True)]

        again = await send(client, user, project, "add a scene called Next")
        assert again.status_code == 200, again.text
        assert [m["status"] for m in await history(client, user, project)] == [
            "failed",
            "complete",
            "complete",
        ]


async def test_a_stopped_turn_shows_as_cancelled_with_the_tools_that_ran(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    """Stopped once its tool has run, while the model takes a second over the answer: after a
    reload the history marks the message cancelled and lists the change that stays."""
    app = make_app(OFFLINE_MODEL_LATENCY_MS=1000)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, headers=user.headers) as client:
        chat = f"/api/chat/{project['id']}"
        async with client.stream(
            "POST", chat + "/stream", json={"message": "add a scene called Kept"}
        ) as response:
            lines = response.aiter_lines()
            async for line in lines:
                if line == "event: tool_result":
                    break
            assert (await client.post(chat + "/cancel")).json() == {"cancelled": True}
            rest = [line async for line in lines]
        done = json.loads(rest[rest.index("event: done") + 1].removeprefix("data: "))
        assert done["cancelled"] is True
        assert done["messages"][0]["status"] == "cancelled"

        [stopped] = (await client.get(chat + "/messages")).json()["messages"]
        assert (stopped["content"], stopped["status"]) == ("add a scene called Kept", "cancelled")
        assert [(c["name"], c["ok"]) for c in stopped["tool_calls"]] == [("create_scene", True)]
        assert json.loads(stopped["tool_calls"][0]["output"])["scene"]["title"] == "Kept"
        assert await count(app, ChatMessage, role="assistant") == 0
