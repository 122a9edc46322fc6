"""Real app processes sharing one database: the one-running-turn rule holds across two of them,
and a process killed mid-turn does not lock its conversation for longer than the turn's lease."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    PASSWORD,
    TEST_DATABASES,
    TEST_SECRET,
    create_postgres_database,
    drop_postgres_database,
    migrate,
)
from tests.servers import app_process

# Short enough for the test to take seconds; the defaults are 15 s and 5 s.
LEASE_SECONDS = 2.0
HEARTBEAT_SECONDS = 0.5


def app_env(database_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "ENVIRONMENT": "test",
        "BCRYPT_ROUNDS": "4",
        "LOG_LEVEL": "WARNING",
        "DATA_DIR": str(data_dir),
        **settings,
    }


async def sign_up(client: httpx.AsyncClient, url: str, email: str) -> dict[str, str]:
    await client.post(url + "/api/auth/register", json={"email": email, "password": PASSWORD})
    login = await client.post(url + "/api/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


@pytest.fixture(params=TEST_DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, migrated: the processes write to it outside the tests' clean-up."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'instances.db'}"
        await migrate(url)
        yield url
        return
    url, name = await create_postgres_database()
    try:
        await migrate(url)
        yield url
    finally:
        await drop_postgres_database(name)


@pytest.fixture
async def two_instances(database_url: str, tmp_path: Path) -> AsyncIterator[list[str]]:
    env = app_env(database_url, tmp_path, OFFLINE_MODEL_LATENCY_MS="1500")
    async with app_process(env) as (first, _), app_process(env) as (second, _):
        yield [first, second]


async def test_twenty_sends_across_two_processes_run_one_turn(two_instances: list[str]) -> None:
    first, second = two_instances
    async with httpx.AsyncClient(timeout=30) as client:
        headers = await sign_up(client, first, "two@example.com")
        project = (
            await client.post(first + "/api/projects", json={"title": "Shared"}, headers=headers)
        ).json()
        responses = await asyncio.gather(
            *[
                client.post(
                    f"{two_instances[i % 2]}/api/chat/{project['id']}/send",
                    json={"message": f"add a scene called S{i}"},
                    headers=headers,
                )
                for i in range(20)
            ]
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] + [409] * 19, [
            r.text for r in responses if r.status_code not in (200, 409)
        ]
        scenes = (
            await client.get(f"{second}/api/projects/{project['id']}", headers=headers)
        ).json()["scenes"]
        assert len(scenes) == 1
        history = (
            await client.get(f"{first}/api/chat/{project['id']}/messages", headers=headers)
        ).json()
        assert [m["role"] for m in history["messages"]] == ["user", "assistant"]


async def test_a_killed_instance_unlocks_its_conversation_within_the_lease(
    database_url: str, tmp_path: Path
) -> None:
    """kill -9 once the turn's tool has run (the model then takes a second to answer); the
    restarted app takes the conversation's next message as soon as the dead turn's lease runs
    out, and the dead turn's message is marked failed with the change it made."""
    env = app_env(
        database_url,
        tmp_path,
        OFFLINE_MODEL_LATENCY_MS="1000",
        CHAT_TURN_LEASE_SECONDS=str(LEASE_SECONDS),
        CHAT_TURN_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
    )
    async with httpx.AsyncClient(timeout=30) as client:
        async with app_process(env) as (url, process):
            headers = await sign_up(client, url, "killed@example.com")
            project = (
                await client.post(url + "/api/projects", json={"title": "Kill"}, headers=headers)
            ).json()
            chat = f"/api/chat/{project['id']}"
            async with client.stream(
                "POST",
                url + chat + "/stream",
                json={"message": "add a scene called Ghost"},
                headers=headers,
            ) as response:
                async for line in response.aiter_lines():
                    if line == "event: tool_result":
                        break
                process.kill()
                await process.wait()
                killed_at = time.monotonic()

        async with app_process(env) as (url, _):
            ready_after = time.monotonic() - killed_at
            deadline = killed_at + 30
            while True:
                attempt = await client.post(
                    url + chat + "/send", json={"message": "anyone there?"}, headers=headers
                )
                if attempt.status_code != 409:
                    break
                assert time.monotonic() < deadline, "the conversation is still locked"
                await asyncio.sleep(0.05)  # the poll's interval, not a wait for an outcome
            unlocked_after = time.monotonic() - killed_at - attempt.elapsed.total_seconds()
            print(
                f"\n{database_url.split('+')[0]}: a new send was taken {unlocked_after:.2f} s "
                f"after kill -9 (lease {LEASE_SECONDS:g} s, heartbeat {HEARTBEAT_SECONDS:g} s, "
                f"the restarted app ready after {ready_after:.2f} s)"
            )
            assert attempt.status_code == 200, attempt.text
            assert unlocked_after <= max(LEASE_SECONDS, ready_after) + 1

            messages = (await client.get(url + chat + "/messages", headers=headers)).json()
            dead, *rest = messages["messages"]
            assert (dead["content"], dead["status"]) == ("add a scene called Ghost", "failed")
            assert [(c["name"], c["ok"]) for c in dead["tool_calls"]] == [("create_scene", True)]
            assert [(m["role"], m["status"]) for m in rest] == [
                ("user", "complete"),
                ("assistant", "complete"),
            ]
            scenes = (
                await client.get(f"{url}/api/projects/{project['id']}", headers=headers)
            ).json()["scenes"]
            assert [scene["title"] for scene in scenes] == ["Ghost"]
