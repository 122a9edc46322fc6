"""What the benchmarks share: a throwaway PostgreSQL database and app servers on loopback."""

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "benchmark password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A new migrated PostgreSQL database; dropped afterwards. Yields its URL."""
    name = f"scenecraft_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def wait_until_up(url: str, path: str = "/healthz", seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url + path).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.1)


@contextmanager
def app_server(
    database_url: str, *, factory: str = "backend.main:create_app", **settings: str
) -> Iterator[str]:
    """An app factory (ours by default) under uvicorn (one worker, production settings) on a
    free port. Yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "INFO",
        **settings,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(15)


def signed_in(url: str, email: str = "bench@example.com") -> dict[str, str]:
    """Registers (once) and signs in; returns the bearer header."""
    with httpx.Client(base_url=url, timeout=60) as client:
        client.post("/api/auth/register", json={"email": email, "password": PASSWORD})
        token = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "access_token"
        ]
    return {"Authorization": f"Bearer {token}"}


def project_with_scenes(
    url: str, headers: dict[str, str], count: int, title: str = "Benchmark"
) -> str:
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        project = client.post("/api/projects", json={"title": title}).json()["id"]
        for number in range(count):
            client.post(
                f"/api/projects/{project}/scenes",
                json={
                    "title": f"Scene {number + 1}",
                    "script": f"Scene {number + 1}. A wide shot of the harbour at dawn; gulls circle. "
                    * 3,
                    "image_url": f"https://images.example.com/{number}.jpg",
                },
            ).raise_for_status()
    return str(project)
