"""Account bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, EmailStr, Field, StringConstraints

from backend.schemas.common import InputModel, Omittable, PublicModel

PASSWORD_MIN = 8
PASSWORD_MAX = 128


def _lower(value: str) -> str:
    return value.lower()


Email = Annotated[EmailStr, StringConstraints(max_length=254), AfterValidator(_lower)]
NewPassword = Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
# Any email and password are checked (and simply fail) at login; the caps only bound the work.
LoginEmail = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
LoginPassword = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class UserCreate(InputModel):
    email: Email = Field(examples=["ada@example.com"])
    password: NewPassword = Field(
        description=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters", examples=["correct horse"]
    )


class LoginRequest(InputModel):
    email: LoginEmail = Field(examples=["ada@example.com"])
    password: LoginPassword = Field(examples=["correct horse"])


class PasswordGrantForm(InputModel):
    """The OAuth2 password flow's form (Swagger's Authorize, `curl -d`). Its other standard
    fields (`grant_type`, `scope`, `client_id`) carry nothing here and are ignored."""

    model_config = ConfigDict(extra="ignore")

    username: LoginEmail = Field(description="Your email")
    password: LoginPassword


class PasswordChangeRequest(InputModel):
    current_password: LoginPassword
    new_password: NewPassword


class UserPublic(PublicModel):
    id: uuid.UUID
    email: str | None = Field(description="`null` for a guest account")
    created_at: datetime


class AccountLimits(PublicModel):
    """The quotas the server enforces, so pages can state them instead of guessing."""

    projects_per_account: int
    scenes_per_project: int
    assistant_messages_per_day: int = Field(description="Per UTC day")


AssistantApproval = Literal["destructive", "writes", "none"]
ASSISTANT_APPROVAL_HELP = (
    "Which of the assistant's tool calls wait for your approval, in the chat (the turn pauses: "
    "`approval_required`, or `202` from `/send`) and over MCP (elicitation): `destructive` "
    "(deleting, the default), `writes` (every change) or `none`"
)


class UserSettingsUpdate(InputModel):
    assistant_approval: Omittable[AssistantApproval] = Field(
        default=None, description=ASSISTANT_APPROVAL_HELP
    )


class CurrentUserPublic(UserPublic):
    is_guest: bool = Field(
        description='A guest account ("Try it without an account"): smaller limits, deleted '
        "when unused for a while; signing up (POST /api/auth/register) keeps everything in it"
    )
    limits: AccountLimits
    assistant_approval: AssistantApproval = Field(description=ASSISTANT_APPROVAL_HELP)


class Token(PublicModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
