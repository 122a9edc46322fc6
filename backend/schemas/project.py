"""Project and scene bodies (`order` is the scene's 0-based position)."""

import uuid
from datetime import datetime

from pydantic import Field

from backend.schemas.common import (
    Description,
    Id,
    ImageUrl,
    InputModel,
    Omittable,
    Position,
    PublicModel,
    Script,
    Title,
)


class ProjectCreate(InputModel):
    title: Title = Field(examples=["Launch teaser"])
    description: Description = ""


class ProjectUpdate(InputModel):
    title: Omittable[Title] = None
    description: Omittable[Description] = Field(
        default=None, description="An empty string clears it"
    )


class SceneCreate(InputModel):
    title: Title = Field(examples=["Opening shot"])
    script: Script = ""
    image_url: ImageUrl = Field(default=None, description="An absolute http(s) URL, or none")
    order: Position | None = Field(
        default=None, description="Insert at this position; omitted or past the end: last"
    )


class SceneUpdate(InputModel):
    title: Omittable[Title] = None
    script: Omittable[Script] = None
    image_url: ImageUrl = Field(default=None, description="Empty or null removes the image")
    order: Omittable[Position] = Field(default=None, description="Move the scene to this position")


class SceneOrderUpdate(InputModel):
    scene_ids: list[Id] = Field(
        max_length=10_000, description="Every scene id of the project, in the new order"
    )


class ScenePublic(PublicModel):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    script: str
    image_url: str | None
    order: int = Field(validation_alias="position")
    created_at: datetime
    updated_at: datetime


class ProjectPublic(PublicModel):
    id: uuid.UUID
    title: str
    description: str
    created_at: datetime
    updated_at: datetime
    scene_count: int


class ProjectDetail(ProjectPublic):
    scenes: list[ScenePublic]
