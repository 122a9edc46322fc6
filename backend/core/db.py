"""The async engine, session factory and units of work, with SQLite tuned to behave under
concurrent requests; and RowReader, the lean path for the busiest read."""

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import Select, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.compiler import SQLCompiler

from backend.core.config import Settings

# Execution option a unit of work sets when it is going to write: on SQLite its transaction then
# starts with BEGIN IMMEDIATE, so two writers queue on the busy timeout instead of one failing
# with "database is locked" when it upgrades a read lock.
SQLITE_WRITE_OPTION = "scenecraft_sqlite_write"


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if url.startswith("sqlite"):
        if ":memory:" not in url and "///" in url:
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _tune_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        hide_parameters=True,  # errors and logs would otherwise quote users' text and emails
        pool_size=settings.DB_POOL_SIZE,
        max_overflow=settings.DB_POOL_SIZE,
        pool_pre_ping=False,
        pool_recycle=1800,
    )


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see on_begin); pysqlite's own is deferred-only.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(SQLITE_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def begin_write(session: AsyncSession) -> None:
    """Open the session's transaction as a writer (BEGIN IMMEDIATE on SQLite; a no-op elsewhere)."""
    await session.connection(execution_options={SQLITE_WRITE_OPTION: True})


async def begin_read(session: AsyncSession) -> None:
    """Read without BEGIN/COMMIT on PostgreSQL: under READ COMMITTED every statement sees its own
    snapshot even inside a transaction, so a read-only unit of work loses nothing and saves two
    round trips."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


async def begin_snapshot(session: AsyncSession) -> None:
    """Read several statements from one snapshot: REPEATABLE READ on PostgreSQL (SQLite's BEGIN
    in WAL mode already reads one)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


class RowReader:
    """Runs one SELECT and returns its first row: for the busiest read, where SQLAlchemy's
    connection checkout and per-execution work cost more than the query itself.

    On PostgreSQL it has an asyncpg pool of its own and sends each statement compiled once. Its
    connections only ever run single autocommit SELECTs, so they carry no session state and go
    back to the pool without asyncpg's reset round trip. Elsewhere (SQLite) it uses the engine.
    """

    def __init__(self, engine: AsyncEngine, pool_size: int) -> None:
        self._engine = engine
        self._pool_size = pool_size
        self._uses_asyncpg = engine.dialect.driver == "asyncpg"
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()
        self._compiled: dict[Select[*tuple[Any, ...]], SQLCompiler] = {}

    async def first_row(
        self, statement: Select[*tuple[Any, ...]], parameters: Mapping[str, Any]
    ) -> Sequence[Any] | None:
        if not self._uses_asyncpg:
            async with self._engine.connect() as connection:
                row: Sequence[Any] | None = (
                    await connection.execute(statement, parameters)
                ).first()
            return row
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = statement.compile(dialect=self._engine.dialect)
            self._compiled[statement] = compiled
        pool = self._pool or await self._open_pool()
        async with pool.acquire() as connection:
            record: Sequence[Any] | None = await connection.fetchrow(
                compiled.string, *(parameters[name] for name in compiled.positiontup or ())
            )
        return record

    async def _open_pool(self) -> asyncpg.Pool:
        async with self._pool_lock:
            if self._pool is None:
                url = self._engine.url.set(drivername="postgresql")
                self._pool = await asyncpg.create_pool(
                    url.render_as_string(hide_password=False),
                    min_size=1,
                    max_size=self._pool_size,
                    reset=_keep_connection_as_is,
                )
            return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _keep_connection_as_is(_connection: asyncpg.Connection) -> None:
    """A RowReader connection holds no state to reset (see RowReader)."""


@asynccontextmanager
async def unit_of_work(
    session_factory: async_sessionmaker[AsyncSession], *, write: bool = False
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back when it raises."""
    async with session_factory() as session:
        await (begin_write if write else begin_read)(session)
        yield session
        await session.commit()
