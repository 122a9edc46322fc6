"""Project and scene bodies (`order` is the scene's 0-based position)."""

import uuid
from datetime import datetime

from pydantic import Field, model_validator

from backend.schemas.common import (
    Description,
    ImageUrl,
    InputModel,
    PublicModel,
    Script,
    Title,
)


class ProjectCreate(InputModel):
    title: Title = Field(examples=["Launch teaser"])
    description: Description = ""


class ProjectUpdate(InputModel):
    title: Title | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def no_nulls(self) -> "ProjectUpdate":
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title cannot be null")
        if "description" in self.model_fields_set and self.description is None:
            raise ValueError("description cannot be null; send an empty string to clear it")
        return self


class SceneCreate(InputModel):
    title: Title = Field(examples=["Opening shot"])
    script: Script = ""
    image_url: ImageUrl = None
    order: int | None = Field(
        default=None, ge=0, description="Insert at this position; omitted or past the end: last"
    )


class SceneUpdate(InputModel):
    title: Title | None = None
    script: Script | None = None
    image_url: ImageUrl = None
    order: int | None = Field(default=None, ge=0, description="Move the scene to this position")

    @model_validator(mode="after")
    def no_nulls(self) -> "SceneUpdate":
        for name in ("title", "script", "order"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class SceneOrderUpdate(InputModel):
    scene_ids: list[uuid.UUID] = Field(
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
