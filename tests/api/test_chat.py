"""The chat through its HTTP API, the real engines, the unmodified SDK and the offline model."""

import asyncio
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.api.routes.chat import _final_event
from backend.models import ChatMessage, ChatSession, ChatTurn, User
from backend.models.base import utc_now
from backend.services import chat_turn
from backend.services.chat_turn import TurnResult
from tests.conftest import AppFactory, TestUser, asgi_client
from tests.servers import eventually, serve

Json = dict[str, Any]
ENGINES = [
    pytest.param(
        {"CHAT_ENGINE": "assistants", "CHAT_ASSISTANTS_MODE": "stream"}, id="assistants-stream"
    ),
    pytest.param(
        {"CHAT_ENGINE": "assistants", "CHAT_ASSISTANTS_MODE": "poll"}, id="assistants-poll"
    ),
    pytest.param({"CHAT_ENGINE": "responses"}, id="responses"),
    pytest.param({"CHAT_ENGINE": "chat_completions"}, id="chat_completions"),
]


async def send(
    client: httpx.AsyncClient, user: TestUser, project: Json, message: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/api/chat/{project['id']}/send", json={"message": message, **extra}, headers=user.headers
    )


async def send_approving(
    client: httpx.AsyncClient, user: TestUser, project: Json, message: str
) -> httpx.Response:
    """Send, approving every call the turn asks about (the default setting asks before a
    delete), as a person who means what they asked would."""
    response = await send(client, user, project, message)
    while response.status_code == 202:
        approval_id = response.json()["approval"]["approval_id"]
        response = await client.post(
            f"/api/chat/{project['id']}/approvals/{approval_id}",
            json={"approve": True},
            headers=user.headers,
        )
    return response


async def scenes_of(client: httpx.AsyncClient, user: TestUser, project: Json) -> list[Json]:
    detail = await client.get(f"/api/projects/{project['id']}", headers=user.headers)
    return list(detail.json()["scenes"])


async def count(app: FastAPI, model: type, **where: Any) -> int:
    async with app.state.session_factory() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await session.scalar(query) or 0)


@pytest.mark.parametrize("engine", ENGINES)
async def test_one_tool_two_rounds_and_parallel_tools_for_each_engine(
    make_app: AppFactory, user: TestUser, project: Json, engine: dict[str, str]
) -> None:
    app = make_app(**engine)
    async with asgi_client(app) as client:
        one = await send(client, user, project, "add a scene called Opening")
        assert one.status_code == 200, one.text
        body = one.json()
        assert body["reply"] == "Added scene 1 “Opening”."
        assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
        assert [(c["name"], c["ok"]) for c in body["tool_calls"]] == [("create_scene", True)]

        parallel = await send(client, user, project, "add scenes Beach, Pier and Sunset")
        assert [c["name"] for c in parallel.json()["tool_calls"]] == ["create_scene"] * 3
        assert [s["title"] for s in await scenes_of(client, user, project)] == [
            "Opening",
            "Beach",
            "Pier",
            "Sunset",
        ]

        two_rounds = await send(client, user, project, "set the script of scene 2 to Waves crash.")
        assert [c["name"] for c in two_rounds.json()["tool_calls"]] == [
            "get_project_details",
            "update_scene_script",
        ]
        assert two_rounds.json()["reply"] == "Updated the script of scene 2 “Beach”."
        assert (await scenes_of(client, user, project))[1]["script"] == "Waves crash."

        history = (
            await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)
        ).json()
        assert [m["role"] for m in history["messages"]] == ["user", "assistant"] * 3
        assert history["session_id"] == body["session_id"]


