"""Projects, and the scene routes that live under a project."""

import uuid

from fastapi import APIRouter, Response, status

from backend.api.deps import CurrentUser, SessionDep
from backend.schemas.project import (
    ProjectCreate,
    ProjectDetail,
    ProjectPublic,
    ProjectUpdate,
    SceneCreate,
    SceneOrderUpdate,
    ScenePublic,
)
from backend.services import projects as project_service
from backend.services import scenes as scene_service

NOT_FOUND: dict[int | str, dict[str, str]] = {404: {"description": "No such project, or not yours"}}

router = APIRouter(prefix="/projects", tags=["projects"], responses=NOT_FOUND)


@router.get("")
async def list_projects(session: SessionDep, user: CurrentUser) -> list[ProjectPublic]:
    """Your projects, most recently updated first."""
    return await project_service.list_projects(session, user.id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_project(
    data: ProjectCreate, session: SessionDep, user: CurrentUser
) -> ProjectPublic:
    return await project_service.create_project(session, user.id, data)


@router.get("/{project_id}")
async def read_project(
    project_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> ProjectDetail:
    """The project with its scenes, ordered by `order`."""
    return await project_service.get_project_detail(session, project_id, user.id)


@router.put("/{project_id}")
async def update_project(
    project_id: uuid.UUID, data: ProjectUpdate, session: SessionDep, user: CurrentUser
) -> ProjectPublic:
    """Change the title and/or description (only the fields sent)."""
    return await project_service.update_project(session, project_id, user.id, data)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(project_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    """Delete the project with its scenes and chat history."""
    await project_service.delete_project(session, project_id, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{project_id}/scenes", status_code=status.HTTP_201_CREATED, tags=["scenes"])
async def create_scene(
    project_id: uuid.UUID, data: SceneCreate, session: SessionDep, user: CurrentUser
) -> ScenePublic:
    """Add a scene: last by default, or at `order` with the following scenes shifted down."""
    return await scene_service.create_scene(session, project_id, user.id, data)


@router.put("/{project_id}/scenes/order", tags=["scenes"])
async def reorder_scenes(
    project_id: uuid.UUID, data: SceneOrderUpdate, session: SessionDep, user: CurrentUser
) -> list[ScenePublic]:
    """Put the scenes in the given order; `scene_ids` must list each of them exactly once."""
    return await scene_service.reorder_scenes(session, project_id, user.id, data)
