"""The assistant's tools: thin adapters over the same services the REST routes use.

A tool is a name, a description, a Pydantic argument model (its JSON schema is what the model
sees) and a handler. Every call is bound to the conversation's user and project: ids are claims
to check, never authority. Whatever goes wrong — unknown tool, malformed JSON, invalid
arguments, an id outside the project — becomes `{"ok": false, "error": ...}` for the model,
never an exception. Adding a tool is one argument model and one decorated function.
"""

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.db import unit_of_work
from backend.core.errors import DomainError, NotFoundError
from backend.repositories import scenes as scene_repository
from backend.schemas.common import (
    Description,
    ImageUrl,
    Position,
    Script,
    StorableText,
    Title,
)
from backend.schemas.project import ProjectUpdate, SceneCreate, SceneUpdate
from backend.services import projects as project_service
from backend.services import scenes as scene_service

MAX_OUTPUT_CHARS = 8_000
SCRIPT_PREVIEW_LIMITS = (600, 120, 0)

Json = dict[str, Any]


@dataclass(frozen=True)
class ToolContext:
    """Who is asking and about what: fixed by the server for the whole conversation."""

    session_factory: async_sessionmaker[AsyncSession]
    user_id: uuid.UUID
    project_id: uuid.UUID


@dataclass(frozen=True)
class ToolResult:
    name: str
    arguments: Json
    output: str
    ok: bool

    def public(self) -> Json:
        return {
            "name": self.name,
            "arguments": self.arguments,
            "output": self.output,
            "ok": self.ok,
        }


class ToolArguments(StorableText):
    """Unknown arguments are an error; text follows the same rule as the API's bodies."""

    model_config = ConfigDict(extra="forbid")


Arguments = TypeVar("Arguments", bound=ToolArguments)
Handler = Callable[[AsyncSession, ToolContext, Any], Awaitable[Json]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[ToolArguments]
    handler: Handler
    read_only: bool = False

    def parameters(self) -> Json:
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        for field in schema.get("properties", {}).values():
            field.pop("title", None)
        return schema

    def chat_definition(self) -> Json:
        """Chat Completions and Assistants shape: the function nested under `function`."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters(),
            },
        }

    def responses_definition(self) -> Json:
        """Responses API shape: flat."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters(),
        }


TOOLS: dict[str, Tool] = {}


