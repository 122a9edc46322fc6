"""What the benchmarks share: a throwaway PostgreSQL database and servers on loopback.

The servers are the tests' own (tests/servers.py: the same start, readiness wait and clean
exit), driven from these synchronous scripts by `running`.
"""

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx
from playwright.async_api import Browser, Page

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402  (the repository root is on the path only now)
    CHROMIUM_LAUNCH_OPTIONS,
    ServerProcess,
    app_process,
    free_port,
    server_process,
)

__all__ = ["CHROMIUM_LAUNCH_OPTIONS", "ServerProcess", "free_port", "server_process"]

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "benchmark password"
T = TypeVar("T")


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


@contextmanager
def running(server: AbstractAsyncContextManager[T]) -> Iterator[T]:
    """An async server context (tests/servers.py) from synchronous code: its event loop runs
    while the server starts and while it stops; the body may run loops of its own meanwhile."""
    with asyncio.Runner() as runner:
        started = runner.run(server.__aenter__())
        try:
            yield started
        except BaseException:
            if not runner.run(server.__aexit__(*sys.exc_info())):
                raise
        else:
            runner.run(server.__aexit__(None, None, None))


@contextmanager
def app_server(
    database_url: str, *, factory: str = "backend.main:create_app", **settings: str
) -> Iterator[str]:
    """An app factory (ours by default) under uvicorn (one worker, production settings) on a
    free port. Yields its URL."""
    environment = {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "INFO",
        **settings,
    }
    # Any factory answers /healthz; ours also says when its database does.
    ready_path = "/readyz" if factory == "backend.main:create_app" else "/healthz"
    with running(
        app_process(environment, factory=factory, ready_path=ready_path, quiet=True)
    ) as server:
        yield server.url


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


async def signed_in_page(browser: Browser, base: str, headers: dict[str, str]) -> Page:
    """A desktop-sized page signed in as the bench user, by the session cookie the app sets."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    token = headers["Authorization"].removeprefix("Bearer ")
    await context.add_cookies([{"name": "scenecraft_session", "value": token, "url": base}])
    return await context.new_page()
