"""The live event stream of a project (`GET /api/projects/{id}/events`): change sets as they
commit, replayed after `Last-Event-ID` with no gap and no duplicate, pings, ownership, across
app processes on one PostgreSQL, through a dropped listener connection, and to the end at
shutdown."""

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from backend.services.change_feed import CHANNEL
from tests.api.test_chat_instances import app_env, sign_up
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    AppFactory,
    TestUser,
    ThrowawayDatabase,
    UserFactory,
    create_postgres_database,
    drop_postgres_database,
    migrate,
)
from tests.servers import app_process, eventually, serve

Json = dict[str, Any]


class EventReader:
    """Parses a `text/event-stream` body into events ({"event", "id", "data"}) as an
    EventSource would: comments left out, a block without data dispatches nothing (its
    `retry:` is kept)."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()
        self.retry: str | None = None

    async def next(self, seconds: float = 5) -> dict[str, str]:
        event: dict[str, str] = {}
        async with asyncio.timeout(seconds):
            async for line in self._lines:
                if not line:
                    self.retry = event.get("retry", self.retry)
                    if "data" in event:
                        return event
                    event = {}
                    continue
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                event[name] = f"{event[name]}\n{value}" if name in event else value
        raise EOFError("the stream ended")

    async def until_end(self, seconds: float = 5) -> list[dict[str, str]]:
        """The events left, once the server has ended the stream (failing after `seconds`)."""
        left: list[dict[str, str]] = []
        async with asyncio.timeout(seconds):
            while True:
                try:
                    left.append(await self.next(seconds))
                except EOFError:
                    return left

    async def change(self, seconds: float = 5) -> dict[str, str]:
        """The next `change` event (pings skipped)."""
        async with asyncio.timeout(seconds):
            while True:
                event = await self.next(seconds)
                if event.get("event") == "change":
                    return event


@asynccontextmanager
async def events(
    client: httpx.AsyncClient, project_id: str, headers: dict[str, str], **params: str
) -> AsyncIterator[EventReader]:
    async with client.stream(
        "GET", f"/api/projects/{project_id}/events", headers=headers, params=params
    ) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)


async def rename(
    client: httpx.AsyncClient, project_id: str, headers: dict[str, str], title: str
) -> None:
    response = await client.put(
        f"/api/projects/{project_id}", json={"title": title}, headers=headers
    )
    assert response.status_code == 200, response.text


async def add_scene(
    client: httpx.AsyncClient, project_id: str, headers: dict[str, str], title: str
) -> Json:
    response = await client.post(
        f"/api/projects/{project_id}/scenes", json={"title": title}, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def history(
    client: httpx.AsyncClient, project_id: str, headers: dict[str, str]
) -> list[Json]:
    response = await client.get(f"/api/projects/{project_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["change_sets"])


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    """The test's app on a real socket (streams need one)."""
    async with serve(app) as url:
        yield url


async def test_a_change_reaches_an_open_stream_as_its_change_set(
    live: str, user: TestUser, project: Json
) -> None:
    async with (
        httpx.AsyncClient(base_url=live, headers=user.headers, timeout=10) as client,
        events(client, project["id"], {}) as stream,
    ):
        scene = await add_scene(client, project["id"], {}, "Beach")
        # Within a second of the commit (the write's answer), or `change` fails.
        event = await stream.change(seconds=1)
        change_set = httpx.Response(200, content=event["data"]).json()
        assert event["id"] == str(change_set["revision"])
        assert change_set["project_id"] == project["id"]
        assert change_set["actor"]["kind"] == "user"
        [change] = change_set["changes"]
        assert (change["entity"], change["entity_id"], change["action"]) == (
            "scene",
            scene["id"],
            "created",
        )
        assert change_set == (await history(client, project["id"], {}))[0]


async def test_a_dossier_change_and_its_undo_reach_an_open_stream(
    live: str, user: TestUser, project: Json
) -> None:
    async with (
        httpx.AsyncClient(base_url=live, headers=user.headers, timeout=10) as client,
        events(client, project["id"], {}) as stream,
    ):
        added = await client.post(
            f"/api/projects/{project['id']}/dossier/characters", json={"name": "Mara"}
        )
        assert added.status_code == 201, added.text
        event = await stream.change(seconds=1)
        change_set = httpx.Response(200, content=event["data"]).json()
        assert event["id"] == str(change_set["revision"])
        assert change_set["summary"] == "Added character “Mara”"
        [change] = change_set["changes"]
        assert (change["entity"], change["entity_id"], change["action"]) == (
            "dossier",
            added.json()["id"],
            "created",
        )
        assert change["after"]["kind"] == "characters"
        assert change_set == (await history(client, project["id"], {}))[0]

        undone = await client.post(f"/api/change-sets/{change_set['id']}/undo")
        assert undone.status_code == 201, undone.text
        undo_event = httpx.Response(200, content=(await stream.change(seconds=1))["data"]).json()
        assert undo_event["undoes"] == change_set["id"]
        assert undo_event["summary"] == "Undo: Removed character “Mara”"


