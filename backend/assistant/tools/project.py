"""Tools that read or change the project itself."""

import json
import uuid

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from backend.assistant.tools.registry import (
    MAX_OUTPUT_CHARS,
    Json,
    ToolArguments,
    ToolContext,
    this_project,
    tool,
)
from backend.schemas.common import AspectRatio, Description, TargetDuration, Title
from backend.schemas.project import ProjectUpdate
from backend.services import projects as project_service

# Long texts are cut to the first of these lengths that lets the whole project fit the output.
PREVIEW_LIMITS = (600, 120, 0)
LONG_TEXT_FIELDS = ("script", "audio", "notes")


def _shortened(project: Json) -> Json:
    """The project with scripts (then audio and notes) cut short enough for the whole answer
    to fit in the output; `<field>_truncated` says which were cut."""
    scenes = project.get("scenes", [])
    texts = [{name: scene.get(name) or "" for name in LONG_TEXT_FIELDS} for scene in scenes]
    for limit in PREVIEW_LIMITS:
        for scene, originals in zip(scenes, texts, strict=True):
            for name, text in originals.items():
                scene[name] = text if len(text) <= limit else text[:limit] + "…"
                scene[f"{name}_truncated"] = len(text) > limit
        if len(json.dumps(project, ensure_ascii=False)) < MAX_OUTPUT_CHARS - 100:
            break
    return project


class ProjectArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")


@tool(
    "get_project_details",
    "Read the project: its title, description, aspect ratio, target and total runtime "
    "(seconds), and its scenes in order with their shot fields.",
    read_only=True,
)
async def get_project_details(
    session: AsyncSession, context: ToolContext, arguments: ProjectArguments
) -> Json:
    project_id = this_project(context, arguments.project_id)
    detail = await project_service.get_project_detail(session, project_id, context.user_id)
    return {"project": _shortened(detail.model_dump(mode="json"))}


class ProjectUpdateArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")
    title: Title | None = None
    description: Description | None = None
    aspect_ratio: AspectRatio | None = Field(
        default=None, description="The frames' shape: 9:16 is vertical, 16:9 widescreen"
    )
    target_duration_seconds: TargetDuration | None = Field(
        default=None, description="The film's intended length in seconds; null clears it"
    )


@tool(
    "update_project",
    "Change the project's title, description, aspect ratio and/or target runtime.",
    idempotent=True,
)
async def update_project(
    session: AsyncSession, context: ToolContext, arguments: ProjectUpdateArguments
) -> Json:
    project_id = this_project(context, arguments.project_id)
    sent = arguments.model_dump(exclude={"project_id"}, exclude_unset=True)
    # null means "leave it" for the fields that cannot be empty, and "clear" for the target.
    changes = ProjectUpdate.model_validate(
        {
            name: value
            for name, value in sent.items()
            if value is not None or name == "target_duration_seconds"
        }
    )
    project = await project_service.update_project(session, project_id, context.user_id, changes)
    return {"project": project.model_dump(mode="json")}