async def test_stream_events_come_in_order(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    async with client.stream(
        "POST",
        f"/api/chat/{project['id']}/stream",
        json={"message": "rename the project to Trip"},
        headers=user.headers,
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [
            line.removeprefix("event: ")
            async for line in response.aiter_lines()
            if line.startswith("event: ")
        ]
    assert events[0] == "message"
    assert events[1:3] == ["tool_call", "tool_result"]
    assert set(events[3:-1]) == {"delta"}
    assert len(events[3:-1]) >= 2
    assert events[-1] == "done"
    renamed = await client.get(f"/api/projects/{project['id']}", headers=user.headers)
    assert renamed.json()["title"] == "Trip"


async def test_tool_errors_are_reported_and_the_turn_completes(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    await send(client, user, project, "add a scene called Opening")
    response = await send(client, user, project, "set the image of scene 1 to javascript:alert(1)")
    assert response.status_code == 200
    calls = response.json()["tool_calls"]
    assert calls[-1]["name"] == "update_scene_image_url"
    assert calls[-1]["ok"] is False
    assert "image_url must be an absolute http:// or https:// URL" in calls[-1]["output"]
    assert response.json()["reply"].startswith("I couldn't set the image:")
    assert (await scenes_of(client, user, project))[0]["image_url"] is None


async def test_idempotent_retry_with_client_message_id(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    key = str(uuid.uuid4())
    first = await send(client, user, project, "add a scene called Once", client_message_id=key)
    again = await send(client, user, project, "add a scene called Once", client_message_id=key)
    assert first.status_code == again.status_code == 200
    assert [m["id"] for m in again.json()["messages"]] == [
        m["id"] for m in first.json()["messages"]
    ]
    assert again.json()["reply"] == first.json()["reply"]
    assert len(await scenes_of(client, user, project)) == 1
    assert await count(app, ChatTurn) == 1
    reused = await send(client, user, project, "something else", client_message_id=key)
    assert reused.status_code == 409


async def test_history_pagination(client: httpx.AsyncClient, user: TestUser, project: Json) -> None:
    empty = (await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)).json()
    assert empty == {
        "session_id": None,
        "is_active": None,
        "awaiting_approval": None,
        "messages": [],
    }
    for number in range(4):
        await send(client, user, project, f"hello {number}")
    url = f"/api/chat/{project['id']}/messages"
    newest = (await client.get(url, params={"limit": 3}, headers=user.headers)).json()["messages"]
    assert [m["role"] for m in newest] == ["assistant", "user", "assistant"]
    assert newest[1]["content"] == "hello 3"
    older = (
        await client.get(url, params={"limit": 3, "before": newest[0]["id"]}, headers=user.headers)
    ).json()["messages"]
    assert [m["content"] for m in older if m["role"] == "user"] == ["hello 1", "hello 2"]
    assert older[-1]["created_at"] < newest[0]["created_at"]
    assert (await client.get(url, params={"limit": 201}, headers=user.headers)).status_code == 422
    assert (
        await client.get(url, params={"before": str(uuid.uuid4())}, headers=user.headers)
    ).status_code == 404


async def test_reset_ends_the_conversation(
    client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    first = (await send(client, user, project, "hello")).json()
    assert (
        await client.delete(f"/api/chat/{project['id']}", headers=user.headers)
    ).status_code == 204
    history = (await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)).json()
    assert history == {
        "session_id": None,
        "is_active": None,
        "awaiting_approval": None,
        "messages": [],
    }
    second = (await send(client, user, project, "hello again")).json()
    assert second["session_id"] != first["session_id"]


async def test_the_daily_message_quota_holds_per_account(
    make_app: AppFactory, make_user: Any, user: TestUser, project: Json
) -> None:
    """CHAT_MESSAGES_PER_DAY sends a day: the next is a 429 with Retry-After that stores
    nothing; replays don't count, a reset conversation does not restore it, the next UTC day
    does, and other accounts are unaffected."""
    app = make_app(CHAT_MESSAGES_PER_DAY=2)
    async with asgi_client(app) as client:
        key = str(uuid.uuid4())
        assert (
            await send(client, user, project, "hello", client_message_id=key)
        ).status_code == 200
        assert (
            await send(client, user, project, "hello", client_message_id=key)
        ).status_code == 200
        assert (await send(client, user, project, "hello again")).status_code == 200
        refused = await send(client, user, project, "one too many")
        assert refused.status_code == 429
        assert "2 messages a day" in refused.json()["detail"]
        assert 0 < int(refused.headers["retry-after"]) <= 24 * 3600
        assert await count(app, ChatMessage, role="user") == 2

        reset = await client.delete(f"/api/chat/{project['id']}", headers=user.headers)
        assert reset.status_code == 204
        assert (await send(client, user, project, "after a reset")).status_code == 429

        other = await make_user()
        theirs = await client.post("/api/projects", json={"title": "T"}, headers=other.headers)
        assert (await send(client, other, theirs.json(), "hello")).status_code == 200

        async with app.state.session_factory() as session:
            yesterday = utc_now().date() - timedelta(days=1)
            await session.execute(
                update(User).where(User.id == uuid.UUID(user.id)).values(chat_quota_day=yesterday)
            )
            await session.commit()
        assert (await send(client, user, project, "a new day")).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"message": ""}, 422),
        ({"message": "   "}, 422),
        ({"message": "x" * 8001}, 422),
        ({"message": "hi", "extra": 1}, 422),
        ({}, 422),
    ],
)
async def test_invalid_messages_are_422(
    client: httpx.AsyncClient, user: TestUser, project: Json, body: Json, status: int
) -> None:
    response = await client.post(f"/api/chat/{project['id']}/send", json=body, headers=user.headers)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("model", "status", "detail"),
    [
        ("offline-1+fault=rate_limit", 502, "rate-limiting"),
        ("offline-1+fault=quota", 502, "no quota"),
        ("offline-1+fault=server_error", 502, "returned an error (500)"),
        ("offline-1+fault=run_failed", 502, "run ended failed"),
        ("offline-1+fault=stream_cut", 502, "stream ended before the reply was complete"),
        ("offline-1+fault=hang", 504, "took longer than 1 seconds"),
    ],
)
async def test_provider_faults_keep_the_message_and_the_conversation(
    make_app: AppFactory, user: TestUser, project: Json, model: str, status: int, detail: str
) -> None:
    """A faulty instance and a healthy one share the database and the offline server: after the
    failure, the same conversation works on the next message. Only the hang waits for the
    (short) turn deadline; the others have the usual one, so a slow machine cannot turn their
    failure into a timeout."""
    timeout = 1 if model.endswith("=hang") else 30
    faulty = make_app(OPENAI_MODEL=model, OPENAI_MAX_RETRIES=0, CHAT_TURN_TIMEOUT_SECONDS=timeout)
    healthy = make_app(model_client=faulty.state.model_client, OPENAI_MODEL="offline-1")
    async with asgi_client(faulty) as failing, asgi_client(healthy) as working:
        failed = await send(failing, user, project, "add a scene called Lost")
        assert failed.status_code == status, failed.text
        assert detail in failed.json()["detail"]
        history = (
            await working.get(f"/api/chat/{project['id']}/messages", headers=user.headers)
        ).json()
        assert [(m["role"], m["content"], m["status"]) for m in history["messages"]] == [
            ("user", "add a scene called Lost", "failed")
        ]

        recovered = await send(working, user, project, "add a scene called Found")
        assert recovered.status_code == 200, recovered.text
        assert recovered.json()["reply"].startswith("Added scene")
        assert "Found" in [s["title"] for s in await scenes_of(working, user, project)]


