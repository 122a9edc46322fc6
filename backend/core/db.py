"""The async engine, session factory and units of work, with SQLite tuned to behave under
concurrent requests; and RowReader, the lean path for the busiest read."""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import CompoundSelect, Select, event, func, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import await_, greenlet_spawn

from backend.core.config import Settings

# Execution option a unit of work sets when it is going to write: on SQLite its transaction then
# starts with BEGIN IMMEDIATE, so two writers queue on the busy timeout instead of one failing
# with "database is locked" when it upgrades a read lock.
SQLITE_WRITE_OPTION = "scenecraft_sqlite_write"

ReadStatement = Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]


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


async def advisory_lock(session: AsyncSession, name: str, *, wait: bool = True) -> bool:
    """Take the transaction-scoped PostgreSQL advisory lock `name` (released at commit or
    rollback, so it is safe behind PgBouncer's transaction pooling); False when `wait` is off
    and another transaction holds it. SQLite needs none: its writers queue already (BEGIN
    IMMEDIATE), and it serves one instance."""
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return True
    lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
    taken = await session.scalar(select(lock(func.hashtext(name))))
    return wait or bool(taken)


async def notify(session: AsyncSession, channel: str, payload: str) -> None:
    """PostgreSQL's NOTIFY in the session's transaction: every connection LISTENing on `channel`
    (on any instance) receives `payload` when, and only if, the transaction commits."""
    await session.execute(select(func.pg_notify(channel, payload)))


@asynccontextmanager
async def exclusively(
    session_factory: async_sessionmaker[AsyncSession], name: str
) -> AsyncIterator[bool]:
    """Whether this process may do the work named `name` now, held for the block: on
    PostgreSQL a transaction-scoped advisory lock taken without waiting (False: another
    instance holds it), its transaction idle meanwhile and never writing. SQLite serves one
    instance, so always True."""
    async with session_factory() as session:
        try:
            yield await advisory_lock(session, name, wait=False)
        finally:
            await session.rollback()


class RowReader:
    """Runs a read-only SELECT outside any transaction, for the busiest read, where
    SQLAlchemy's per-execution work costs more than the query itself.

    Its connections are the engine's: the same pool, URL and connect options, so the two can
    never disagree. On PostgreSQL it borrows the asyncpg connection the pool lends and sends the
    statement, compiled once, straight to it (autocommit: the pool hands connections back with
    no transaction open, and the statement opens none). Elsewhere (SQLite) it executes through
    the engine.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._uses_asyncpg = engine.dialect.driver == "asyncpg"
        self._compiled: dict[ReadStatement, SQLCompiler] = {}

    async def rows(
        self, statement: ReadStatement, parameters: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        if not self._uses_asyncpg:
            async with self._engine.connect() as connection:
                return (await connection.execute(statement, parameters)).all()
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = statement.compile(dialect=self._engine.dialect)
            self._compiled[statement] = compiled
        arguments = [parameters[name] for name in compiled.positiontup or ()]
        # One hop into a greenlet for the whole read, not one each for checkout and return: the
        # pool's own code is synchronous and awaits through the greenlet only when it must
        # (opening, recycling or closing a connection).
        return await greenlet_spawn(self._fetch, compiled.string, arguments)

    def _fetch(self, sql: str, arguments: Sequence[Any]) -> Sequence[Sequence[Any]]:
        pooled = self._engine.sync_engine.raw_connection()
        try:
            driver = pooled.driver_connection
            assert driver is not None  # only an invalidated connection has none
            records: Sequence[Sequence[Any]] = await_(driver.fetch(sql, *arguments))
        except BaseException:
            # Cut off mid-statement (cancelled, or the server went away): never reuse it.
            pooled.invalidate()
            raise
        finally:
            pooled.close()
        return records

    async def first_row(
        self, statement: ReadStatement, parameters: Mapping[str, Any]
    ) -> Sequence[Any] | None:
        rows = await self.rows(statement, parameters)
        return rows[0] if rows else None


@asynccontextmanager
async def unit_of_work(
    session_factory: async_sessionmaker[AsyncSession], *, write: bool = False
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back when it raises."""
    async with session_factory() as session:
        await (begin_write if write else begin_read)(session)
        yield session
        await session.commit()
