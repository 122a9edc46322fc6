"""Routes addressing a scene directly by its id."""

import uuid

from fastapi import APIRouter, Response, UploadFile, status

from backend.api.deps import (
    CurrentUser,
    DetachedUser,
    FileServiceDep,
    IfMatch,
    IfMatchRevisions,
    SessionDep,
    SettingsDep,
)
from backend.api.routes.projects import STALE
from backend.api.uploads import UPLOAD_ERRORS, read_upload
from backend.schemas.project import ScenePublic, SceneUpdate
from backend.services import files as file_service
from backend.services import scenes as scene_service

router = APIRouter(
    prefix="/scenes",
    tags=["scenes"],
    responses={404: {"description": "No such scene, or not yours"}},
)


@router.get("/{scene_id}")
async def read_scene(
    scene_id: uuid.UUID, session: SessionDep, user: CurrentUser, response: Response
) -> ScenePublic:
    """The scene; its `ETag` names its project's revision, for `If-Match` on the next write."""
    scene, revision = await scene_service.read_scene(session, scene_id, user.id)
    response.headers["ETag"] = f'"r{revision}"'
    return scene


@router.put("/{scene_id}", responses=STALE)
async def update_scene(
    scene_id: uuid.UUID,
    data: SceneUpdate,
    session: SessionDep,
    user: CurrentUser,
    _if_match: IfMatch,
) -> ScenePublic:
    """Change the fields sent; a new `order` moves the scene and renumbers the others."""
    return await scene_service.update_scene(session, scene_id, user.id, data)


@router.post("/{scene_id}/duplicate", status_code=status.HTTP_201_CREATED, responses=STALE)
async def duplicate_scene(
    scene_id: uuid.UUID, session: SessionDep, user: CurrentUser, _if_match: IfMatch
) -> ScenePublic:
    """Copy the scene, titled "… (copy)"; the copy goes right after the original."""
    return await scene_service.duplicate_scene(session, scene_id, user.id)


@router.delete("/{scene_id}", status_code=status.HTTP_204_NO_CONTENT, responses=STALE)
async def delete_scene(
    scene_id: uuid.UUID, session: SessionDep, user: CurrentUser, _if_match: IfMatch
) -> None:
    """Delete the scene; the others are renumbered. The answer's ETag is the new revision."""
    await scene_service.delete_scene(session, scene_id, user.id)


@router.post("/{scene_id}/image", responses={**UPLOAD_ERRORS, **STALE})
async def upload_scene_image(
    scene_id: uuid.UUID,
    file: UploadFile,
    user: DetachedUser,
    files: FileServiceDep,
    settings: SettingsDep,
    if_match: IfMatchRevisions,
) -> ScenePublic:
    """Upload a picture (as `POST /api/files`) and show it in the scene."""
    data = await read_upload(file, settings.MAX_IMAGE_BYTES)
    return await files.upload_scene_image(user.id, scene_id, file.filename, data, if_match)


@router.delete("/{scene_id}/image", responses=STALE)
async def remove_scene_image(
    scene_id: uuid.UUID, session: SessionDep, user: CurrentUser, _if_match: IfMatch
) -> ScenePublic:
    """The scene shows no uploaded picture any more (its `image_url`, if any, again); the file
    stays among your files."""
    return await file_service.remove_scene_image(session, scene_id, user.id)
