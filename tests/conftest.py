"""Fixtures: every test that touches the database runs once on SQLite and once on PostgreSQL
(browser tests on PostgreSQL only: see `_postgresql_only`).

Each backend gets a throwaway database migrated once with the real `alembic upgrade head`; each
test gets a fresh app on it, and its rows are deleted afterwards so tests never share data.
"""

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import event, text

from alembic import command
from backend.core.config import Settings
from backend.main import create_app
from backend.models import Base

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASES = [
    name.strip() for name in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",")
]
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["configure_logger"] = False
    return config


async def migrate(database_url: str, revision: str = "head") -> None:
    # env.py runs its own event loop, so it goes to a thread.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), revision)


@dataclass
class ThrowawayDatabase:
    backend: str
    url: str


async def create_postgres_database() -> tuple[str, str]:
    """A fresh database on the local server; returns (its async URL, its name)."""
    name = f"scenecraft_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}", name


async def drop_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


E2E = ROOT / "tests" / "e2e"


def _postgresql_only(item: pytest.Item) -> bool:
    """A test marked `postgresql` needs what only PostgreSQL has (a second instance to exclude,
    say). A browser test checks the page, which cannot tell the databases apart (the API suite
    runs on both): it runs on PostgreSQL, the production one, when that is in the run."""
    if item.get_closest_marker("postgresql"):
        return True
    return "postgresql" in TEST_DATABASES and item.path.is_relative_to(E2E)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The SQLite run of a PostgreSQL-only test is left out at collection, not collected and
    skipped."""
    dropped = [
        item
        for item in items
        if getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database") == "sqlite"  # type: ignore[attr-defined]
        and _postgresql_only(item)
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(scope="session", params=TEST_DATABASES)
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ThrowawayDatabase]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'scenecraft.db'}"
        await migrate(url)
        yield ThrowawayDatabase("sqlite", url)
        return
    if request.param != "postgresql":
        raise ValueError(f"unknown test database {request.param!r}")
    url, name = await create_postgres_database()
    try:
        await migrate(url)
        yield ThrowawayDatabase("postgresql", url)
    finally:
        await drop_postgres_database(name)


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "DATA_DIR": data_dir,
        "SECRET_KEY": TEST_SECRET,
        "BCRYPT_ROUNDS": 4,
        "LOG_LEVEL": "WARNING",
        "DB_POOL_SIZE": 5,
        # Always the offline model, whatever the machine's environment says.
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "OPENAI_MODEL": "",
        "CHAT_ENGINE": "assistants",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database: ThrowawayDatabase, tmp_path: Path) -> Settings:
    return make_settings(database.url, tmp_path)


async def delete_all_rows(app: FastAPI) -> None:
    async with app.state.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())


async def stop_app(application: FastAPI, *, owns_model_client: bool = True) -> None:
    """Stop the app's running turns first (each writes how it ended), then close its clients.
    Its engine stays usable."""
    await application.state.change_feed.close()
    await application.state.chat_service.close()
    application.state.pdf_renderer.close()
    if owns_model_client:
        await application.state.model_client.close()


async def close_and_wipe(application: FastAPI) -> None:
    """End the test's app, then delete every row its test made."""
    await stop_app(application)
    await delete_all_rows(application)
    await application.state.engine.dispose()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app; afterwards every app made on the database is closed before its rows are wiped,
    so no turn still running can write after the wipe."""
    application = create_app(settings)
    yield application
    await close_and_wipe(application)


AppFactory = Callable[..., FastAPI]


@pytest.fixture
async def make_app(settings: Settings, app: FastAPI) -> AsyncIterator[AppFactory]:
    """More app instances on the same database (settings overridden, a model client shared if
    given). They are closed before the `app` fixture wipes the rows (fixtures end in reverse)."""
    made: list[tuple[FastAPI, bool]] = []

    def build(model_client: object = None, **overrides: object) -> FastAPI:
        instance = create_app(settings.model_copy(update=overrides), model_client)  # type: ignore[arg-type]
        made.append((instance, model_client is None))
        return instance

    yield build
    for instance, owns_client in made:
        await stop_app(instance, owns_model_client=owns_client)
        await instance.state.engine.dispose()


class StatementLog:
    """What the app's connections send for a block of work, and with which options."""

    def __init__(self, app: FastAPI) -> None:
        self.engine = app.state.engine.sync_engine
        self.entries: list[tuple[str, dict[str, Any]]] = []

    def __enter__(self) -> "StatementLog":
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.entries.append((statement, dict(connection.get_execution_options())))

    def statements(self) -> list[str]:
        return [statement for statement, _ in self.entries]

    def begins(self) -> list[str]:
        return [statement for statement, _ in self.entries if statement.startswith("BEGIN")]

    def isolation_levels(self) -> set[str | None]:
        return {options.get("isolation_level") for _, options in self.entries}


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """A server-sent event stream's events as (name, parsed data), as they arrive."""
    name = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))


def asgi_client(app: FastAPI, **kwargs: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as http_client:
        yield http_client


@dataclass
class TestUser:
    __test__ = False

    id: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


UserFactory = Callable[..., Awaitable[TestUser]]


@pytest.fixture
def make_user(client: httpx.AsyncClient) -> UserFactory:
    async def create(email: str | None = None, password: str = PASSWORD) -> TestUser:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        registered = await client.post(
            "/api/auth/register", json={"email": email, "password": password}
        )
        assert registered.status_code == 201, registered.text
        login = await client.post("/api/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        client.cookies.clear()
        return TestUser(registered.json()["id"], email, password, login.json()["access_token"])

    return create


@pytest.fixture
async def user(make_user: UserFactory) -> TestUser:
    return await make_user()


@pytest.fixture
async def project(client: httpx.AsyncClient, user: TestUser) -> dict[str, object]:
    response = await client.post("/api/projects", json={"title": "Teaser"}, headers=user.headers)
    assert response.status_code == 201
    return dict(response.json())
