"""Story dossier use-cases, shared by the REST routes and the assistant's tools.

The dossier is one validated document per project. Every change locks the project row, so
changes to one dossier queue; it is not part of the board's revision (no change set records it
yet).
"""

import copy
import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import ConflictError, NotFoundError
from backend.models import Project, StoryDossier
from backend.models.base import utc_now
from backend.repositories import dossier as dossier_repository
from backend.schemas.dossier import (
    ITEMS_PER_KIND_MAX,
    KINDS,
    DossierKind,
    DossierPublic,
    DossierReplace,
)
from backend.services.projects import require_project

Content = dict[str, list[dict[str, Any]]]


def _content(row: StoryDossier | None) -> Content:
    """A copy to change: the stored JSON is replaced whole, never edited in place."""
    stored = copy.deepcopy(row.content) if row is not None else {}
    return {kind: stored.get(kind, []) for kind in KINDS}


def _public(row: StoryDossier | None) -> DossierPublic:
    return DossierPublic.model_validate(
        {**_content(row), "updated_at": None if row is None else row.updated_at}
    )


async def _locked(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Project, StoryDossier | None]:
    project = await require_project(session, project_id, user_id, lock=True)
    return project, await dossier_repository.get_dossier(session, project.id)


async def _save(
    session: AsyncSession, project: Project, row: StoryDossier | None, content: Content
) -> StoryDossier:
    """Under the project's row lock (`_locked`), so writes to one dossier queue. The project
    row itself is not touched: the board's revision (and its ETag) names the project and its
    scenes, which a dossier change leaves as they were."""
    return await dossier_repository.save_dossier(session, project.id, row, content, utc_now())


def _find(content: Content, kind: DossierKind, item_id: uuid.UUID) -> dict[str, Any]:
    for item in content[kind.name]:
        if item["id"] == str(item_id):
            return item
    raise NotFoundError(kind.singular.capitalize())


def _stored(item_id: uuid.UUID, data: BaseModel) -> dict[str, Any]:
    return {"id": str(item_id), **data.model_dump(mode="json", exclude={"id"})}


async def get_dossier(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> DossierPublic:
    await require_project(session, project_id, user_id)
    return _public(await dossier_repository.get_dossier(session, project_id))


async def replace_dossier(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, data: DossierReplace
) -> DossierPublic:
    """Everything at once. An item that sends an id this dossier has for its kind keeps it
    (the first such item, if several send one); every other item gets a new id."""
    project, row = await _locked(session, project_id, user_id)
    current = _content(row)
    content: Content = {}
    for kind in KINDS:
        unused = {item["id"] for item in current[kind]}
        items = []
        for item in getattr(data, kind):
            kept = item.id is not None and str(item.id) in unused
            item_id = item.id if kept and item.id is not None else uuid.uuid4()
            unused.discard(str(item_id))
            items.append(_stored(item_id, item))
        content[kind] = items
    return _public(await _save(session, project, row, content))


async def add_item(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: DossierKind,
    data: BaseModel,
) -> BaseModel:
    project, row = await _locked(session, project_id, user_id)
    content = _content(row)
    if len(content[kind.name]) >= ITEMS_PER_KIND_MAX:
        raise ConflictError(
            f"A dossier holds at most {ITEMS_PER_KIND_MAX} {kind.name.replace('_', ' ')}: "
            "remove one first."
        )
    item = _stored(uuid.uuid4(), data)
    content[kind.name].append(item)
    await _save(session, project, row, content)
    return kind.public.model_validate(item)


async def update_item(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: DossierKind,
    item_id: uuid.UUID,
    data: BaseModel,
) -> BaseModel:
    """Change the fields sent."""
    project, row = await _locked(session, project_id, user_id)
    content = _content(row)
    item = _find(content, kind, item_id)
    item.update(data.model_dump(mode="json", exclude_unset=True))
    await _save(session, project, row, content)
    return kind.public.model_validate(item)


async def remove_item(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: DossierKind,
    item_id: uuid.UUID,
) -> None:
    project, row = await _locked(session, project_id, user_id)
    content = _content(row)
    content[kind.name].remove(_find(content, kind, item_id))
    await _save(session, project, row, content)