async def test_last_event_id_replays_exactly_the_missed_change_sets_then_goes_live(
    live: str, user: TestUser, project: Json
) -> None:
    async with httpx.AsyncClient(base_url=live, headers=user.headers, timeout=10) as client:
        for index in range(5):
            await rename(client, project["id"], {}, f"Take {index}")
        made = sorted(
            change_set["revision"] for change_set in await history(client, project["id"], {})
        )
        seen = made[1]
        async with events(client, project["id"], {"Last-Event-ID": str(seen)}) as stream:
            replayed = [int((await stream.change())["id"]) for _ in made[2:]]
            assert replayed == made[2:]
            await rename(client, project["id"], {}, "Live")
            live_event = await stream.change()
            assert int(live_event["id"]) > made[-1]
            assert "Live" in live_event["data"]
            # Nothing else came: the next event is a change made after this point.
            await rename(client, project["id"], {}, "Next")
            assert "Next" in (await stream.change())["data"]


async def test_the_query_parameter_resumes_a_first_connection_and_the_header_wins(
    live: str, user: TestUser, project: Json
) -> None:
    async with httpx.AsyncClient(base_url=live, headers=user.headers, timeout=10) as client:
        for index in range(3):
            await rename(client, project["id"], {}, f"Cut {index}")
        made = sorted(
            change_set["revision"] for change_set in await history(client, project["id"], {})
        )
        async with events(client, project["id"], {}, last_event_id=str(made[0])) as stream:
            assert [int((await stream.change())["id"]) for _ in made[1:]] == made[1:]
        async with events(
            client, project["id"], {"Last-Event-ID": str(made[1])}, last_event_id=str(made[0])
        ) as stream:
            assert int((await stream.change())["id"]) == made[2]


async def test_a_client_that_does_not_read_gets_every_change_set_once_in_order(
    live: str, user: TestUser, project: Json, app: FastAPI
) -> None:
    """Notices coalesce while the client reads nothing; it still gets each change set once,
    in revision order, from the history."""
    async with (
        httpx.AsyncClient(base_url=live, headers=user.headers, timeout=10) as client,
        events(client, project["id"], {}) as stream,
    ):
        for index in range(30):
            await add_scene(client, project["id"], {}, f"Shot {index}")
        assert app.state.change_feed.subscriber_count == 1
        revisions = [int((await stream.change())["id"]) for _ in range(30)]
        assert revisions == sorted(set(revisions))
        made = sorted(c["revision"] for c in await history(client, project["id"], {}))
        assert revisions == made[-30:]