async def test_a_vanished_thread_is_replaced(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    await send(client, user, project, "add a scene called One")
    async with app.state.session_factory() as session:
        thread_id = await session.scalar(select(ChatSession.openai_thread_id))
    assert thread_id
    await app.state.model_client.beta.threads.delete(thread_id)
    again = await send(client, user, project, "add a scene called Two")
    assert again.status_code == 200
    assert again.json()["reply"] == "Added scene 2 “Two”."


async def test_cancel_mid_turn_writes_nothing_more(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    app = make_app(OFFLINE_MODEL_LATENCY_MS=1500)
    async with asgi_client(app) as client:
        turn = asyncio.create_task(send(client, user, project, "add a scene called Never"))

        async def running() -> bool:
            return await count(app, ChatTurn, status="running") == 1

        await eventually(running, what="the turn's start")
        cancelled = await client.post(f"/api/chat/{project['id']}/cancel", headers=user.headers)
        assert cancelled.json() == {"cancelled": True}
        response = await turn
        assert response.status_code == 200
        assert response.json()["cancelled"] is True
        assert response.json()["reply"] == ""
        assert await count(app, ChatMessage, role="assistant") == 0
        assert await scenes_of(client, user, project) == []
        assert (
            await client.post(f"/api/chat/{project['id']}/cancel", headers=user.headers)
        ).json() == {"cancelled": False}
    fresh = make_app()
    async with asgi_client(fresh) as client:
        assert (await send(client, user, project, "hello")).status_code == 200


async def test_concurrent_sends_run_exactly_one_turn(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    # The first turn must outlast all twenty sends: a send after it ended would rightly run.
    app = make_app(OFFLINE_MODEL_LATENCY_MS=1500)
    async with asgi_client(app) as client:
        responses = await asyncio.gather(
            *[send(client, user, project, f"hello {i}") for i in range(20)]
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19, statuses
    assert await count(app, ChatTurn) == 1
    assert await count(app, ChatMessage, role="user") == 1
    conflict = next(r for r in responses if r.status_code == 409)
    assert "already in progress" in conflict.json()["detail"]


async def test_a_lapsed_turn_does_not_lock_the_conversation(
    app: FastAPI, client: httpx.AsyncClient, user: TestUser, project: Json
) -> None:
    """A turn whose process died (its lease ran out) is expired by the next send."""
    await send(client, user, project, "hello")
    async with app.state.session_factory() as session, session.begin():
        turn = (await session.scalars(select(ChatTurn))).one()
        turn.status = "running"
        turn.lease_expires_at = utc_now() - timedelta(seconds=1)
    response = await send(client, user, project, "anyone there?")
    assert response.status_code == 200
    assert await count(app, ChatTurn, status="expired") == 1
    history = (await client.get(f"/api/chat/{project['id']}/messages", headers=user.headers)).json()
    first = history["messages"][0]
    assert (first["content"], first["status"], first["tool_calls"]) == ("hello", "failed", [])


async def test_a_running_turn_renews_its_lease_until_it_ends(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    """A turn longer than its lease keeps the conversation (another instance's send is a 409,
    not an expiry), and its heartbeat stops with it."""
    app = make_app(
        CHAT_TURN_LEASE_SECONDS=1, CHAT_TURN_HEARTBEAT_SECONDS=0.25, OFFLINE_MODEL_LATENCY_MS=2500
    )
    other = make_app(model_client=app.state.model_client)
    before = asyncio.all_tasks()

    async with asgi_client(app) as client, asgi_client(other) as second:
        turn = asyncio.create_task(send(client, user, project, "hello"))
        first_lease = await lease_after(app, None)
        assert first_lease is not None
        renewed = await lease_after(app, first_lease + timedelta(seconds=1))
        # Past the first lease's end: only the renewals keep the conversation.
        assert renewed is not None
        assert utc_now() > first_lease
        assert (await send(second, user, project, "me too")).status_code == 409
        assert (await turn).status_code == 200
        assert await count(app, ChatTurn, status="expired") == 0
    left_running = [
        task
        for task in asyncio.all_tasks() - before
        if getattr(getattr(task.get_coro(), "cr_code", None), "co_filename", "")
        == chat_turn.__file__
    ]
    assert left_running == []


async def test_the_lease_is_kept_while_the_answer_is_stored(
    make_app: AppFactory, user: TestUser, project: Json, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing the end may wait (a slow commit, a busy database) past the lease: the heartbeat
    goes on meanwhile, so another send is a 409 and the finished answer is kept."""
    app = make_app(CHAT_TURN_LEASE_SECONDS=1, CHAT_TURN_HEARTBEAT_SECONDS=0.25)
    other = make_app(model_client=app.state.model_client)
    complete = chat_turn.TurnRunner._complete

    async def slow_complete(runner: chat_turn.TurnRunner, *arguments: Any) -> TurnResult:
        lease = await lease_after(app, None)
        assert lease is not None
        assert await lease_after(app, lease + timedelta(seconds=1)) is not None
        async with asgi_client(other) as second:
            assert (await send(second, user, project, "me too")).status_code == 409
        return await complete(runner, *arguments)

    monkeypatch.setattr(chat_turn.TurnRunner, "_complete", slow_complete)
    async with asgi_client(app) as client:
        answered = await send(client, user, project, "add a scene called Kept")
    assert answered.status_code == 200, answered.text
    assert answered.json()["reply"] == "Added scene 1 “Kept”."
    assert await count(app, ChatTurn, status="completed") == 1


async def lease_after(app: FastAPI, moment: datetime | None) -> datetime | None:
    """The running turn's lease once it is later than `moment`; None if the turn ends first."""
    found: list[datetime | None] = []

    async def moved() -> bool:
        session: AsyncSession
        async with app.state.session_factory() as session:
            lease: datetime | None = await session.scalar(
                select(ChatTurn.lease_expires_at).where(ChatTurn.status == "running")
            )
        ended = lease is None and moment is not None
        if ended or (lease is not None and (moment is None or lease > moment)):
            found.append(lease)
            return True
        return False

    await eventually(moved, what="the lease's renewal")
    return found[0]


async def test_a_client_that_disconnects_does_not_lock_the_conversation(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    app = make_app(OFFLINE_MODEL_LATENCY_MS=300)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, headers=user.headers) as client:
        async with client.stream(
            "POST", f"/api/chat/{project['id']}/stream", json={"message": "add a scene called Kept"}
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("event: message"):
                    break  # leave before the answer

        async def completed() -> bool:
            return await count(app, ChatTurn, status="completed") == 1

        await eventually(completed, what="the turn's completion after the client left")
        assert [
            s["title"]
            for s in (await client.get(f"/api/projects/{project['id']}")).json()["scenes"]
        ] == ["Kept"]
        assert (
            await client.post(f"/api/chat/{project['id']}/send", json={"message": "hello"})
        ).status_code == 200


def test_streamed_error_event_shape() -> None:
    event = _final_event(
        TurnResult(session_id=uuid.uuid4(), messages=[], error="boom", error_status=502)
    )
    assert event.startswith(b"event: error\n")
    assert json.loads(event.split(b"data: ", 1)[1]) == {"detail": "boom", "status": 502}


async def test_a_run_left_active_on_the_thread_is_cancelled_and_the_turn_goes_on(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    """A stream cut mid-way leaves the provider's run active on the conversation's thread; the
    next turn cancels that run and carries on in the same thread."""
    healthy = make_app(OPENAI_MODEL="offline-1")
    cutting = make_app(
        model_client=healthy.state.model_client,
        OPENAI_MODEL="offline-1+fault=stream_cut",
        OPENAI_MAX_RETRIES=0,
    )
    async with asgi_client(healthy) as working, asgi_client(cutting) as failing:
        assert (await send(working, user, project, "add a scene called First")).status_code == 200
        cut = await send(failing, user, project, "add a scene called Cut")
        assert cut.status_code == 502
        threads = healthy.state.model_client.beta.threads
        async with healthy.state.session_factory() as session:
            thread_id = await session.scalar(select(ChatSession.openai_thread_id))
        latest = (await threads.runs.list(thread_id, limit=1)).data[0]
        assert latest.status == "in_progress"
        after = await send(working, user, project, "add a scene called After")
        assert after.status_code == 200, after.text
        assert after.json()["reply"] == "Added scene 2 “After”."
        statuses = [run.status async for run in threads.runs.list(thread_id)]
        assert statuses[:2] == ["completed", "cancelled"]
