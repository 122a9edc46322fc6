"""Data access for story dossiers (one row per project that has one)."""

import copy
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import StoryDossier
from backend.schemas.dossier import KINDS

Content = dict[str, list[dict[str, Any]]]


async def get_dossier(session: AsyncSession, project_id: uuid.UUID) -> StoryDossier | None:
    return await session.get(StoryDossier, project_id, populate_existing=True)


def _every_kind(stored: dict[str, Any]) -> Content:
    return {kind: stored.get(kind, []) for kind in KINDS}


def content_of(row: StoryDossier | None) -> Content:
    """A copy to change, with every kind: the stored JSON is replaced whole, never edited in
    place."""
    return _every_kind(copy.deepcopy(row.content) if row is not None else {})


async def save_dossier(
    session: AsyncSession,
    project_id: uuid.UUID,
    row: StoryDossier | None,
    content: Content,
    now: datetime,
) -> StoryDossier | None:
    """Write the whole content (a new dict, so the change is seen), creating the row at first;
    content equal to what is stored writes nothing."""
    if content == _every_kind(row.content if row is not None else {}):
        return row
    if row is None:
        row = StoryDossier(project_id=project_id, content=content, updated_at=now)
        session.add(row)
    else:
        row.content = content
        row.updated_at = now
    await session.flush()
    return row
