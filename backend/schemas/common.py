"""Shared field types and the base classes for request and response bodies."""

import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema, PydanticCustomError

TITLE_MAX = 200
DESCRIPTION_MAX = 2_000
SCRIPT_MAX = 20_000
IMAGE_URL_MAX = 2_048
AUDIO_MAX = 5_000
NOTES_MAX = 5_000
SCENE_DURATION_MAX = 3_600
TARGET_DURATION_MAX = 24 * 3_600
# Quotas, so one account cannot grow without bound (the project list and a project's scenes
# are returned whole).
PROJECTS_PER_USER_MAX = 500
SCENES_PER_PROJECT_MAX = 1_000

# PostgreSQL's text cannot hold NUL, and UTF-8 (what both databases store) cannot encode a lone
# surrogate, which JSON can still spell ("\ud800"). A pair spelled that way arrives as one
# character, so anything in this range is unpaired.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


Json = Any


def check_storable_text(value: str, name: str) -> None:
    """The one text rule of every input: refuse what the database could not store, naming it."""
    found = _UNSTORABLE.search(value)
    if found is not None:
        problem = "NUL" if found.group() == "\x00" else "unpaired surrogate"
        raise PydanticCustomError(
            "unstorable_text",
            "{name} must not contain {problem} characters",
            {"name": name, "problem": problem},
        )


def _map_strings(value: Json, change: Callable[[str], str]) -> Json:
    """`value` with `change` applied to every string in it, keys included, at any depth."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {_map_strings(k, change): _map_strings(item, change) for k, item in value.items()}
    if isinstance(value, list | tuple):
        return [_map_strings(item, change) for item in value]
    return value


def storable(value: Json) -> Json:
    """What a model said, made storable: it is not refused like a person's input (the turn's
    work would be lost), its unstorable characters become U+FFFD instead."""
    return _map_strings(value, lambda text: _UNSTORABLE.sub("\ufffd", text))


def _check_strings_in(value: object, name: str) -> None:
    def check(text: str) -> str:
        check_storable_text(text, name)
        return text

    _map_strings(value, check)


class StorableText(BaseModel):
    """Every string of every field, at any depth, passes `check_storable_text` before anything
    else looks at it: a field added later cannot forget the rule."""

    @field_validator("*", mode="before")
    @classmethod
    def _text_is_storable(cls, value: Any, info: ValidationInfo) -> Any:
        _check_strings_in(value, info.field_name or "text")
        return value


class InputModel(StorableText):
    """Request bodies: unknown fields are an error, not silently dropped, and numbers and
    booleans are strict (`"3"` or `false` for an integer is a 422; `2.0` is the integer 2).

    FastAPI validates the parsed JSON in Python mode, where strict also refuses strings for
    UUIDs; such fields use `Id`.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Id = Annotated[uuid.UUID, Strict(False)]

Value = TypeVar("Value")


def _refuse_null(value: object, info: ValidationInfo) -> object:
    if value is None:
        raise PydanticCustomError(
            "null_refused",
            "{name} cannot be null: leave it out to keep it",
            {"name": info.field_name},
        )
    return value


# A field of a partial update: it may be left out, but not sent as null (the schema says so).
Omittable = Annotated[Value | SkipJsonSchema[None], BeforeValidator(_refuse_null)]


class JsonSchemaExtra:
    """Adds keywords to a type's JSON schema, for rules a validator enforces."""

    def __init__(self, **keywords: object) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(core_schema), **self.keywords}


def _uri_characters(extra: str) -> str:
    """One URI character (RFC 3986): unreserved, a sub-delimiter, `extra`, or percent-encoded."""
    return f"(?:[A-Za-z0-9._~!$&'()*+,;={extra}-]|%[0-9A-Fa-f]{{2}})"


