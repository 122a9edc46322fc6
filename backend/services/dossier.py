"""Story dossier use-cases, shared by the REST routes, the assistant's tools (and so MCP) and the
project import.

The dossier is one validated document per project. Every change locks the project row, so
changes to one dossier queue, and runs inside the project's recording (`services/history`):
each item added, changed, moved or removed is a change of the change set the write makes, which
advances the project's revision like any other.
"""

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import ConflictError, NotFoundError
from backend.models import StoryDossier
from backend.models.base import utc_now
from backend.repositories import dossier as dossier_repository
from backend.repositories.dossier import Content, content_of
from backend.schemas.dossier import (
    ITEMS_PER_KIND_MAX,
    KINDS,
    DossierKind,
    DossierPublic,
    DossierReplace,
)
from backend.services import history
from backend.services.projects import require_project

_Result = TypeVar("_Result")


def _public(row: StoryDossier | None) -> DossierPublic:
    return DossierPublic.model_validate(
        {**content_of(row), "updated_at": None if row is None else row.updated_at}
    )


async def _change(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    edit: Callable[[Content], _Result],
) -> tuple[_Result, StoryDossier | None]:
    """`edit` changes a copy of the dossier's content in place, under the project's row lock
    and inside its recording; the content is then saved whole (unless it is as it was)."""
    project = await require_project(session, project_id, user_id, lock=True)
    async with history.recording(session, project, dossier=True):
        row = await dossier_repository.get_dossier(session, project.id)
        content = content_of(row)
        result = edit(content)
        row = await dossier_repository.save_dossier(session, project.id, row, content, utc_now())
    return result, row


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

    def replace(content: Content) -> None:
        for kind in KINDS:
            unused = {item["id"] for item in content[kind]}
            items = []
            for item in getattr(data, kind):
                kept = item.id is not None and str(item.id) in unused
                item_id = item.id if kept and item.id is not None else uuid.uuid4()
                unused.discard(str(item_id))
                items.append(_stored(item_id, item))
            content[kind] = items

    _, row = await _change(session, project_id, user_id, replace)
    return _public(row)


async def add_item(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: DossierKind,
    data: BaseModel,
) -> BaseModel:
    def add(content: Content) -> dict[str, Any]:
        if len(content[kind.name]) >= ITEMS_PER_KIND_MAX:
            raise ConflictError(
                f"A dossier holds at most {ITEMS_PER_KIND_MAX} {kind.name.replace('_', ' ')}: "
                "remove one first."
            )
        item = _stored(uuid.uuid4(), data)
        content[kind.name].append(item)
        return item

    item, _ = await _change(session, project_id, user_id, add)
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

    def update(content: Content) -> dict[str, Any]:
        item = _find(content, kind, item_id)
        item.update(data.model_dump(mode="json", exclude_unset=True))
        return item

    item, _ = await _change(session, project_id, user_id, update)
    return kind.public.model_validate(item)


async def remove_item(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: DossierKind,
    item_id: uuid.UUID,
) -> None:
    def remove(content: Content) -> None:
        content[kind.name].remove(_find(content, kind, item_id))

    await _change(session, project_id, user_id, remove)
