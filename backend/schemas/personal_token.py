"""Personal access token bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import BeforeValidator, Field, StringConstraints

from backend.schemas.common import (
    NOT_BLANK,
    InputModel,
    JsonSchemaExtra,
    PublicModel,
    whole_number,
)

TOKEN_NAME_MAX = 100
TOKEN_DAYS_MAX = 3_650

TokenScope = Literal["read", "write"]
TokenDays = Annotated[int, Ge(1), Le(TOKEN_DAYS_MAX), BeforeValidator(whole_number)]
TokenName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TOKEN_NAME_MAX),
    JsonSchemaExtra(pattern=NOT_BLANK),
]


class PersonalTokenCreate(InputModel):
    name: TokenName = Field(description="What the token is for", examples=["Claude"])
    scope: TokenScope = Field(
        description="`read`: GET requests and read-only MCP tools; `write`: everything a "
        "signed-in person can do with projects and the assistant"
    )
    expires_in_days: TokenDays | None = Field(
        default=None, description="Omitted or null: the token never expires"
    )


class PersonalTokenPublic(PublicModel):
    id: uuid.UUID
    name: str
    scope: TokenScope
    created_at: datetime
    expires_at: datetime | None


class PersonalTokenCreated(PersonalTokenPublic):
    token: str = Field(description="The token itself: shown this once, never again")
