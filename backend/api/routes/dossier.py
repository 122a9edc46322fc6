"""The story dossier of a project: read or replace it whole, or add, change and remove one item
of a kind (characters, themes, locations, plot points). Each write is a change set of the
project's history and accepts If-Match, like a write to the board."""

import uuid

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from backend.api.deps import CurrentUser, IfMatch, SessionDep
from backend.api.routes.projects import NOT_FOUND, STALE
from backend.schemas.dossier import (
    ITEMS_PER_KIND_MAX,
    KINDS,
    DossierKind,
    DossierPublic,
    DossierReplace,
)
from backend.services import dossier as dossier_service

router = APIRouter(prefix="/projects/{project_id}/dossier", tags=["dossier"], responses=NOT_FOUND)


@router.get("")
async def get_dossier(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> DossierPublic:
    """Characters (with relationships and arcs), themes, locations and plot points; empty lists
    at first."""
    return await dossier_service.get_dossier(session, project_id, user.id)


@router.put("", responses=STALE)
async def replace_dossier(
    project_id: uuid.UUID,
    data: DossierReplace,
    session: SessionDep,
    user: CurrentUser,
    _if_match: IfMatch,
) -> DossierPublic:
    """Replace the whole dossier; an item that sends the id it has keeps it, the others get
    new ids."""
    return await dossier_service.replace_dossier(session, project_id, user.id, data)


def _item_routes(kind: DossierKind) -> None:
    """POST, PATCH and DELETE for one kind. FastAPI reads each kind's body model from the
    annotation, hence the annotations made of the kind's models."""
    create, update = kind.create, kind.update
    item_not_found: dict[int | str, dict[str, str]] = {
        404: {"description": f"No such project or {kind.singular}, or not yours"}
    }

    @router.post(
        f"/{kind.name}",
        status_code=status.HTTP_201_CREATED,
        response_model=kind.public,
        responses={
            409: {"description": f"The dossier already has {ITEMS_PER_KIND_MAX} {kind.name}"},
            **STALE,
        },
        name=f"add_{kind.singular.replace(' ', '_')}",
        summary=f"Add a {kind.singular}",
    )
    async def add_item(
        project_id: uuid.UUID,
        data: create,  # type: ignore[valid-type]
        session: SessionDep,
        user: CurrentUser,
        _if_match: IfMatch,
    ) -> BaseModel:
        return await dossier_service.add_item(session, project_id, user.id, kind, data)

    @router.patch(
        f"/{kind.name}/{{item_id}}",
        response_model=kind.public,
        responses={**item_not_found, **STALE},
        name=f"update_{kind.singular.replace(' ', '_')}",
        summary=f"Change a {kind.singular} (the fields sent)",
    )
    async def update_item(
        project_id: uuid.UUID,
        item_id: uuid.UUID,
        data: update,  # type: ignore[valid-type]
        session: SessionDep,
        user: CurrentUser,
        _if_match: IfMatch,
    ) -> BaseModel:
        return await dossier_service.update_item(session, project_id, user.id, kind, item_id, data)

    @router.delete(
        f"/{kind.name}/{{item_id}}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses={**item_not_found, **STALE},
        name=f"remove_{kind.singular.replace(' ', '_')}",
        summary=f"Remove a {kind.singular}",
    )
    async def remove_item(
        project_id: uuid.UUID,
        item_id: uuid.UUID,
        session: SessionDep,
        user: CurrentUser,
        _if_match: IfMatch,
    ) -> Response:
        await dossier_service.remove_item(session, project_id, user.id, kind, item_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)


for dossier_kind in KINDS.values():
    _item_routes(dossier_kind)
