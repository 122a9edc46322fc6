"""Shared field types and the base classes for request and response bodies."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

TITLE_MAX = 200
DESCRIPTION_MAX = 2_000
SCRIPT_MAX = 20_000
IMAGE_URL_MAX = 2_048
# Quotas, so one account cannot grow without bound (the project list and a project's scenes
# are returned whole).
PROJECTS_PER_USER_MAX = 500
SCENES_PER_PROJECT_MAX = 1_000


class InputModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _check_image_url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > IMAGE_URL_MAX:
        raise ValueError(f"image_url must be at most {IMAGE_URL_MAX} characters")
    if any(ord(character) <= 32 for character in value):
        raise ValueError("image_url must not contain spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("image_url must be an absolute http:// or https:// URL")
    return value


def _empty_to_none(value: object) -> object:
    return None if isinstance(value, str) and value.strip() == "" else value


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX)]
Script = Annotated[str, StringConstraints(max_length=SCRIPT_MAX)]
ImageUrl = Annotated[
    str | None,
    BeforeValidator(_empty_to_none),
    AfterValidator(_check_image_url),
]