# An absolute http(s) URI, the one definition the validator and the OpenAPI document share.
IMAGE_URL_PATTERN = (
    "^[Hh][Tt][Tt][Pp][Ss]?://"
    f"(?:{_uri_characters(':')}*@)?"  # user info
    f"(?:\\[[0-9A-Fa-f:.]+\\]|{_uri_characters('')}+)"  # host: a name, or an IPv6 address
    "(?::[0-9]*)?"  # port
    f"(?:/{_uri_characters(':@/')}*)?"  # path
    f"(?:\\?{_uri_characters(':@/?')}*)?"  # query
    f"(?:#{_uri_characters(':@/?')}*)?$"  # fragment
)
_IMAGE_URL = re.compile(IMAGE_URL_PATTERN)
# Blank means no image; only the blanks a JSON Schema regex and Python agree on.
_BLANK = "^[ \\t\\r\\n]*$"


def _check_image_url(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > IMAGE_URL_MAX:
        raise ValueError(f"image_url must be at most {IMAGE_URL_MAX} characters")
    if any(ord(character) <= 32 for character in value):
        raise ValueError("image_url must not contain spaces or control characters")
    if urlsplit(value).scheme.lower() not in ("http", "https"):
        raise ValueError("image_url must be an absolute http:// or https:// URL")
    if _IMAGE_URL.fullmatch(value) is None:
        raise ValueError(
            "image_url must be a valid http(s) URL with a host; percent-encode non-ASCII "
            "characters and any of < > \" { } | \\ ^ ` (a browser's copied address already is)"
        )
    return value


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and re.fullmatch(_BLANK, value) else value


# At least one character that trimming keeps. Pydantic trims Unicode's White_Space, spelled out
# here because the schema's regex dialect (ECMA-262) counts a slightly different set as `\s`.
NOT_BLANK = (
    "[^\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000]"
)
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX),
    JsonSchemaExtra(pattern=NOT_BLANK),  # blank titles are trimmed to nothing
]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX)]


def whole_number(value: object) -> object:
    """JSON has one number type, so 3.0 is the integer 3 (as JSON Schema says); true and "3"
    stay what they are, for strict models to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A scene's 0-based place in its project.
Position = Annotated[int, Ge(0), BeforeValidator(whole_number)]
Script = Annotated[str, StringConstraints(max_length=SCRIPT_MAX)]
ImageUrl = Annotated[
    str | None,
    BeforeValidator(_blank_to_none),
    AfterValidator(_check_image_url),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "format": "uri",
                    "pattern": IMAGE_URL_PATTERN,
                    "maxLength": IMAGE_URL_MAX,
                },
                {"type": "string", "pattern": _BLANK, "description": "no image"},
                {"type": "null"},
            ]
        }
    ),
]

Audio = Annotated[str, StringConstraints(max_length=AUDIO_MAX)]
Notes = Annotated[str, StringConstraints(max_length=NOTES_MAX)]


def _one_decimal(value: float) -> float:
    return round(value, 1)


# Seconds with one decimal: more precision is rounded, so the smallest is 0.1 (the schema says
# so rather than "> 0", which would admit 0.04 and round it to nothing).
SceneDuration = Annotated[float, Ge(0.1), Le(SCENE_DURATION_MAX), AfterValidator(_one_decimal)]
TargetDuration = Annotated[float, Ge(0.1), Le(TARGET_DURATION_MAX), AfterValidator(_one_decimal)]

ShotSize = Literal[
    "extreme_wide",
    "wide",
    "full",
    "medium",
    "medium_close_up",
    "close_up",
    "extreme_close_up",
    "insert",
    "over_the_shoulder",
    "pov",
    "two_shot",
]
CameraMovement = Literal[
    "static",
    "pan",
    "tilt",
    "dolly",
    "truck",
    "pedestal",
    "crane",
    "handheld",
    "steadicam",
    "zoom",
    "tracking",
    "drone",
]
AspectRatio = Literal["16:9", "9:16", "1:1", "4:5", "4:3", "2.39:1"]
SHOT_SIZES: tuple[str, ...] = get_args(ShotSize)
CAMERA_MOVEMENTS: tuple[str, ...] = get_args(CameraMovement)
ASPECT_RATIOS: tuple[str, ...] = get_args(AspectRatio)
