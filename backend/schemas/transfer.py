"""The project document: what `GET /api/projects/{id}/export.json` writes and
`POST /api/projects/import` reads (`{format: "scenecraft.project", version: 1, ...}`).

One set of models serves both ways, so whatever an export writes, an import accepts. The fields
a project or scene reports but nobody sets (ids, times, totals) are written for the reader and
ignored on import: an import always makes a new project with new ids.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, Strict, StringConstraints, field_validator

from backend.schemas.common import (
    SCENES_PER_PROJECT_MAX,
    AspectRatio,
    Audio,
    CameraMovement,
    Description,
    Id,
    ImageUrl,
    InputModel,
    Notes,
    Position,
    SceneDuration,
    Script,
    ShotSize,
    TargetDuration,
    Title,
)
from backend.schemas.dossier import DossierReplace

DocumentFormat = Literal["scenecraft.project"]
DocumentVersion = Literal[1]
IGNORED = "Written by an export; ignored on import"


def _timestamp_text(value: object) -> object:
    """A time in the document is ISO-8601 text (as an export writes it), never a number."""
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO-8601 date-time")
    return value


Timestamp = Annotated[datetime, Strict(False), BeforeValidator(_timestamp_text)]


class DocumentPicture(InputModel):
    """An uploaded picture, embedded. On import its bytes go through the upload's checks
    (type from the bytes, size, pixels) and it is stored as a new upload of the importer."""

    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    content_type: Annotated[str, StringConstraints(max_length=100)] = Field(
        description="Informational: the type is read from the bytes"
    )
    # Its size is checked once decoded, against MAX_IMAGE_BYTES (the body is capped already).
    data: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="The file's bytes, base64", json_schema_extra={"contentEncoding": "base64"}
    )


class DocumentScene(InputModel):
    title: Title
    script: Script = ""
    image_url: ImageUrl = None
    duration_seconds: SceneDuration | None = None
    shot_size: ShotSize | None = None
    camera_movement: CameraMovement | None = None
    audio: Audio = ""
    notes: Notes = ""
    picture: DocumentPicture | None = Field(
        default=None, description="The uploaded picture the scene shows, embedded"
    )
    id: Id | None = Field(default=None, description=IGNORED)
    project_id: Id | None = Field(default=None, description=IGNORED)
    order: Position | None = Field(
        default=None, description="Written by an export; on import the list's order counts"
    )
    image_file_id: Id | None = Field(default=None, description=IGNORED)
    created_at: Timestamp | None = Field(default=None, description=IGNORED)
    updated_at: Timestamp | None = Field(default=None, description=IGNORED)


class DocumentProject(InputModel):
    title: Title
    description: Description = ""
    aspect_ratio: AspectRatio = "16:9"
    target_duration_seconds: TargetDuration | None = None
    id: Id | None = Field(default=None, description=IGNORED)
    created_at: Timestamp | None = Field(default=None, description=IGNORED)
    updated_at: Timestamp | None = Field(default=None, description=IGNORED)
    scene_count: Annotated[int, Field(ge=0)] | None = Field(default=None, description=IGNORED)
    total_duration_seconds: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description=IGNORED
    )


class DocumentDossier(DossierReplace):
    """The story dossier (contract "Story dossier"), its items with their ids; on import the
    new project's dossier gets new ids."""

    updated_at: Timestamp | None = Field(default=None, description=IGNORED)


class ProjectDocument(InputModel):
    format: DocumentFormat
    version: DocumentVersion

    @field_validator("version", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: object) -> object:
        if isinstance(value, bool):  # True == 1 in Python, not in JSON
            raise ValueError("version must be the number 1")
        return value

    project: DocumentProject
    scenes: list[DocumentScene] = Field(max_length=SCENES_PER_PROJECT_MAX)
    dossier: DocumentDossier = Field(default_factory=DocumentDossier)
    exported_at: Timestamp | None = Field(default=None, description=IGNORED)


def new_document(
    project: DocumentProject,
    scenes: list[DocumentScene],
    dossier: DocumentDossier,
    exported_at: datetime,
) -> ProjectDocument:
    return ProjectDocument(
        format="scenecraft.project",
        version=1,
        project=project,
        scenes=scenes,
        dossier=dossier,
        exported_at=exported_at,
    )