async def test_pings_come_while_nothing_changes(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    quick = make_app(EVENTS_PING_SECONDS=0.2)
    async with (
        serve(quick) as url,
        httpx.AsyncClient(base_url=url, headers=user.headers) as client,
        events(client, project["id"], {}) as stream,
    ):
        for _ in range(2):
            assert (await stream.next(seconds=2))["event"] == "ping"
    await quick.state.change_feed.close()


async def test_a_stream_ends_after_its_lifetime_and_says_how_soon_to_come_back(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    brief = make_app(EVENTS_STREAM_SECONDS=0.3)
    async with (
        serve(brief) as url,
        httpx.AsyncClient(base_url=url, headers=user.headers) as client,
        events(client, project["id"], {}) as stream,
    ):
        started = time.monotonic()
        assert await stream.until_end() == []
        assert time.monotonic() - started < 2
        assert stream.retry == "500"
    await brief.state.change_feed.close()


async def test_the_stream_is_the_owners_only(
    live: str, user: TestUser, make_user: UserFactory, project: Json
) -> None:
    stranger = await make_user()
    async with httpx.AsyncClient(base_url=live, timeout=10) as client:
        path = f"/api/projects/{project['id']}/events"
        foreign = await client.get(path, headers=stranger.headers)
        assert foreign.status_code == 404
        assert foreign.json() == {"detail": "Project not found"}
        missing = await client.get(f"/api/projects/{uuid.uuid4()}/events", headers=user.headers)
        assert missing.status_code == 404
        assert (await client.get(path)).status_code == 401
        bad = await client.get(path, headers={**user.headers, "Last-Event-ID": "yesterday"})
        assert bad.status_code == 422


async def test_a_disconnected_client_is_unsubscribed(
    live: str, user: TestUser, project: Json, app: FastAPI
) -> None:
    feed = app.state.change_feed
    async with (
        httpx.AsyncClient(base_url=live, headers=user.headers, timeout=10) as client,
        events(client, project["id"], {}) as stream,
    ):
        await rename(client, project["id"], {}, "Seen")
        await stream.change()
        assert feed.subscriber_count == 1

    async def unsubscribed() -> bool:
        return bool(feed.subscriber_count == 0)

    await eventually(unsubscribed, seconds=5, what="the stream's unsubscription")


async def test_the_stream_ends_when_the_project_is_deleted(
    make_app: AppFactory, user: TestUser, project: Json
) -> None:
    """A deletion takes the project's history with it (no change set to announce): the stream
    finds out at its next look, after a quiet period at the latest, and ends."""
    quick = make_app(EVENTS_PING_SECONDS=0.2)
    async with (
        serve(quick) as url,
        httpx.AsyncClient(base_url=url, headers=user.headers) as client,
        events(client, project["id"], {}) as stream,
    ):
        deleted = await client.delete(f"/api/projects/{project['id']}")
        assert deleted.status_code == 204
        assert {event["event"] for event in await stream.until_end()} <= {"ping"}
    await quick.state.change_feed.close()


@pytest.mark.parametrize("credential", ["session", "personal token"])
async def test_a_stream_ends_with_its_sign_in_and_cannot_reopen(
    make_app: AppFactory, user: TestUser, project: Json, credential: str
) -> None:
    """Signing out (or revoking the token the stream opened with) ends the stream at its next
    check, within EVENTS_PING_SECONDS, though the project is still there; it cannot reopen."""
    quick = make_app(EVENTS_PING_SECONDS=0.2)
    async with serve(quick) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        headers = user.headers
        if credential == "personal token":
            made = await client.post(
                "/api/users/me/tokens", json={"name": "Script", "scope": "read"}, headers=headers
            )
            assert made.status_code == 201, made.text
            headers = {"Authorization": f"Bearer {made.json()['token']}"}
        async with events(client, project["id"], headers) as stream:
            assert (await stream.next(seconds=2))["event"] == "ping"  # checked, still signed in
            if credential == "session":
                ended = await client.post("/api/auth/logout", headers=headers)
                assert ended.status_code == 204, ended.text
            else:
                token_id = made.json()["id"]
                revoked = await client.delete(
                    f"/api/users/me/tokens/{token_id}", headers=user.headers
                )
                assert revoked.status_code == 204, revoked.text
            started = time.monotonic()
            assert {event["event"] for event in await stream.until_end()} <= {"ping"}
            assert time.monotonic() - started < 2
        reopened = await client.get(f"/api/projects/{project['id']}/events", headers=headers)
        assert reopened.status_code == 401
    await quick.state.change_feed.close()


async def test_one_account_holds_at_most_its_share_of_streams(
    make_app: AppFactory, user: TestUser, make_user: UserFactory, project: Json
) -> None:
    """One stream over EVENTS_STREAMS_PER_USER is a 429 that says why; closing one frees its
    place, and other accounts are not affected."""
    capped = make_app(EVENTS_STREAMS_PER_USER=2)
    other = await make_user()
    async with serve(capped) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        other_project = await client.post(
            "/api/projects", json={"title": "Theirs"}, headers=other.headers
        )
        path = f"/api/projects/{project['id']}/events"
        async with (
            events(client, project["id"], user.headers),
            events(client, project["id"], user.headers),
        ):
            refused = await client.get(path, headers=user.headers)
            assert refused.status_code == 429, refused.text
            assert "2 live streams open" in refused.json()["detail"]
            assert refused.headers["retry-after"]
            async with events(client, other_project.json()["id"], other.headers) as theirs:
                await rename(client, other_project.json()["id"], other.headers, "Still theirs")
                assert (await theirs.change())["event"] == "change"

        async def place_free() -> bool:
            async with client.stream("GET", path, headers=user.headers) as again:
                return again.status_code == 200

        await eventually(place_free, seconds=5, what="a place freed by the closed streams")
    await capped.state.change_feed.close()


# --- several processes on one PostgreSQL ---------------------------------------------------------


@pytest.fixture
async def database_url(database: ThrowawayDatabase) -> AsyncIterator[str]:
    """A PostgreSQL database of its own, migrated (the processes write to it outside the tests'
    clean-up); `database` only chooses the backend, so the `postgresql` mark leaves SQLite out."""
    assert database.backend == "postgresql"
    url, name = await create_postgres_database()
    try:
        await migrate(url)
        yield url
    finally:
        await drop_postgres_database(name)


@asynccontextmanager
async def two_processes(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    env = app_env(database_url, tmp_path)
    async with app_process(env) as (first, _), app_process(env) as (second, _):
        yield first, second


@pytest.mark.postgresql
async def test_a_change_on_one_instance_reaches_a_stream_on_another_within_a_second(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        two_processes(database_url, tmp_path) as (first, second),
        httpx.AsyncClient(base_url=first, timeout=10) as writer,
    ):
        headers = await sign_up(writer, first, "live@example.com")
        writer.headers.update(headers)
        project = (await writer.post("/api/projects", json={"title": "Two"})).json()
        async with (
            httpx.AsyncClient(base_url=second, headers=headers, timeout=10) as reader,
            events(reader, project["id"], {}) as stream,
        ):
            for index in range(5):
                scene = await add_scene(writer, project["id"], {}, f"Shot {index}")
                # Within a second of the commit (the write's answer), or `change` fails.
                event = await stream.change(seconds=1)
                assert scene["id"] in event["data"]


@pytest.mark.postgresql
async def test_last_event_id_on_another_instance_replays_what_was_missed(
    database_url: str, tmp_path: Path
) -> None:
    async with (
        two_processes(database_url, tmp_path) as (first, second),
        httpx.AsyncClient(base_url=first, timeout=10) as writer,
    ):
        writer.headers.update(await sign_up(writer, first, "resume@example.com"))
        project = (await writer.post("/api/projects", json={"title": "Resume"})).json()
        async with httpx.AsyncClient(base_url=second, headers=writer.headers, timeout=10) as reader:
            async with events(reader, project["id"], {}) as stream:
                await rename(writer, project["id"], {}, "Seen")
                seen = int((await stream.change())["id"])
            # Disconnected: these are missed, then replayed on the other instance.
            for index in range(3):
                await rename(writer, project["id"], {}, f"Missed {index}")
            async with events(reader, project["id"], {"Last-Event-ID": str(seen)}) as stream:
                replayed = [await stream.change() for _ in range(3)]
                assert "Missed 0" in replayed[0]["data"]
                assert "Missed 2" in replayed[2]["data"]
                await rename(writer, project["id"], {}, "Live again")
                assert "Live again" in (await stream.change(seconds=1))["data"]
            made = sorted(c["revision"] for c in await history(writer, project["id"], {}))
            assert [int(event["id"]) for event in replayed] == [r for r in made if r > seen][:3]


@pytest.mark.postgresql
async def test_the_listener_reconnects_when_its_connection_drops(
    database_url: str, tmp_path: Path
) -> None:
    """Its LISTEN connection killed on the server, an instance listens again and its open
    streams catch up on what committed meanwhile."""
    async with (
        two_processes(database_url, tmp_path) as (first, second),
        httpx.AsyncClient(base_url=first, timeout=10) as writer,
    ):
        writer.headers.update(await sign_up(writer, first, "drop@example.com"))
        project = (await writer.post("/api/projects", json={"title": "Drop"})).json()
        async with (
            httpx.AsyncClient(base_url=second, headers=writer.headers, timeout=10) as reader,
            events(reader, project["id"], {}) as stream,
        ):
            admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
            try:
                killed = await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = $1 AND query LIKE $2",
                    database_url.rsplit("/", 1)[1],
                    f"LISTEN %{CHANNEL}%",
                )
            finally:
                await admin.close()
            assert killed == 1
            await rename(writer, project["id"], {}, "After the drop")
            assert "After the drop" in (await stream.change(seconds=10))["data"]
            await rename(writer, project["id"], {}, "Live again")
            assert "Live again" in (await stream.change(seconds=1))["data"]


async def test_shutting_down_ends_open_streams(database: ThrowawayDatabase, tmp_path: Path) -> None:
    """SIGTERM ends the streams first, so the server's graceful shutdown does not wait on them."""
    env = app_env(database.url, tmp_path / "data")
    async with (
        app_process(env) as (url, process),
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        client.headers.update(
            await sign_up(client, url, f"stop-{uuid.uuid4().hex[:6]}@example.com")
        )
        project = (await client.post("/api/projects", json={"title": "Stop"})).json()
        async with events(client, project["id"], {}) as stream:
            await rename(client, project["id"], {}, "Before")
            await stream.change()
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            assert await stream.until_end() == []
        # uvicorn re-raises the signal once it has shut down gracefully.
        assert await asyncio.wait_for(process.wait(), 5) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < 5
