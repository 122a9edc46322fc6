"""Account bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from backend.schemas.common import InputModel, PublicModel

PASSWORD_MIN = 8
PASSWORD_MAX = 128


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("password must not contain NUL characters")
    return value


def _lower(value: str) -> str:
    return value.lower()


Email = Annotated[EmailStr, StringConstraints(max_length=254), AfterValidator(_lower)]
NewPassword = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX),
    AfterValidator(_no_nul),
]
# Any password is checked (and simply fails) at login; the cap only bounds the work.
LoginPassword = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class UserCreate(InputModel):
    email: Email = Field(examples=["ada@example.com"])
    password: NewPassword = Field(
        description=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters", examples=["correct horse"]
    )


class LoginRequest(InputModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] = Field(
        examples=["ada@example.com"]
    )
    password: LoginPassword = Field(examples=["correct horse"])


class PasswordChangeRequest(InputModel):
    current_password: LoginPassword
    new_password: NewPassword


class UserPublic(PublicModel):
    id: uuid.UUID
    email: str
    created_at: datetime


class AccountLimits(PublicModel):
    """The quotas the server enforces, so pages can state them instead of guessing."""

    projects_per_account: int
    scenes_per_project: int
    assistant_messages_per_day: int = Field(description="Per UTC day")


class CurrentUserPublic(UserPublic):
    limits: AccountLimits


class Token(PublicModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
