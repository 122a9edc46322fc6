"""Data access for the live change feed: the change sets a stream has not sent yet."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import ChangeSet


async def list_change_sets_after(
    session: AsyncSession, project_id: uuid.UUID, revision: int, limit: int
) -> list[ChangeSet]:
    """The project's change sets with a revision after `revision`, oldest first."""
    result = await session.execute(
        select(ChangeSet)
        .where(ChangeSet.project_id == project_id, ChangeSet.revision > revision)
        .order_by(ChangeSet.revision)
        .limit(limit)
    )
    return list(result.scalars())
