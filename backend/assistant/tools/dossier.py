"""Tools that read and keep the story dossier: characters, themes, locations, plot points."""

import uuid

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from backend.assistant.tools.registry import Json, ToolArguments, ToolContext, this_project, tool
from backend.schemas.dossier import KINDS, DossierKindName
from backend.services import dossier as dossier_service

KIND = "characters, themes, locations or plot_points"


class DossierArguments(ToolArguments):
    project_id: uuid.UUID = Field(description="The current project's id")


class DossierItemArguments(DossierArguments):
    """The fields of every kind; each kind takes its own (the others are refused)."""

    kind: DossierKindName = Field(description=KIND)
    name: str | None = Field(default=None, description="characters and locations")
    description: str | None = Field(default=None, description="characters and locations")
    relationships: list[str] | None = Field(
        default=None, description="characters: how they relate to others, one line each"
    )
    arc: str | None = Field(default=None, description="characters: how they change")
    text: str | None = Field(default=None, description="themes and plot points")

    def fields(self) -> Json:
        return self.model_dump(exclude={"project_id", "kind", "item_id"}, exclude_none=True)


class DossierItemChange(DossierItemArguments):
    item_id: uuid.UUID


class DossierItemRemoval(DossierArguments):
    kind: DossierKindName = Field(description=KIND)
    item_id: uuid.UUID


@tool(
    "get_dossier",
    "Read the story dossier: characters (description, relationships, arc), themes, "
    "locations and plot points, each with its id.",
    read_only=True,
)
async def get_dossier(
    session: AsyncSession, context: ToolContext, arguments: DossierArguments
) -> Json:
    project_id = this_project(context, arguments.project_id)
    dossier = await dossier_service.get_dossier(session, project_id, context.user_id)
    return {"dossier": dossier.model_dump(mode="json")}


@tool(
    "add_dossier_item",
    "Add a character (name, description, relationships, arc), theme (text), location "
    "(name, description) or plot point (text) to the story dossier.",
)
async def add_dossier_item(
    session: AsyncSession, context: ToolContext, arguments: DossierItemArguments
) -> Json:
    project_id = this_project(context, arguments.project_id)
    kind = KINDS[arguments.kind]
    data = kind.create.model_validate(arguments.fields())
    item = await dossier_service.add_item(session, project_id, context.user_id, kind, data)
    return {"kind": kind.name, "item": item.model_dump(mode="json")}


@tool(
    "update_dossier_item",
    "Change fields of a dossier item (by its id from get_dossier); relationships replace the list.",
    idempotent=True,
)
async def update_dossier_item(
    session: AsyncSession, context: ToolContext, arguments: DossierItemChange
) -> Json:
    project_id = this_project(context, arguments.project_id)
    kind = KINDS[arguments.kind]
    data = kind.update.model_validate(arguments.fields())
    item = await dossier_service.update_item(
        session, project_id, context.user_id, kind, arguments.item_id, data
    )
    return {"kind": kind.name, "item": item.model_dump(mode="json")}


@tool(
    "remove_dossier_item",
    "Remove an item from the story dossier (by its id from get_dossier).",
    destructive=True,
    idempotent=True,
)
async def remove_dossier_item(
    session: AsyncSession, context: ToolContext, arguments: DossierItemRemoval
) -> Json:
    project_id = this_project(context, arguments.project_id)
    kind = KINDS[arguments.kind]
    await dossier_service.remove_item(session, project_id, context.user_id, kind, arguments.item_id)
    return {"kind": kind.name, "removed": str(arguments.item_id)}
