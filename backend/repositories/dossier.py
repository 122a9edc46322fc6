"""Data access for story dossiers (one row per project that has one)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import StoryDossier


async def get_dossier(session: AsyncSession, project_id: uuid.UUID) -> StoryDossier | None:
    return await session.get(StoryDossier, project_id, populate_existing=True)


async def save_dossier(
    session: AsyncSession,
    project_id: uuid.UUID,
    row: StoryDossier | None,
    content: dict[str, Any],
    now: datetime,
) -> StoryDossier:
    """Write the whole content (a new dict, so the change is seen), creating the row at first."""
    if row is None:
        row = StoryDossier(project_id=project_id, content=content, updated_at=now)
        session.add(row)
    else:
        row.content = content
        row.updated_at = now
    await session.flush()
    return row
