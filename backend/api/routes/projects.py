"""Projects, and the scene routes that live under a project."""

import uuid

from fastapi import APIRouter, Request, Response, status
from starlette.convertors import StringConvertor, register_url_convertor

from backend.api.deps import CurrentUser, IfMatch, SessionDep, SettingsDep, UncheckedClaims
from backend.core.security import TokenClaims
from backend.schemas.history import PreconditionFailedPublic
from backend.schemas.project import (
    ProjectCreate,
    ProjectDetail,
    ProjectPublic,
    ProjectSummary,
    ProjectUpdate,
    SceneCreate,
    SceneOrderUpdate,
    ScenePublic,
)
from backend.services import projects as project_service
from backend.services import scenes as scene_service
from backend.services.limits import account_limits
from backend.services.project_documents import ProjectDocuments

NOT_FOUND: dict[int | str, dict[str, str]] = {404: {"description": "No such project, or not yours"}}


class ProjectIdConvertor(StringConvertor):
    """A project id in a path: any segment but `import`, which is POST /api/projects/import's
    (so GET /api/projects/import is a 405, not a malformed id). A bad id is still a 422."""

    regex = "(?!import$)[^/]+"


register_url_convertor("project_id", ProjectIdConvertor())
PROJECT = "/{project_id:project_id}"

# One tag per operation: Swagger UI lists an operation once under each of its tags.
router = APIRouter(prefix="/projects", tags=["projects"], responses=NOT_FOUND)

# Every write to a project or a scene: a stale If-Match changes nothing.
STALE: dict[int | str, dict[str, object]] = {
    412: {
        "description": "`If-Match` names an older revision: nothing changed",
        "model": PreconditionFailedPublic,
    }
}


@router.get("")
async def list_projects(session: SessionDep, user: CurrentUser) -> list[ProjectSummary]:
    """Your projects, most recently updated first, each with its first frames as a cover."""
    return await project_service.list_projects(session, user.id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_project(
    data: ProjectCreate, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> ProjectPublic:
    limits = account_limits(settings, is_guest=user.is_guest)
    return await project_service.create_project(session, user.id, data, limits=limits)


IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags from earlier reads: 304 while one of them is current",
    "schema": {"type": "string"},
}


# If-None-Match is read from the request rather than declared as a parameter, and the documents
# from the app rather than through a dependency: this is the busiest route, and each declared
# parameter or dependency costs FastAPI a step on every request; openapi_extra documents it.
@router.get(
    PROJECT,
    response_model=ProjectDetail,
    responses={304: {"description": "Not modified: the `If-None-Match` ETag is current"}},
    openapi_extra={"parameters": [IF_NONE_MATCH]},
)
async def read_project(
    project_id: uuid.UUID, request: Request, claims: UncheckedClaims
) -> Response:
    """The project with its scenes, ordered by `order`. Its `ETag` names this state of the
    project and its scenes; send it back in `If-None-Match` for a bodyless 304 until either
    changes."""
    documents: ProjectDocuments = request.app.state.project_documents
    document = await (
        documents.read(claims, project_id)
        if isinstance(claims, TokenClaims)
        else documents.read_owned(claims.id, project_id)
    )
    headers = {"ETag": document.etag}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and etag_listed(document.etag, if_none_match):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(document.body, media_type="application/json", headers=headers)


def etag_listed(etag: str, if_none_match: str) -> bool:
    """RFC 9110's weak comparison: `*`, or the tag in the list, with or without `W/`."""
    listed = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in listed or etag in listed


@router.put(PROJECT, responses=STALE)
async def update_project(
    project_id: uuid.UUID,
    data: ProjectUpdate,
    session: SessionDep,
    user: CurrentUser,
    _if_match: IfMatch,
) -> ProjectPublic:
    """Change the fields sent: title, description, aspect ratio, target duration."""
    return await project_service.update_project(session, project_id, user.id, data)


@router.delete(PROJECT, status_code=status.HTTP_204_NO_CONTENT, responses=STALE)
async def delete_project(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser, _if_match: IfMatch
) -> Response:
    """Delete the project with its scenes and chat history."""
    await project_service.delete_project(session, project_id, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{project_id}/scenes", status_code=status.HTTP_201_CREATED, responses=STALE)
async def create_scene(
    project_id: uuid.UUID,
    data: SceneCreate,
    session: SessionDep,
    user: CurrentUser,
    _if_match: IfMatch,
) -> ScenePublic:
    """Add a scene: last by default, or at `order` with the following scenes shifted down."""
    return await scene_service.create_scene(session, project_id, user.id, data)


@router.put("/{project_id}/scenes/order", responses=STALE)
async def reorder_scenes(
    project_id: uuid.UUID,
    data: SceneOrderUpdate,
    session: SessionDep,
    user: CurrentUser,
    _if_match: IfMatch,
) -> list[ScenePublic]:
    """Put the scenes in the given order; `scene_ids` must list each of them exactly once."""
    return await scene_service.reorder_scenes(session, project_id, user.id, data)
