"""Project and scene bodies (`order` is the scene's 0-based position)."""

import uuid
from datetime import datetime

from pydantic import Field, computed_field

from backend.schemas.common import (
    AspectRatio,
    Audio,
    CameraMovement,
    Description,
    Id,
    ImageUrl,
    InputModel,
    Notes,
    Omittable,
    Position,
    PublicModel,
    SceneDuration,
    Script,
    ShotSize,
    TargetDuration,
    Title,
)

DURATION = "Seconds (0.1 to 3,600, rounded to one decimal), or null"
IMAGE_FILE = "An image you uploaded (POST /api/files), or null; shown instead of `image_url`"
TARGET = "The film's intended length in seconds, or null"


FILES_PATH = "/api/files"


def picture_src(
    image_url: str | None, image_file_id: uuid.UUID | None, files: str = FILES_PATH
) -> str | None:
    """What a scene shows: its uploaded picture (under `files`, the owner's file routes unless a
    share link serves it), else its `image_url`, else nothing."""
    return image_url if image_file_id is None else f"{files}/{image_file_id}"


def thumbnail_src(
    image_url: str | None, image_file_id: uuid.UUID | None, files: str = FILES_PATH
) -> str | None:
    """The same, at most 480 px on its longer side when it is an upload."""
    return image_url if image_file_id is None else f"{files}/{image_file_id}/thumbnail"


class ProjectCreate(InputModel):
    title: Title = Field(examples=["Launch teaser"])
    description: Description = ""
    aspect_ratio: AspectRatio = "16:9"
    target_duration_seconds: TargetDuration | None = Field(default=None, description=TARGET)


class ProjectUpdate(InputModel):
    title: Omittable[Title] = None
    description: Omittable[Description] = Field(
        default=None, description="An empty string clears it"
    )
    aspect_ratio: Omittable[AspectRatio] = Field(
        default=None, description="The frames' shape; change it any time"
    )
    target_duration_seconds: TargetDuration | None = Field(default=None, description=TARGET)


class SceneCreate(InputModel):
    title: Title = Field(examples=["Opening shot"])
    script: Script = ""
    image_url: ImageUrl = Field(default=None, description="An absolute http(s) URL, or none")
    order: Position | None = Field(
        default=None, description="Insert at this position; omitted or past the end: last"
    )
    duration_seconds: SceneDuration | None = Field(default=None, description=DURATION)
    shot_size: ShotSize | None = None
    camera_movement: CameraMovement | None = None
    audio: Audio = Field(default="", description="Dialogue, voice-over, music, effects")
    notes: Notes = ""
    image_file_id: Id | None = Field(default=None, description=IMAGE_FILE)


class SceneUpdate(InputModel):
    title: Omittable[Title] = None
    script: Omittable[Script] = None
    image_url: ImageUrl = Field(default=None, description="Empty or null removes the image")
    order: Omittable[Position] = Field(default=None, description="Move the scene to this position")
    duration_seconds: SceneDuration | None = Field(default=None, description=DURATION)
    shot_size: ShotSize | None = Field(default=None, description="null clears it")
    camera_movement: CameraMovement | None = Field(default=None, description="null clears it")
    audio: Omittable[Audio] = Field(default=None, description="An empty string clears it")
    notes: Omittable[Notes] = Field(default=None, description="An empty string clears it")
    image_file_id: Id | None = Field(default=None, description=IMAGE_FILE)


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
    duration_seconds: float | None
    shot_size: ShotSize | None
    camera_movement: CameraMovement | None
    audio: str
    notes: str
    image_file_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_src(self) -> str | None:
        """What to show: the uploaded picture, else `image_url`, else nothing."""
        return picture_src(self.image_url, self.image_file_id)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def thumbnail_src(self) -> str | None:
        """The same picture at most 480 px wide or high, for boards and lists."""
        return thumbnail_src(self.image_url, self.image_file_id)


class ProjectPublic(PublicModel):
    id: uuid.UUID
    title: str
    description: str
    aspect_ratio: AspectRatio
    target_duration_seconds: float | None
    total_duration_seconds: float = Field(description="The sum of the scenes' durations")
    revision: int = Field(
        description="Grows with every change set of the project (its History); the read's "
        '`ETag: "r<revision>"` names it, and `If-Match` on a write checks it'
    )
    created_at: datetime
    updated_at: datetime
    scene_count: int


class CoverFrame(PublicModel):
    title: str
    thumbnail_src: str | None


class ProjectSummary(ProjectPublic):
    """A project in the list, with its first frames for a cover."""

    cover: list[CoverFrame] = Field(description="The first scenes (up to 4): title and picture")


class ProjectDetail(ProjectPublic):
    scenes: list[ScenePublic]