def tool(name: str, description: str, *, read_only: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        arguments = handler.__annotations__["arguments"]
        TOOLS[name] = Tool(name, description, arguments, handler, read_only)
        return handler

    return register


def is_read_only(name: str) -> bool:
    """Unknown names count as read-only: they fail without touching anything."""
    found = TOOLS.get(name)
    return found is None or found.read_only


# --- scoping -------------------------------------------------------------------------------------


def _this_project(context: ToolContext, project_id: uuid.UUID) -> uuid.UUID:
    if project_id != context.project_id:
        raise NotFoundError("Project (only this conversation's project can be used)")
    return project_id


async def _scene_in_project(
    session: AsyncSession, context: ToolContext, scene_id: uuid.UUID
) -> uuid.UUID:
    owner_project = await scene_repository.get_owned_scene_project_id(
        session, scene_id, context.user_id
    )
    if owner_project != context.project_id:
        raise NotFoundError("Scene (no scene with this id in this project)")
    return scene_id


def _shortened(project: Json) -> Json:
    """The project with scripts cut short enough for the whole answer to fit in the output."""
    scripts = [scene.get("script") or "" for scene in project.get("scenes", [])]
    for limit in SCRIPT_PREVIEW_LIMITS:
        for scene, script in zip(project.get("scenes", []), scripts, strict=True):
            scene["script"] = script if len(script) <= limit else script[:limit] + "…"
            scene["script_truncated"] = len(script) > limit
        if len(json.dumps(project, ensure_ascii=False)) < MAX_OUTPUT_CHARS - 100:
            break
    return project


# --- the tools -----------------------------------------------------------------------------------


class ProjectArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")


@tool(
    "get_project_details",
    "Read the project: its title, description and scenes in order.",
    read_only=True,
)
async def get_project_details(
    session: AsyncSession, context: ToolContext, arguments: ProjectArguments
) -> Json:
    project_id = _this_project(context, arguments.project_id)
    detail = await project_service.get_project_detail(session, project_id, context.user_id)
    return {"project": _shortened(detail.model_dump(mode="json"))}


class CreateSceneArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")
    title: Title
    script: Script | None = None
    image_url: ImageUrl = None
    order: Position | None = Field(
        default=None, description="0-based position; omitted: after the last scene"
    )


@tool("create_scene", "Add a scene to the project, last or at a 0-based position.")
async def create_scene(
    session: AsyncSession, context: ToolContext, arguments: CreateSceneArguments
) -> Json:
    project_id = _this_project(context, arguments.project_id)
    data = SceneCreate(
        title=arguments.title,
        script=arguments.script or "",
        image_url=arguments.image_url,
        order=arguments.order,
    )
    scene = await scene_service.create_scene(session, project_id, context.user_id, data)
    return {"scene": scene.model_dump(mode="json")}


async def _update_scene(
    session: AsyncSession, context: ToolContext, scene_id: uuid.UUID, changes: SceneUpdate
) -> Json:
    await _scene_in_project(session, context, scene_id)
    scene = await scene_service.update_scene(session, scene_id, context.user_id, changes)
    return {"scene": scene.model_dump(mode="json")}


class ScriptArguments(ToolArguments):
    scene_id: uuid.UUID
    script_content: Script = Field(description="The whole new script of the scene")


@tool("update_scene_script", "Replace the script of a scene.")
async def update_scene_script(
    session: AsyncSession, context: ToolContext, arguments: ScriptArguments
) -> Json:
    changes = SceneUpdate(script=arguments.script_content)
    return await _update_scene(session, context, arguments.scene_id, changes)


class ImageArguments(ToolArguments):
    scene_id: uuid.UUID
    image_url: ImageUrl = Field(description="An absolute http(s) URL, or empty to remove it")


@tool("update_scene_image_url", "Set or clear the image URL of a scene.")
async def update_scene_image_url(
    session: AsyncSession, context: ToolContext, arguments: ImageArguments
) -> Json:
    changes = SceneUpdate(image_url=arguments.image_url)
    return await _update_scene(session, context, arguments.scene_id, changes)


class TitleArguments(ToolArguments):
    scene_id: uuid.UUID
    title: Title


@tool("update_scene_title", "Rename a scene.")
async def update_scene_title(
    session: AsyncSession, context: ToolContext, arguments: TitleArguments
) -> Json:
    return await _update_scene(
        session, context, arguments.scene_id, SceneUpdate(title=arguments.title)
    )


class MoveArguments(ToolArguments):
    scene_id: uuid.UUID
    order: Position = Field(description="The new 0-based position")


@tool("move_scene", "Move a scene to a 0-based position; the others are renumbered.")
async def move_scene(session: AsyncSession, context: ToolContext, arguments: MoveArguments) -> Json:
    return await _update_scene(
        session, context, arguments.scene_id, SceneUpdate(order=arguments.order)
    )


class SceneArguments(ToolArguments):
    scene_id: uuid.UUID


@tool("delete_scene", "Delete a scene; the others are renumbered.")
async def delete_scene(
    session: AsyncSession, context: ToolContext, arguments: SceneArguments
) -> Json:
    await _scene_in_project(session, context, arguments.scene_id)
    await scene_service.delete_scene(session, arguments.scene_id, context.user_id)
    return {"deleted_scene_id": str(arguments.scene_id)}


class ProjectUpdateArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")
    title: Title | None = None
    description: Description | None = None


@tool("update_project", "Rename the project and/or change its description.")
async def update_project(
    session: AsyncSession, context: ToolContext, arguments: ProjectUpdateArguments
) -> Json:
    project_id = _this_project(context, arguments.project_id)
    changes = ProjectUpdate.model_validate(
        arguments.model_dump(exclude={"project_id"}, exclude_none=True)
    )
    project = await project_service.update_project(session, project_id, context.user_id, changes)
    return {"project": project.model_dump(mode="json")}


# --- running a call ------------------------------------------------------------------------------


def _error(message: str) -> str:
    return json.dumps({"ok": False, "error": message})


def _bounded(payload: Json) -> str:
    """The output as JSON, never longer than MAX_OUTPUT_CHARS (then it says it was cut)."""
    full = json.dumps({"ok": True, **payload}, ensure_ascii=False)
    output, cut = full, len(full)
    while len(output) > MAX_OUTPUT_CHARS:
        # Escaping makes the partial text longer than it was: cut until it really fits.
        cut -= len(output) - MAX_OUTPUT_CHARS + 50
        output = json.dumps(
            {"ok": True, "truncated": True, "partial": full[:cut]}, ensure_ascii=False
        )
    return output


def _describe_validation(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ())) or "arguments"
        problems.append(
            f"{location}: {str(item.get('msg', 'invalid')).removeprefix('Value error, ')}"
        )
    return "invalid arguments — " + "; ".join(problems)


async def run_tool(context: ToolContext, name: str, raw_arguments: str | Json) -> ToolResult:
    """Run one call in its own short transaction (a writer only for tools that write); any
    failure the model can act on is an error output, anything else (a bug) is raised."""
    try:
        arguments = json.loads(raw_arguments) if isinstance(raw_arguments, str) else raw_arguments
    except ValueError:
        return ToolResult(name, {}, _error("arguments are not valid JSON"), False)
    if not isinstance(arguments, dict):
        return ToolResult(name, {}, _error("arguments must be a JSON object"), False)
    selected = TOOLS.get(name)
    if selected is None:
        known = ", ".join(sorted(TOOLS))
        return ToolResult(
            name, arguments, _error(f"unknown tool {name!r}; the tools are {known}"), False
        )
    try:
        parsed = selected.arguments.model_validate(arguments)
    except ValidationError as error:
        return ToolResult(name, arguments, _error(_describe_validation(error)), False)
    try:
        # A read-only tool is not a writer: on SQLite it does not queue behind other writers.
        async with unit_of_work(context.session_factory, write=not selected.read_only) as session:
            payload = await selected.handler(session, context, parsed)
    except ValidationError as error:
        return ToolResult(name, arguments, _error(_describe_validation(error)), False)
    except DomainError as error:
        return ToolResult(name, arguments, _error(error.message), False)
    return ToolResult(name, arguments, _bounded(payload), True)
