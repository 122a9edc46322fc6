"""The cleanup job, rule by rule, on data sent back in time (timestamps set directly), through
the real app, the real SDK and the offline provider; plus its failures, its lock and its timer."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import httpx2
import openai
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI
from sqlalchemy import func, select, update

from backend.assistant.offline.app import create_offline_app
from backend.assistant.offline.client import IN_PROCESS_BASE_URL, create_offline_client
from backend.core.config import Settings
from backend.core.db import unit_of_work
from backend.jobs.cleanup import RULES, CleanupContext, Rule, run_cleanup
from backend.models import AuthSession, ChatSession, DiscardedThread, GuestCreation, User
from backend.models.user import LoginFailure
from tests.conftest import (
    ROOT,
    AppFactory,
    TestUser,
    ThrowawayDatabase,
    UserFactory,
    asgi_client,
)
from tests.servers import eventually

LONG_AGO = timedelta(days=400)


@pytest.fixture
def offline() -> FastAPI:
    """One offline provider shared by the app and the job, so threads can be looked at."""
    return create_offline_app()


@pytest.fixture
async def provider(offline: FastAPI) -> AsyncIterator[AsyncOpenAI]:
    client = create_offline_client(offline, max_retries=0)
    yield client
    await client.close()


@pytest.fixture
def chat_app(make_app: AppFactory, provider: AsyncOpenAI) -> FastAPI:
    return make_app(provider)


async def cleanup(app: FastAPI, client: AsyncOpenAI, **kwargs: Any) -> dict[str, Any]:
    report = await run_cleanup(app.state.settings, app.state.session_factory, client, **kwargs)
    assert report.ran
    return {rule.name: rule.error or rule.counts for rule in report.rules}


async def execute(app: FastAPI, *statements: Any) -> None:
    async with unit_of_work(app.state.session_factory, write=True) as session:
        for statement in statements:
            await session.execute(statement)


async def scalar(app: FastAPI, statement: Any) -> Any:
    async with unit_of_work(app.state.session_factory) as session:
        return await session.scalar(statement)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def converse(client: httpx.AsyncClient, headers: dict[str, str], title: str) -> str:
    """A project with a one-turn conversation (an Assistants thread at the provider)."""
    project = (await client.post("/api/projects", json={"title": title}, headers=headers)).json()
    sent = await client.post(
        f"/api/chat/{project['id']}/send",
        json={"message": "add a scene called Intro"},
        headers=headers,
    )
    assert sent.status_code == 200, sent.text
    return str(project["id"])


async def thread_of(app: FastAPI, project_id: str) -> str | None:
    return await scalar(  # type: ignore[no-any-return]
        app,
        select(ChatSession.openai_thread_id).where(ChatSession.project_id == uuid.UUID(project_id)),
    )


async def thread_exists(provider: AsyncOpenAI, thread_id: str) -> bool:
    try:
        await provider.beta.threads.retrieve(thread_id)
    except openai.NotFoundError:
        return False
    return True


def idle_for(project_id: str, age: timedelta) -> Any:
    return (
        update(ChatSession)
        .where(ChatSession.project_id == uuid.UUID(project_id))
        .values(last_message_at=datetime.now(UTC) - age)
    )


async def test_idle_conversations_go_inactive_lose_their_thread_and_come_back(
    chat_app: FastAPI, provider: AsyncOpenAI, make_user: UserFactory
) -> None:
    async with asgi_client(chat_app) as client:
        user = await make_user()
        idle = await converse(client, user.headers, "Idle")
        recent = await converse(client, user.headers, "Recent")
        idle_thread, recent_thread = (
            await thread_of(chat_app, idle),
            await thread_of(chat_app, recent),
        )
        assert idle_thread
        assert recent_thread
        assert await thread_exists(provider, idle_thread)
        await execute(
            chat_app, idle_for(idle, timedelta(days=31)), idle_for(recent, timedelta(days=29))
        )

        counts = await cleanup(chat_app, provider)
        assert counts["idle_conversations"] == {"deactivated": 1, "threads_queued": 1}
        assert counts["provider_threads"] == {"deleted": 1, "failed": 0}
        assert not await thread_exists(provider, idle_thread)
        assert await thread_exists(provider, recent_thread)

        history = (await client.get(f"/api/chat/{idle}/messages", headers=user.headers)).json()
        assert history["is_active"] is False  # still readable
        assert [m["role"] for m in history["messages"]] == ["user", "assistant"]
        other = (await client.get(f"/api/chat/{recent}/messages", headers=user.headers)).json()
        assert other["is_active"] is True

        again = await cleanup(chat_app, provider)  # idempotent: nothing left to do
        assert again["idle_conversations"] == {"deactivated": 0, "threads_queued": 0}
        assert again["provider_threads"] == {"deleted": 0, "failed": 0}

        revived = await client.post(
            f"/api/chat/{idle}/send",
            json={"message": "what scenes do we have?"},
            headers=user.headers,
        )
        assert revived.status_code == 200, revived.text
        history = (await client.get(f"/api/chat/{idle}/messages", headers=user.headers)).json()
        assert history["is_active"] is True
        assert len(history["messages"]) == 4
        new_thread = await thread_of(chat_app, idle)
        assert new_thread
        assert new_thread != idle_thread
        assert await thread_exists(provider, new_thread)


async def test_a_provider_that_fails_deletions_is_retried_and_blocks_nothing(
    chat_app: FastAPI, provider: AsyncOpenAI, make_user: UserFactory
) -> None:
    failing = provider.with_options(default_headers={"X-Offline-Fault": "server_error"})
    async with asgi_client(chat_app) as client:
        user = await make_user()
        project = await converse(client, user.headers, "Idle")
        thread = await thread_of(chat_app, project)
        assert thread
        signed_out = await make_user()
        guest = await client.post("/api/auth/guest")
        client.cookies.clear()
        guest_id = (
            await client.get("/api/users/me", headers=bearer(guest.json()["access_token"]))
        ).json()["id"]
        await execute(
            chat_app,
            idle_for(project, timedelta(days=31)),
            update(User).where(User.id == uuid.UUID(guest_id)).values(created_at=_ago(LONG_AGO)),
            update(AuthSession)
            .where(AuthSession.user_id == uuid.UUID(guest_id))
            .values(last_seen_at=_ago(LONG_AGO), expires_at=_ago(LONG_AGO)),
            update(AuthSession)
            .where(AuthSession.user_id == uuid.UUID(signed_out.id))
            .values(expires_at=_ago(timedelta(seconds=1))),
        )

        counts = await cleanup(chat_app, failing)
        assert counts["provider_threads"] == {"deleted": 0, "failed": 1}
        # The other rules did their work all the same.
        assert counts["idle_conversations"]["deactivated"] == 1
        assert counts["expired_guests"]["guests_deleted"] == 1
        assert counts["ended_sign_in_sessions"] == {"deleted": 1}
        assert await thread_exists(provider, thread)
        queued = await scalar(
            chat_app, select(DiscardedThread).where(DiscardedThread.thread_id == thread)
        )
        assert queued.attempts == 1
        assert "error" in queued.last_error

        counts = await cleanup(chat_app, provider)  # the provider is back: tried again
        assert counts["provider_threads"] == {"deleted": 1, "failed": 0}
        assert not await thread_exists(provider, thread)
        assert await scalar(chat_app, select(func.count()).select_from(DiscardedThread)) == 0


async def test_threads_the_provider_keeps_refusing_do_not_hold_up_the_rest(
    chat_app: FastAPI, offline: FastAPI, provider: AsyncOpenAI, make_user: UserFactory
) -> None:
    """Older threads that failed before go to the back of the queue: after three failures in a
    row a run stops, and they must not be the only ones it ever tries."""
    async with asgi_client(chat_app) as client:
        user = await make_user()
        project = await converse(client, user.headers, "Fresh")
    thread = await thread_of(chat_app, project)
    assert thread
    stuck = [f"thread_stuck_{index}" for index in range(3)]
    async with unit_of_work(chat_app.state.session_factory, write=True) as session:
        session.add_all(
            DiscardedThread(thread_id=thread_id, attempts=1, created_at=_ago(LONG_AGO))
            for thread_id in stuck
        )
    await execute(chat_app, idle_for(project, timedelta(days=31)))
    refusing = AsyncOpenAI(
        api_key="offline",
        base_url=IN_PROCESS_BASE_URL,
        http_client=httpx2.AsyncClient(transport=_Refusing(offline, set(stuck))),
        max_retries=0,
    )
    counts = await cleanup(chat_app, refusing)
    await refusing.close()
    assert counts["provider_threads"] == {"deleted": 1, "failed": 3}
    assert not await thread_exists(provider, thread)
    left = {row for row in await _all(chat_app, select(DiscardedThread.thread_id))}
    assert left == set(stuck)


class _Refusing(httpx2.AsyncBaseTransport):
    """The offline provider, answering 500 to the deletion of the `refused` threads."""

    def __init__(self, app: FastAPI, refused: set[str]) -> None:
        self._inner = httpx2.ASGITransport(app=app)
        self._refused = refused

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "DELETE" and request.url.path.rsplit("/", 1)[-1] in self._refused:
            return httpx2.Response(
                500, json={"error": {"message": "refused", "type": "server_error"}}
            )
        return await self._inner.handle_async_request(request)


async def test_a_failing_rule_is_reported_and_the_others_still_run(
    app: FastAPI, provider: AsyncOpenAI, user: TestUser
) -> None:
    async def broken(context: CleanupContext) -> dict[str, int]:
        raise RuntimeError("the rule broke")

    await execute(app, update(AuthSession).values(expires_at=_ago(timedelta(seconds=1))))
    report = await run_cleanup(
        app.state.settings,
        app.state.session_factory,
        provider,
        rules=[Rule("broken", broken), *RULES],
    )
    assert report.ran
    assert not report.ok
    assert report.lines()[0] == "broken: FAILED: RuntimeError"
    ended = next(rule for rule in report.rules if rule.name == "ended_sign_in_sessions")
    assert ended.counts == {"deleted": 1}


async def test_expired_guests_are_deleted_with_everything_they_made(
    chat_app: FastAPI, provider: AsyncOpenAI, make_user: UserFactory
) -> None:
    """Unused: created before GUEST_TTL_DAYS and no sign-in seen since. A guest seen recently,
    a new guest, and full accounts however old stay."""
    async with asgi_client(chat_app) as client:
        tokens = {}
        for name in ("expired", "seen_recently", "new"):
            tokens[name] = (await client.post("/api/auth/guest")).json()["access_token"]
            client.cookies.clear()
        ids = {
            name: (await client.get("/api/users/me", headers=bearer(token))).json()["id"]
            for name, token in tokens.items()
        }
        project = await converse(client, bearer(tokens["expired"]), "Guest's")
        thread = await thread_of(chat_app, project)
        assert thread
        veteran = await make_user()
        eight_days = _ago(timedelta(days=8))
        await execute(
            chat_app,
            update(User)
            .where(
                User.id.in_(
                    [
                        uuid.UUID(ids["expired"]),
                        uuid.UUID(ids["seen_recently"]),
                        uuid.UUID(veteran.id),
                    ]
                )
            )
            .values(created_at=eight_days),
            update(AuthSession)
            .where(AuthSession.user_id.in_([uuid.UUID(ids["expired"]), uuid.UUID(veteran.id)]))
            .values(last_seen_at=eight_days),
            update(AuthSession)
            .where(AuthSession.user_id == uuid.UUID(ids["seen_recently"]))
            .values(last_seen_at=_ago(timedelta(days=6))),
        )

        counts = await cleanup(chat_app, provider)
        assert counts["expired_guests"] == {"guests_deleted": 1, "threads_queued": 1}
        assert counts["provider_threads"]["deleted"] == 1
        assert not await thread_exists(provider, thread)
        remaining = set(str(user_id) for user_id in await _all(chat_app, select(User.id)))
        assert ids["expired"] not in remaining
        assert {ids["seen_recently"], ids["new"], veteran.id} <= remaining
        assert await scalar(chat_app, select(func.count()).select_from(ChatSession)) == 0
        me = await client.get("/api/users/me", headers=bearer(tokens["expired"]))
        assert me.status_code == 401
        assert (await cleanup(chat_app, provider))["expired_guests"]["guests_deleted"] == 0


async def test_ended_sign_in_sessions_are_deleted_and_live_ones_kept(
    app: FastAPI, client: httpx.AsyncClient, make_user: UserFactory, provider: AsyncOpenAI
) -> None:
    users = [await make_user() for _ in range(4)]
    expired, revoked, idle, live = users
    logout = await client.post("/api/auth/logout", headers=revoked.headers)
    assert logout.status_code == 204
    await execute(
        app,
        update(AuthSession)
        .where(AuthSession.user_id == uuid.UUID(expired.id))
        .values(expires_at=_ago(timedelta(seconds=1))),
        update(AuthSession)
        .where(AuthSession.user_id == uuid.UUID(idle.id))
        .values(last_seen_at=_ago(timedelta(minutes=31))),
    )
    counts = await cleanup(app, provider)
    assert counts["ended_sign_in_sessions"] == {"deleted": 3}
    owners = {str(user_id) for user_id in await _all(app, select(AuthSession.user_id))}
    assert owners == {live.id}
    assert (await client.get("/api/users/me", headers=live.headers)).status_code == 200


async def test_old_throttle_records_are_deleted(
    app: FastAPI, client: httpx.AsyncClient, provider: AsyncOpenAI
) -> None:
    for _ in range(2):
        await client.post("/api/auth/login", json={"email": "no@example.com", "password": "nope"})
        await client.post("/api/auth/guest")
    async with unit_of_work(app.state.session_factory, write=True) as session:
        for model in (LoginFailure, GuestCreation):
            first = await session.scalar(select(model.id).limit(1))
            await session.execute(
                update(model).where(model.id == first).values(created_at=_ago(timedelta(days=1)))
            )
    assert (await cleanup(app, provider))["throttle_records"] == {"deleted": 2}
    for model in (LoginFailure, GuestCreation):
        assert await scalar(app, select(func.count()).select_from(model)) == 1


@pytest.mark.postgresql
async def test_two_instances_running_at_once_do_the_work_once(
    database: ThrowawayDatabase,
    make_app: AppFactory,
    offline: FastAPI,
    provider: AsyncOpenAI,
    make_user: UserFactory,
) -> None:
    """Instance A holds the job's advisory lock while the provider deletes a thread; B, on its
    own connection pool, starts meanwhile, finds the lock taken and does nothing."""
    entered, release = asyncio.Event(), asyncio.Event()
    gated = AsyncOpenAI(
        api_key="offline",
        base_url=IN_PROCESS_BASE_URL,
        http_client=httpx2.AsyncClient(transport=_Gate(offline, entered, release)),
        max_retries=0,
    )
    first, second = make_app(provider), make_app(provider)
    async with asgi_client(first) as client:
        user = await make_user()
        project = await converse(client, user.headers, "Shared")
    await execute(first, idle_for(project, timedelta(days=31)))

    running = asyncio.create_task(
        run_cleanup(first.state.settings, first.state.session_factory, gated)
    )
    await entered.wait()  # A is inside the job, at the provider
    other = await run_cleanup(second.state.settings, second.state.session_factory, provider)
    assert not other.ran
    assert other.lines() == ["skipped: another instance is running the cleanup job"]
    release.set()
    report = await running
    await gated.close()
    counts = {rule.name: rule.counts for rule in report.rules}
    assert counts["idle_conversations"]["deactivated"] == 1
    assert counts["provider_threads"] == {"deleted": 1, "failed": 0}
    # Once A is done the lock is free again, and there is nothing left to do.
    after = await run_cleanup(second.state.settings, second.state.session_factory, provider)
    assert after.ran
    assert {rule.name: rule.counts for rule in after.rules}["idle_conversations"] == {
        "deactivated": 0,
        "threads_queued": 0,
    }


class _Gate(httpx2.AsyncBaseTransport):
    """The offline provider, holding each thread deletion until `release` is set."""

    def __init__(self, app: FastAPI, entered: asyncio.Event, release: asyncio.Event) -> None:
        self._inner = httpx2.ASGITransport(app=app)
        self._entered, self._release = entered, release

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "DELETE" and "/threads/" in request.url.path:
            self._entered.set()
            await self._release.wait()
        return await self._inner.handle_async_request(request)


async def test_the_app_runs_the_job_on_its_timer(
    make_app: AppFactory, user: TestUser, app: FastAPI
) -> None:
    await execute(app, update(AuthSession).values(expires_at=_ago(timedelta(seconds=1))))
    timed = make_app(CLEANUP_INTERVAL_MINUTES=0.001)
    async with timed.router.lifespan_context(timed):

        async def sessions_gone() -> bool:
            return bool(await scalar(app, select(func.count()).select_from(AuthSession)) == 0)

        await eventually(sessions_gone, what="the timed cleanup")


async def test_the_command_prints_what_it_did(
    app: FastAPI, client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    project = await converse(client, user.headers, "Old")
    await execute(app, idle_for(project, timedelta(days=31)))
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.DATA_DIR),
        "SECRET_KEY": "a" * 40,
        "LOG_LEVEL": "ERROR",
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "backend.jobs", "cleanup"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "idle_conversations: deactivated=1 threads_queued=1" in lines
    # Its own offline provider never had that thread: gone already counts as deleted.
    assert "provider_threads: deleted=1 failed=0" in lines
    assert any(line.startswith("ended_sign_in_sessions: ") for line in lines)
    history = (await client.get(f"/api/chat/{project}/messages", headers=user.headers)).json()
    assert history["is_active"] is False


def _ago(age: timedelta) -> datetime:
    return datetime.now(UTC) - age


async def _all(app: FastAPI, statement: Any) -> list[Any]:
    async with unit_of_work(app.state.session_factory) as session:
        return list(await session.scalars(statement))
