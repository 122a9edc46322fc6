"""The live change feed: which project reached which revision, told to every app instance
(`services/live_events.py` turns it into each stream's change sets).

A write announces itself inside its own transaction (`announce`, called by the history's write
path). On PostgreSQL that is `pg_notify`, which the server delivers to every listening
connection when, and only if, the transaction commits; on SQLite, which serves one instance, the
notice is published in process after the commit. Each app instance keeps one `ChangeFeed`: on
PostgreSQL one dedicated connection doing LISTEN (opened with the first subscriber, reopened
when it drops, closed at shutdown) that wakes the subscribers of the project named.

A notice carries only the project and its revision, never data: a woken stream reads the change
sets after the last revision it sent from the history. Notices therefore coalesce — however slow a
client, its subscription holds one flag, not a queue — and a lost, late or repeated notice can
delay an event but never lose, repeat or reorder one.
"""

import asyncio
import logging
import signal
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from types import FrameType
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from backend.core.db import notify

logger = logging.getLogger("scenecraft.change_feed")

CHANNEL = "scenecraft_changes"
_PENDING = "scenecraft_change_notices"
"""session.info key (SQLite): the notices to publish once the transaction commits."""

LISTEN_RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)
"""Waits before each new attempt to reopen the LISTEN connection; the last one repeats."""

# SQLite: each engine's feed, found from the committing session.
_LOCAL_FEEDS: "weakref.WeakKeyDictionary[Engine, ChangeFeed]" = weakref.WeakKeyDictionary()


async def announce(session: AsyncSession, project_id: uuid.UUID, revision: int) -> None:
    """Tell every instance's streams, once this transaction commits, that `project_id` reached
    `revision`. Nothing is told if the transaction rolls back."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await notify(session, CHANNEL, f"{project_id}:{revision}")
        return
    feed = _LOCAL_FEEDS.get(session.sync_session.get_bind().engine)
    if feed is not None:
        session.info.setdefault(_PENDING, []).append((feed, project_id))


@event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    for feed, project_id in session.info.pop(_PENDING, ()):
        feed.publish(project_id)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


class Subscription:
    """One stream's interest in one project. It holds a flag, not a queue: a notice wakes it,
    and the stream reads from the history whatever happened since it last looked. `woken` is
    the feed's `sequence` when it was last woken (or subscribed): a read of the project begun
    at that sequence or later sees everything the wake announced."""

    def __init__(self, sequence: int) -> None:
        self._woken = asyncio.Event()
        self.woken = sequence

    def wake(self, sequence: int) -> None:
        self.woken = sequence
        self._woken.set()

    async def wait(self, seconds: float) -> bool:
        """True once woken (something changed, or the feed is closing); False after `seconds`
        of quiet."""
        try:
            async with asyncio.timeout(seconds):
                await self._woken.wait()
        except TimeoutError:
            return False
        self._woken.clear()
        return True


class ChangeFeed:
    """The fan-out of one app instance: its subscriptions by project, and on PostgreSQL the one
    connection that LISTENs for every project's notices."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._listens = engine.dialect.name == "postgresql"
        self._subscriptions: dict[uuid.UUID, set[Subscription]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._sequence = 0
        self.closed = False
        if not self._listens:
            _LOCAL_FEEDS[engine.sync_engine] = self

    @property
    def sequence(self) -> int:
        """Counts subscriptions and wakes: what a reader notes when it starts reading."""
        return self._sequence

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence

    @property
    def subscriber_count(self) -> int:
        return sum(len(subscriptions) for subscriptions in self._subscriptions.values())

    @asynccontextmanager
    async def subscribe(self, project_id: uuid.UUID) -> AsyncIterator[Subscription]:
        """Woken by every change to the project from now on (on PostgreSQL, once the listener
        is LISTENing: whatever commits after this returns, it hears)."""
        subscription = Subscription(self._next())
        self._subscriptions.setdefault(project_id, set()).add(subscription)
        try:
            if self.closed:
                subscription.wake(self._next())
            elif self._listens:
                if self._listener is None or self._listener.done():
                    self._listener = asyncio.create_task(self._listen(), name="change-feed")
                # A listener that cannot connect must not hold the stream: its replay and its
                # pings still run, and the reconnection wakes every stream to catch up.
                with suppress(TimeoutError):
                    async with asyncio.timeout(5):
                        await self._listening.wait()
            yield subscription
        finally:
            subscriptions = self._subscriptions.get(project_id)
            if subscriptions is not None:
                subscriptions.discard(subscription)
                if not subscriptions:
                    del self._subscriptions[project_id]

    def publish(self, project_id: uuid.UUID) -> None:
        sequence = self._next()
        for subscription in self._subscriptions.get(project_id, ()):
            subscription.wake(sequence)

    def _wake_all(self) -> None:
        sequence = self._next()
        for subscriptions in self._subscriptions.values():
            for subscription in subscriptions:
                subscription.wake(sequence)

    def _on_notice(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        project_id, _, _revision = payload.partition(":")
        try:
            self.publish(uuid.UUID(project_id))
        except ValueError:
            logger.warning("ignored a malformed change notice", extra={"payload": payload[:100]})

    async def _listen(self) -> None:
        """Hold one connection LISTENing on the channel; when it drops, reopen it (backing off)
        and wake every stream, since notices sent meanwhile were missed."""
        failures = 0
        while not self.closed:
            try:
                async with self._engine.connect() as connection:
                    pooled = await connection.get_raw_connection()
                    driver = pooled.driver_connection
                    assert driver is not None
                    lost = asyncio.Event()
                    driver.add_termination_listener(lambda _connection, lost=lost: lost.set())
                    try:
                        await driver.add_listener(CHANNEL, self._on_notice)
                        self._listening.set()
                        if failures:
                            logger.info("change feed listening again")
                            self._wake_all()
                        failures = 0
                        await lost.wait()
                    finally:
                        self._listening.clear()
                        # Never back to the pool: it was LISTENing, and may be broken.
                        await connection.invalidate()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("change feed connection failed", exc_info=True)
            failures += 1
            if not self.closed:
                self._wake_all()
                await asyncio.sleep(
                    LISTEN_RETRY_SECONDS[min(failures, len(LISTEN_RETRY_SECONDS)) - 1]
                )

    def stop_streams(self) -> None:
        """End every stream now and refuse new ones (their clients reconnect elsewhere)."""
        self.closed = True
        self._wake_all()

    async def close(self) -> None:
        self.stop_streams()
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)

    @asynccontextmanager
    async def ending_streams_on_exit_signals(self) -> AsyncIterator[None]:
        """While the block runs, SIGINT and SIGTERM first end every stream, then do what they
        did before (uvicorn's graceful shutdown, which waits for open responses to finish: an
        event stream never would)."""
        loop = asyncio.get_running_loop()
        previous: dict[signal.Signals, Any] = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(signum)
            if callable(handler):
                previous[signum] = handler
                with suppress(ValueError):  # only the main thread may set handlers
                    signal.signal(signum, self._chained(loop, handler))
        try:
            yield
        finally:
            for signum, handler in previous.items():
                with suppress(ValueError):
                    signal.signal(signum, handler)

    def _chained(
        self, loop: asyncio.AbstractEventLoop, handler: Callable[[int, FrameType | None], Any]
    ) -> Callable[[int, FrameType | None], Any]:
        def on_signal(signum: int, frame: FrameType | None) -> Any:
            loop.call_soon_threadsafe(self.stop_streams)
            return handler(signum, frame)

        return on_signal
