"""Which assistant answers, the live check of it, and the turn ledger: through the HTTP API, the
real engines, the unmodified SDK and the offline model server (also one that refuses tools, and
a server that is not there)."""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from backend.assistant.offline.client import create_offline_client
from backend.assistant.offline.knobs import OfflineSettings
from backend.models import ChatTurn
from tests.api.test_chat import ENGINES, count, send
from tests.conftest import AppFactory, TestUser, UserFactory, asgi_client
from tests.servers import eventually, free_port

Json = dict[str, Any]
CHECK_NAMES = ["models", "answer", "tools", "streaming", "image"]
SURFACES = [
    pytest.param("assistants", id="assistants"),
    pytest.param("responses", id="responses"),
    pytest.param("chat_completions", id="chat_completions"),
]


async def turns_of(client: httpx.AsyncClient, user: TestUser, project: Json) -> list[Json]:
    response = await client.get(f"/api/chat/{project['id']}/turns", headers=user.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


def checks_by_name(body: Json) -> dict[str, Json]:
    assert [check["name"] for check in body["checks"]] == CHECK_NAMES
    for check in body["checks"]:
        assert isinstance(check["ms"], int)
        assert check["ms"] >= 0
        assert check["detail"]
    return {check["name"]: check for check in body["checks"]}


# --- status and check ----------------------------------------------------------------------------


async def test_status_names_the_offline_model_and_what_it_can_do(
    client: httpx.AsyncClient, user: TestUser
) -> None:
    assert (await client.get("/api/assistant")).status_code == 401
    response = await client.get("/api/assistant", headers=user.headers)
    assert response.status_code == 200
    assert response.json() == {
        "engine": "assistants",
        "model": "offline-1",
        "provider": "offline",
        "label": "Offline demo model",
        "base_url_host": None,
        "capabilities": {
            "tools": True,
            "streaming": True,
            "parallel_tool_calls": True,
            "vision": False,
        },
        "checked_at": None,
    }


async def test_status_of_a_configured_server_names_its_host_never_its_key(
    make_app: AppFactory, user: TestUser
) -> None:
    app = make_app(
        OPENAI_API_KEY=SecretStr("sk-very-secret-key"),
        OPENAI_BASE_URL="http://someone:hunter2@models.example.com:11434/v1",
        OPENAI_MODEL="llama3.1",
        CHAT_ENGINE="chat_completions",
    )
    async with asgi_client(app) as client:
        response = await client.get("/api/assistant", headers=user.headers)
    body = response.json()
    assert body["provider"] == "compatible"
    assert body["base_url_host"] == "models.example.com:11434"
    assert body["label"] == body["model"] == "llama3.1"
    assert body["capabilities"] == dict.fromkeys(
        ("tools", "streaming", "parallel_tool_calls", "vision")
    )
    for secret in ("sk-very-secret-key", "hunter2", "someone"):
        assert secret not in response.text


@pytest.mark.parametrize("engine", SURFACES)
async def test_check_probes_the_offline_model_on_each_surface(
    make_app: AppFactory, user: TestUser, engine: str
) -> None:
    app = make_app(CHAT_ENGINE=engine)
    async with asgi_client(app) as client:
        response = await client.post("/api/assistant/check", headers=user.headers)
        assert response.status_code == 200, response.text
        checks = checks_by_name(response.json())
        assert all(checks[name]["ok"] for name in ("models", "answer", "tools", "streaming"))
        assert "get_project_details" in checks["tools"]["detail"]
        assert checks["image"]["ok"] is False
        assert "cannot see images" in checks["image"]["detail"]

        status = (await client.get("/api/assistant", headers=user.headers)).json()
        assert status["checked_at"] is not None
        assert status["engine"] == engine
        assert status["capabilities"] == {
            "tools": True,
            "streaming": True,
            "parallel_tool_calls": True,
            "vision": False,
        }


async def test_check_is_throttled_per_account(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    first, second = await make_user(), await make_user()
    assert (await client.post("/api/assistant/check")).status_code == 401
    assert (await client.post("/api/assistant/check", headers=first.headers)).status_code == 200
    again = await client.post("/api/assistant/check", headers=first.headers)
    assert again.status_code == 429
    assert 1 <= int(again.headers["retry-after"]) <= 30
    assert "try again" in again.json()["detail"]
    # Another account is not held back by the first one's check.
    assert (await client.post("/api/assistant/check", headers=second.headers)).status_code == 200


@pytest.mark.parametrize("engine", SURFACES)
async def test_check_says_when_the_model_does_not_support_tools(
    make_app: AppFactory, user: TestUser, engine: str
) -> None:
    refusing = create_offline_client(settings=OfflineSettings(refuse_tools=True))
    app = make_app(model_client=refusing, CHAT_ENGINE=engine)
    try:
        async with asgi_client(app) as client:
            response = await client.post("/api/assistant/check", headers=user.headers)
            checks = checks_by_name(response.json())
            assert checks["tools"]["ok"] is False
            detail = checks["tools"]["detail"]
            assert "this model does not support tools" in detail
            assert "OPENAI_MODEL" in detail
            assert "CHAT_ENGINE=" in detail
            assert f"CHAT_ENGINE={engine}" not in detail
            assert checks["answer"]["ok"]
            assert checks["streaming"]["ok"]
            status = (await client.get("/api/assistant", headers=user.headers)).json()
            assert status["capabilities"]["tools"] is False
            assert status["capabilities"]["parallel_tool_calls"] is False
    finally:
        await refusing.close()


async def test_check_of_an_unreachable_server_says_so_on_every_probe(
    make_app: AppFactory, user: TestUser
) -> None:
    port = free_port()  # nothing listens there
    app = make_app(
        OPENAI_API_KEY=SecretStr("sk-test"),
        OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1",
        OPENAI_MODEL="some-model",
        CHAT_ENGINE="chat_completions",
    )
    async with asgi_client(app) as client:
        response = await client.post("/api/assistant/check", headers=user.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["provider"] == "compatible"
        assert body["base_url_host"] == f"127.0.0.1:{port}"
        for check in checks_by_name(body).values():
            assert check["ok"] is False
            assert check["detail"].startswith(f"could not reach 127.0.0.1:{port}")
            assert "OPENAI_BASE_URL" in check["detail"]
        # After the first probe found no server, the others are not tried (and wait for nothing).
        for check in body["checks"][1:]:
            assert check["ms"] == 0
            assert check["detail"].endswith("(not tried: the models probe failed)")
        capabilities = (await client.get("/api/assistant", headers=user.headers)).json()[
            "capabilities"
        ]
        assert capabilities == {
            "tools": False,
            "streaming": False,
            "parallel_tool_calls": False,
            "vision": False,
        }


# --- the turn ledger -----------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
async def test_every_turn_records_plausible_figures_for_each_engine(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        assert await turns_of(client, user, project) == []
        one = (await send(client, user, project, "add a scene called Opening")).json()
        two = (await send(client, user, project, "set the script of scene 1 to Dawn.")).json()
        turns = await turns_of(client, user, project)
    assert len(turns) == 2
    newest, oldest = turns
    for turn, answer in ((newest, two), (oldest, one)):
        assert turn["status"] == "completed"
        assert turn["engine"] == engine["CHAT_ENGINE"]
        assert turn["model"] == "offline-1"
        assert turn["error"] is None
        assert turn["retries"] == 0
        assert turn["input_tokens"] > 0
        assert turn["output_tokens"] > 0
        assert 0 <= turn["model_ms"] <= turn["total_ms"]
        assert 0 <= turn["tool_ms"] <= turn["total_ms"]
        assert turn["model_ms"] + turn["tool_ms"] <= turn["total_ms"] + 1
        assert turn["tool_call_count"] == len(answer["tool_calls"])
        assert turn["assistant_message_id"] == answer["messages"][1]["id"]
        assert turn["user_message_id"] == answer["messages"][0]["id"]
        assert turn["started_at"] <= turn["finished_at"]
    # Two rounds of tools, and the project read in between, cost more than one.
    assert newest["tool_call_count"] == 2
    assert oldest["tool_call_count"] == 1
    assert newest["input_tokens"] > oldest["input_tokens"]


async def test_the_sdks_retries_are_counted(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    """Every request's first attempt gets a 429; the SDK retries each once and the turn works."""
    app = make_app(
        CHAT_ENGINE="chat_completions",
        OPENAI_MODEL="offline-1+fault=rate_limit+attempts=1",
        OPENAI_MAX_RETRIES=2,
    )
    async with asgi_client(app) as client:
        answer = await send(client, user, project, "add a scene called Opening")
        assert answer.status_code == 200, answer.text
        (turn,) = await turns_of(client, user, project)
    # One completion asks for the tool, one answers after it: each retried once.
    assert turn["status"] == "completed"
    assert turn["retries"] == 2


async def test_a_failed_turn_is_recorded_with_its_error(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    app = make_app(OPENAI_MODEL="offline-1+fault=server_error", OPENAI_MAX_RETRIES=0)
    async with asgi_client(app) as client:
        failed = await send(client, user, project, "add a scene called Lost")
        assert failed.status_code == 502
        (turn,) = await turns_of(client, user, project)
    assert turn["status"] == "failed"
    assert turn["error"] == failed.json()["detail"]
    assert turn["engine"] == "assistants"
    assert turn["assistant_message_id"] is None
    assert turn["input_tokens"] is None
    assert turn["output_tokens"] is None
    assert turn["tool_call_count"] == 0
    assert 0 <= turn["model_ms"] <= turn["total_ms"]
    assert turn["finished_at"] is not None


async def test_a_cancelled_turn_is_recorded(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    app = make_app(OFFLINE_MODEL_LATENCY_MS=1500)
    async with asgi_client(app) as client:
        sending = asyncio.create_task(send(client, user, project, "add a scene called Never"))

        async def running() -> bool:
            return await count(app, ChatTurn, status="running") == 1

        await eventually(running, what="the turn's start")
        running_turn = (await turns_of(client, user, project))[0]
        assert running_turn["status"] == "running"
        assert running_turn["engine"] is None
        await client.post(f"/api/chat/{project['id']}/cancel", headers=user.headers)
        assert (await sending).json()["cancelled"] is True

        async def figures_written() -> bool:
            return (await turns_of(client, user, project))[0]["engine"] is not None

        await eventually(figures_written, what="the cancelled turn's figures")
        (turn,) = await turns_of(client, user, project)
    assert turn["status"] == "cancelled"
    assert turn["engine"] == "assistants"
    assert turn["model"] == "offline-1"
    assert turn["tool_call_count"] == 0
    assert 0 <= turn["model_ms"] <= turn["total_ms"]


async def test_usage_totals_the_accounts_turns_against_its_daily_limit(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_user: UserFactory,
    user: TestUser,
    project: Json,
) -> None:
    empty = (await client.get("/api/users/me/usage", headers=user.headers)).json()
    assert empty["today"] == {"messages": 0, "input_tokens": 0, "output_tokens": 0}
    await send(client, user, project, "add a scene called Opening")
    await send(client, user, project, "add scenes Beach and Pier")
    turns = await turns_of(client, user, project)
    response = await client.get("/api/users/me/usage", headers=user.headers)
    assert response.status_code == 200
    usage = response.json()
    assert usage["today"] == {
        "messages": 2,
        "input_tokens": sum(turn["input_tokens"] for turn in turns),
        "output_tokens": sum(turn["output_tokens"] for turn in turns),
    }
    assert usage["last_30_days"] == usage["today"]
    assert usage["limits"] == {"assistant_messages_per_day": 500, "messages_used_today": 2}

    other = await make_user()
    theirs = (await client.get("/api/users/me/usage", headers=other.headers)).json()
    assert theirs["today"] == {"messages": 0, "input_tokens": 0, "output_tokens": 0}
    assert (await client.get("/api/users/me/usage")).status_code == 401


async def test_turns_are_private_and_bounded(
    client: httpx.AsyncClient, make_user: UserFactory, user: TestUser, project: Json
) -> None:
    await send(client, user, project, "add a scene called Opening")
    other = await make_user()
    foreign = await client.get(f"/api/chat/{project['id']}/turns", headers=other.headers)
    assert foreign.status_code == 404
    assert (await client.get(f"/api/chat/{project['id']}/turns")).status_code == 401
    for limit in ("0", "201", "x"):
        bad = await client.get(
            f"/api/chat/{project['id']}/turns", params={"limit": limit}, headers=user.headers
        )
        assert bad.status_code == 422
    await send(client, user, project, "add a scene called Second")
    limited = await client.get(
        f"/api/chat/{project['id']}/turns", params={"limit": 1}, headers=user.headers
    )
    assert len(limited.json()) == 1


# --- the offline server's usage, as the SDK validates it -----------------------------------------


async def test_the_offline_server_reports_usage_on_every_surface_and_in_streams() -> None:
    client = create_offline_client(strict=True)
    try:
        completion = await client.chat.completions.create(
            model="offline-1", messages=[{"role": "user", "content": "hello there"}]
        )
        assert completion.usage is not None
        assert completion.usage.prompt_tokens > 0
        async with client.chat.completions.stream(
            model="offline-1",
            messages=[{"role": "user", "content": "hello there"}],
            stream_options={"include_usage": True},
        ) as chat_stream:
            async for _ in chat_stream:
                pass
            streamed = await chat_stream.get_final_completion()
        assert streamed.usage is not None
        assert streamed.usage.completion_tokens > 0

        response = await client.responses.create(model="offline-1", input="hello there")
        assert response.usage is not None
        assert response.usage.input_tokens > 0
        async with client.responses.stream(model="offline-1", input="hello") as response_stream:
            async for _ in response_stream:
                pass
            final = await response_stream.get_final_response()
        assert final.usage is not None
        assert final.usage.output_tokens > 0

        assistant = await client.beta.assistants.create(model="offline-1")
        thread = await client.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
        run = await client.beta.threads.runs.create_and_poll(
            thread_id=thread.id, assistant_id=assistant.id
        )
        assert run.status == "completed"
        assert run.usage is not None
        assert run.usage.total_tokens > 0
        async with client.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id=assistant.id
        ) as run_stream:
            await run_stream.until_done()
            streamed_run = await run_stream.get_final_run()
        assert streamed_run.usage is not None
        assert streamed_run.usage.prompt_tokens > 0
    finally:
        await client.close()


async def test_a_streamed_turn_is_recorded_and_a_guest_sees_its_own_limit(
    client: httpx.AsyncClient,
) -> None:
    guest = await client.post("/api/auth/guest")
    assert guest.status_code == 201, guest.text
    headers = {"Authorization": f"Bearer {guest.json()['access_token']}"}
    client.cookies.clear()
    project = (await client.post("/api/projects", json={"title": "G"}, headers=headers)).json()
    async with client.stream(
        "POST",
        f"/api/chat/{project['id']}/stream",
        json={"message": "add scenes Intro and Outro"},
        headers=headers,
    ) as stream:
        events = [line async for line in stream.aiter_lines() if line.startswith("event: ")]
    assert events[-1] == "event: done"
    (turn,) = (await client.get(f"/api/chat/{project['id']}/turns", headers=headers)).json()
    assert turn["status"] == "completed"
    assert turn["tool_call_count"] == 2
    assert turn["output_tokens"] > 0
    usage = (await client.get("/api/users/me/usage", headers=headers)).json()
    assert usage["limits"] == {"assistant_messages_per_day": 50, "messages_used_today": 1}
    assert usage["today"]["input_tokens"] == turn["input_tokens"]
