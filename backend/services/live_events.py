"""A project's live event stream: its change sets after a revision, then each one as it
commits on any instance, read from the history whenever the change feed says the project moved."""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.db import unit_of_work
from backend.core.errors import NotFoundError, ThrottledError
from backend.repositories import change_feed as feed_repository
from backend.repositories import history as history_repository
from backend.schemas.history import ChangeSetPublic
from backend.services.change_feed import ChangeFeed
from backend.services.history import change_set_public
from backend.services.projects import require_project

READ_BATCH = 100
"""Change sets a stream reads from the history at a time (a long replay reads several batches)."""


async def changes_after(
    session: AsyncSession, project_id: uuid.UUID, revision: int, limit: int
) -> list[ChangeSetPublic]:
    """The project's change sets after `revision`, oldest first."""
    change_sets = await feed_repository.list_change_sets_after(session, project_id, revision, limit)
    changes = await history_repository.list_changes(session, [c.id for c in change_sets])
    return [change_set_public(c, changes[c.id]) for c in change_sets]


@dataclass(frozen=True, slots=True)
class _Look:
    """One read of a project for its streams: its revision and the change sets after one."""

    revision: int
    change_sets: list[ChangeSetPublic]


@dataclass(frozen=True, slots=True)
class _Reading:
    sequence: int  # the feed's sequence when the read began
    task: "asyncio.Task[_Look | None]"


class LiveEvents:
    """The event streams of one app instance. Streams of a project that a notice woke together
    look together: one read of the history (and of the project, for its owner) serves them all,
    so a change costs each instance a few queries however many streams follow it."""

    def __init__(self, feed: ChangeFeed, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.feed = feed
        self._session_factory = session_factory
        self._readings: dict[tuple[uuid.UUID, uuid.UUID, int | None], _Reading] = {}
        self._open_streams: Counter[uuid.UUID] = Counter()

    @contextmanager
    def stream_slot(self, user_id: uuid.UUID, limit: int) -> Iterator[None]:
        """One of the user's at most `limit` streams on this instance, held while it is open:
        one more is refused (429) rather than letting one account hold every subscription."""
        if self._open_streams[user_id] >= limit:
            raise ThrottledError(
                f"You already have {limit} live streams open (a browser tab each): close some "
                "tabs of your projects and try again.",
                retry_after_seconds=10,
            )
        self._open_streams[user_id] += 1
        try:
            yield
        finally:
            self._open_streams[user_id] -= 1
            if not self._open_streams[user_id]:
                del self._open_streams[user_id]

    async def _read(
        self, project_id: uuid.UUID, user_id: uuid.UUID, after: int | None
    ) -> _Look | None:
        async with unit_of_work(self._session_factory) as session:
            try:
                project = await require_project(session, project_id, user_id)
            except NotFoundError:
                return None
            # A revision the project has not reached (or none) counts as now.
            start = project.revision if after is None or after > project.revision else after
            return _Look(start, await changes_after(session, project_id, start, READ_BATCH))

    async def _look(
        self, project_id: uuid.UUID, user_id: uuid.UUID, after: int | None, woken: int
    ) -> _Look | None:
        """The project after revision `after`, read no earlier than sequence `woken`: a read
        already under way joins only if it began since then (else it may predate the change)."""
        key = (project_id, user_id, after)
        reading = self._readings.get(key)
        if reading is None or reading.sequence < woken:
            reading = _Reading(
                self.feed.sequence, asyncio.create_task(self._read(project_id, user_id, after))
            )
            self._readings[key] = reading

            def forget(
                _task: object,
                key: tuple[uuid.UUID, uuid.UUID, int | None] = key,
                reading: _Reading = reading,
            ) -> None:
                if self._readings.get(key) is reading:
                    del self._readings[key]

            reading.task.add_done_callback(forget)
        # A stream that goes away stops waiting; the read goes on for the others.
        return await asyncio.shield(reading.task)

    async def follow(
        self,
        project_id: uuid.UUID,
        user_id: uuid.UUID,
        last_revision: int | None,
        ping_seconds: float,
        lasting_seconds: float,
    ) -> AsyncGenerator[ChangeSetPublic | None]:
        """Every change set of the user's project after `last_revision` (None: from now on),
        then each one as it commits; None after each `ping_seconds` of quiet. It subscribes
        before it reads anything, so nothing commits unseen between the replay and the live
        part, and it reads strictly after the last revision it yielded, so nothing comes
        twice. It ends when the project goes (deleted, or no longer the user's), when the feed
        closes, and after `lasting_seconds` (the client resumes: connections get spread over
        instances again, and none lasts forever)."""
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + ping_seconds
        end = loop.time() + lasting_seconds
        async with self.feed.subscribe(project_id) as subscription:
            while not self.feed.closed:
                look = await self._look(project_id, user_id, last_revision, subscription.woken)
                if look is None:
                    return
                last_revision = look.revision
                for change_set in look.change_sets:
                    yield change_set
                    last_revision = change_set.revision
                if len(look.change_sets) == READ_BATCH:
                    continue  # a long replay: the next batch at once
                if loop.time() >= end:
                    return
                if not await subscription.wait(min(next_ping, end) - loop.time()):
                    if loop.time() >= end:
                        return
                    yield None
                    next_ping = loop.time() + ping_seconds
