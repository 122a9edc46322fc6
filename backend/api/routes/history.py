"""The project's history of change sets, and undo."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from backend.api.deps import CurrentUser, IfMatch, SessionDep
from backend.api.routes.projects import STALE
from backend.schemas.history import (
    REVISION_MAX,
    ChangeSetPublic,
    HistoryPublic,
    UndoConflictPublic,
)
from backend.services import history as history_service

router = APIRouter(tags=["history"])


@router.get(
    "/projects/{project_id}/history",
    responses={404: {"description": "No such project, or not yours"}},
)
async def read_history(
    project_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_revision: Annotated[
        int | None,
        Query(ge=1, le=REVISION_MAX, description="Only change sets made before this revision"),
    ] = None,
) -> HistoryPublic:
    """The project's change sets, newest first: who made each (you, the assistant's turn),
    when, its summary in words and each change's before and after."""
    return await history_service.list_history(session, project_id, user.id, limit, before_revision)


@router.get(
    "/change-sets/{change_set_id}",
    responses={404: {"description": "No such change set, or not yours"}},
)
async def read_change_set(
    change_set_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> ChangeSetPublic:
    """One change set (as in the history): what a chat turn's `change_set_id` changed, in
    words and field by field, and `undone_by` once it was undone."""
    return await history_service.read_change_set(session, change_set_id, user.id)


@router.post(
    "/change-sets/{change_set_id}/undo",
    status_code=status.HTTP_201_CREATED,
    responses={
        **STALE,
        404: {"description": "No such change set, or not yours"},
        409: {
            "description": "A later change set touched the same scene or field (named in "
            "`change_set_id`), or there is nothing to undo: nothing changed",
            "model": UndoConflictPublic,
        },
    },
)
async def undo_change_set(
    change_set_id: uuid.UUID, session: SessionDep, user: CurrentUser, _if_match: IfMatch
) -> ChangeSetPublic:
    """Put back what the change set replaced, as a new change set (`undoes` names this one):
    a deleted scene comes back with its fields, picture and position. An undo can be undone."""
    return await history_service.undo(session, change_set_id, user.id)
