"""A project's live event stream: its change sets after a revision, then each one as it
commits on any instance, read from the history whenever the change feed says the project moved."""

import asyncio
import uuid
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.db import unit_of_work
from backend.core.errors import NotFoundError
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


async def follow_project(
    feed: ChangeFeed,
    session_factory: async_sessionmaker[AsyncSession],
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    last_revision: int | None,
    ping_seconds: float,
) -> AsyncIterator[ChangeSetPublic | None]:
    """Every change set of the user's project after `last_revision` (None: from now on), then
    each one as it commits; None after each `ping_seconds` of quiet. It subscribes before it
    reads anything, so nothing commits unseen between the replay and the live part, and it
    reads strictly after the last revision it yielded, so nothing comes twice. It ends when the
    project goes (deleted, or no longer the user's) or the feed closes."""
    loop = asyncio.get_running_loop()
    next_ping = loop.time() + ping_seconds
    async with feed.subscribe(project_id) as subscription:
        while not feed.closed:
            async with unit_of_work(session_factory) as session:
                try:
                    project = await require_project(session, project_id, user_id)
                except NotFoundError:
                    return
                # A revision the project has not reached (or none) counts as now.
                if last_revision is None or last_revision > project.revision:
                    last_revision = project.revision
                batch = await changes_after(session, project_id, last_revision, READ_BATCH)
            for change_set in batch:
                yield change_set
                last_revision = change_set.revision
            if len(batch) == READ_BATCH:
                continue  # a long replay: the next batch at once
            if not await subscription.wait(next_ping - loop.time()):
                yield None
                next_ping = loop.time() + ping_seconds
