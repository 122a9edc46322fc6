"""Tools that add, change, move and delete scenes."""

import uuid

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from backend.assistant.tools.registry import (
    Json,
    ToolArguments,
    ToolContext,
    scene_in_project,
    this_project,
    tool,
)
from backend.schemas.common import (
    Audio,
    CameraMovement,
    Id,
    ImageUrl,
    Notes,
    Position,
    SceneDuration,
    Script,
    ShotSize,
    Title,
)
from backend.schemas.project import SceneCreate, SceneUpdate
from backend.services import scenes as scene_service

DURATION = "Seconds on screen (0.1 to 3600)"
AUDIO = "Dialogue, voice-over, music and effects, as text"


class CreateSceneArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")
    title: Title
    script: Script | None = None
    image_url: ImageUrl = None
    order: Position | None = Field(
        default=None, description="0-based position; omitted: after the last scene"
    )
    duration_seconds: SceneDuration | None = Field(default=None, description=DURATION)
    shot_size: ShotSize | None = None
    camera_movement: CameraMovement | None = None
    audio: Audio | None = Field(default=None, description=AUDIO)
    notes: Notes | None = None


@tool(
    "create_scene",
    "Add a scene to the project, last or at a 0-based position, with any of its shot fields.",
)
async def create_scene(
    session: AsyncSession, context: ToolContext, arguments: CreateSceneArguments
) -> Json:
    project_id = this_project(context, arguments.project_id)
    data = SceneCreate.model_validate(
        arguments.model_dump(exclude={"project_id"}, exclude_none=True)
    )
    scene = await scene_service.create_scene(session, project_id, context.user_id, data)
    return {"scene": scene.model_dump(mode="json")}


async def _update_scene(
    session: AsyncSession, context: ToolContext, scene_id: uuid.UUID, changes: SceneUpdate
) -> Json:
    await scene_in_project(session, context, scene_id)
    scene = await scene_service.update_scene(session, scene_id, context.user_id, changes)
    return {"scene": scene.model_dump(mode="json")}


class UpdateSceneArguments(SceneUpdate, ToolArguments):
    """The scene's id and any of the fields of `PUT /api/scenes/{scene_id}`."""

    scene_id: Id


@tool(
    "update_scene",
    "Change any fields of a scene at once: title, script, duration_seconds, shot_size, "
    "camera_movement, audio, notes, image_url, image_file_id (a picture the user uploaded or "
    "attached to their message; it must be theirs) (null clears a field that may be empty).",
    idempotent=True,
)
async def update_scene(
    session: AsyncSession, context: ToolContext, arguments: UpdateSceneArguments
) -> Json:
    changes = SceneUpdate.model_validate(
        arguments.model_dump(exclude={"scene_id"}, exclude_unset=True)
    )
    return await _update_scene(session, context, arguments.scene_id, changes)


class ScriptArguments(ToolArguments):
    scene_id: uuid.UUID
    script_content: Script = Field(description="The whole new script of the scene")


@tool("update_scene_script", "Replace the script of a scene.", idempotent=True)
async def update_scene_script(
    session: AsyncSession, context: ToolContext, arguments: ScriptArguments
) -> Json:
    changes = SceneUpdate(script=arguments.script_content)
    return await _update_scene(session, context, arguments.scene_id, changes)


class ImageArguments(ToolArguments):
    scene_id: uuid.UUID
    image_url: ImageUrl = Field(description="An absolute http(s) URL, or empty to remove it")


@tool("update_scene_image_url", "Set or clear the image URL of a scene.", idempotent=True)
async def update_scene_image_url(
    session: AsyncSession, context: ToolContext, arguments: ImageArguments
) -> Json:
    changes = SceneUpdate(image_url=arguments.image_url)
    return await _update_scene(session, context, arguments.scene_id, changes)


class TitleArguments(ToolArguments):
    scene_id: uuid.UUID
    title: Title


@tool("update_scene_title", "Rename a scene.", idempotent=True)
async def update_scene_title(
    session: AsyncSession, context: ToolContext, arguments: TitleArguments
) -> Json:
    return await _update_scene(
        session, context, arguments.scene_id, SceneUpdate(title=arguments.title)
    )


class MoveArguments(ToolArguments):
    scene_id: uuid.UUID
    order: Position = Field(description="The new 0-based position")


@tool(
    "move_scene",
    "Move a scene to a 0-based position; the others are renumbered.",
    idempotent=True,
)
async def move_scene(session: AsyncSession, context: ToolContext, arguments: MoveArguments) -> Json:
    return await _update_scene(
        session, context, arguments.scene_id, SceneUpdate(order=arguments.order)
    )


class SceneArguments(ToolArguments):
    scene_id: uuid.UUID


@tool(
    "delete_scene",
    "Delete a scene; the others are renumbered.",
    destructive=True,
    idempotent=True,
)
async def delete_scene(
    session: AsyncSession, context: ToolContext, arguments: SceneArguments
) -> Json:
    await scene_in_project(session, context, arguments.scene_id)
    await scene_service.delete_scene(session, arguments.scene_id, context.user_id)
    return {"deleted_scene_id": str(arguments.scene_id)}
