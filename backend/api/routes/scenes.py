"""Routes addressing a scene directly by its id."""

import uuid

from fastapi import APIRouter, Response, status

from backend.api.deps import CurrentUser, SessionDep
from backend.schemas.project import ScenePublic, SceneUpdate
from backend.services import scenes as scene_service

router = APIRouter(
    prefix="/scenes",
    tags=["scenes"],
    responses={404: {"description": "No such scene, or not yours"}},
)


@router.put("/{scene_id}")
async def update_scene(
    scene_id: uuid.UUID, data: SceneUpdate, session: SessionDep, user: CurrentUser
) -> ScenePublic:
    """Change the fields sent; a new `order` moves the scene and renumbers the others."""
    return await scene_service.update_scene(session, scene_id, user.id, data)


@router.post("/{scene_id}/duplicate", status_code=status.HTTP_201_CREATED)
async def duplicate_scene(
    scene_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> ScenePublic:
    """Copy the scene, titled "… (copy)"; the copy goes right after the original."""
    return await scene_service.duplicate_scene(session, scene_id, user.id)


@router.delete("/{scene_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_scene(scene_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    await scene_service.delete_scene(session, scene_id, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
