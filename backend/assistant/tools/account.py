"""Tools over the account's projects as a whole: only the MCP server offers them (a chat belongs
to one project)."""

from sqlalchemy.ext.asyncio import AsyncSession

from backend.assistant.tools.registry import (
    ACCOUNT_TOOLS,
    Json,
    ToolArguments,
    ToolContext,
    tool,
)
from backend.core.errors import ConflictError
from backend.schemas.project import ProjectCreate
from backend.services import projects as project_service


class NoArguments(ToolArguments):
    pass


@tool(
    "list_projects",
    "List your projects, most recently changed first: id, title, description, aspect ratio, "
    "scene count and runtime. Use an id as project_id in the other tools.",
    read_only=True,
    registry=ACCOUNT_TOOLS,
)
async def list_projects(
    session: AsyncSession, context: ToolContext, arguments: NoArguments
) -> Json:
    projects = await project_service.list_projects(session, context.user_id)
    return {
        "projects": [project.model_dump(mode="json", exclude={"cover"}) for project in projects]
    }


class CreateProjectArguments(ProjectCreate, ToolArguments):
    """The body of `POST /api/projects`."""


@tool(
    "create_project",
    "Create a new, empty project (a storyboard) with a title and optionally a description, "
    "aspect ratio and target runtime in seconds; returns it with its id.",
    registry=ACCOUNT_TOOLS,
)
async def create_project(
    session: AsyncSession, context: ToolContext, arguments: CreateProjectArguments
) -> Json:
    if context.limits is None:
        raise ConflictError("Projects can only be created over MCP or the API")
    data = ProjectCreate.model_validate(arguments.model_dump())
    project = await project_service.create_project(
        session, context.user_id, data, limits=context.limits
    )
    return {"project": project.model_dump(mode="json")}
