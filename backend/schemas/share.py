"""Share links, the board a link shows, and review comments."""

import uuid
from datetime import datetime
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import BeforeValidator, Field, StringConstraints, computed_field

from backend.schemas.common import NOT_BLANK, InputModel, JsonSchemaExtra, PublicModel, whole_number
from backend.schemas.project import ProjectPublic, ScenePublic, picture_src, thumbnail_src

AUTHOR_NAME_MAX = 80
COMMENT_BODY_MAX = 2_000
SHARE_DAYS_MAX = 365

AuthorName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=AUTHOR_NAME_MAX),
    JsonSchemaExtra(pattern=NOT_BLANK),
]
CommentBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=COMMENT_BODY_MAX),
    JsonSchemaExtra(pattern=NOT_BLANK),
]


class ShareCreate(InputModel):
    allow_comments: bool = Field(default=False, description="Guests may comment on frames")
    expires_in_days: (
        Annotated[int, Ge(1), Le(SHARE_DAYS_MAX), BeforeValidator(whole_number)] | None
    ) = Field(
        default=None, description="The link dies after this many days (1 to 365); never if left out"
    )


class SharePublic(PublicModel):
    """A link as its owner lists it: the token itself is never shown again."""

    id: uuid.UUID
    project_id: uuid.UUID
    allow_comments: bool
    expires_at: datetime | None
    created_at: datetime


class ShareCreated(SharePublic):
    token: str = Field(description="Shown only now: only its hash is stored")
    url: str = Field(description="The board's public page, `/s/<token>`")


class SharedScene(ScenePublic):
    """A scene as a link shows it: its uploaded picture is served through the link."""

    files_path: str = Field(exclude=True, description="The link's file routes")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_src(self) -> str | None:
        """What to show: the uploaded picture (through the link), else `image_url`."""
        return picture_src(self.image_url, self.image_file_id, self.files_path)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def thumbnail_src(self) -> str | None:
        """The same picture at most 480 px wide or high."""
        return thumbnail_src(self.image_url, self.image_file_id, self.files_path)


class SharedBoard(ProjectPublic):
    """The project and its scenes, without anything about the owner."""

    allow_comments: bool
    expires_at: datetime | None
    scenes: list[SharedScene]


class CommentCreate(InputModel):
    author_name: AuthorName = Field(examples=["Dana (client)"])
    body: CommentBody = Field(examples=["Can the title card stay up a beat longer?"])


class CommentUpdate(InputModel):
    resolved: bool


class CommentPublic(PublicModel):
    id: uuid.UUID
    scene_id: uuid.UUID
    author_name: str
    body: str
    resolved: bool = Field(validation_alias="is_resolved")
    created_at: datetime


class CommentList(PublicModel):
    comments: list[CommentPublic]
