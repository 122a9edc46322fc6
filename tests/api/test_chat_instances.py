"""Two real app processes sharing one PostgreSQL database: the one-running-turn rule holds."""

import asyncio
from collections.abc import AsyncIterator

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


@pytest.fixture(params=[name for name in TEST_DATABASES if name == "postgresql"])
async def two_instances(
    request: pytest.FixtureRequest, tmp_path: object
) -> AsyncIterator[list[str]]:
    url, name = await create_postgres_database()
    await migrate(url)
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": TEST_SECRET,
        "ENVIRONMENT": "test",
        "BCRYPT_ROUNDS": "4",
        "LOG_LEVEL": "WARNING",
        "OFFLINE_MODEL_LATENCY_MS": "1500",
        "DATA_DIR": str(tmp_path),
    }
    try:
        async with app_process(env) as first, app_process(env) as second:
            yield [first.url, second.url]
    finally:
        await drop_postgres_database(name)


async def test_twenty_sends_across_two_processes_run_one_turn(two_instances: list[str]) -> None:
    first, second = two_instances
    async with httpx.AsyncClient(timeout=30) as client:
        await client.post(
            first + "/api/auth/register", json={"email": "two@example.com", "password": PASSWORD}
        )
        token = (
            await client.post(
                second + "/api/auth/login", json={"email": "two@example.com", "password": PASSWORD}
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
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
