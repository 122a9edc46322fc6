"""The story dossier's bodies: one item model per kind for create, update and reading, and the
whole dossier for reading and replacing."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from backend.schemas.common import (
    NOT_BLANK,
    Id,
    InputModel,
    JsonSchemaExtra,
    Omittable,
    PublicModel,
)

ITEMS_PER_KIND_MAX = 200
NAME_MAX = 120
LINE_MAX = 500
PROSE_MAX = 2_000
RELATIONSHIPS_MAX = 20

DossierKindName = Literal["characters", "themes", "locations", "plot_points"]

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX),
    JsonSchemaExtra(pattern=NOT_BLANK),
]
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=LINE_MAX),
    JsonSchemaExtra(pattern=NOT_BLANK),
]
Prose = Annotated[str, StringConstraints(max_length=PROSE_MAX)]
Event = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=PROSE_MAX),
    JsonSchemaExtra(pattern=NOT_BLANK),
]
Relationships = Annotated[list[Line], Field(max_length=RELATIONSHIPS_MAX)]

RELATIONSHIPS = "How they relate to others, one line each: “Leo's sister”"


class CharacterCreate(InputModel):
    name: Name = Field(examples=["Mara"])
    description: Prose = ""
    relationships: Relationships = Field(default_factory=list, description=RELATIONSHIPS)
    arc: Prose = Field(default="", description="How the character changes over the story")


class CharacterUpdate(InputModel):
    name: Omittable[Name] = None
    description: Omittable[Prose] = None
    relationships: Omittable[Relationships] = Field(default=None, description=RELATIONSHIPS)
    arc: Omittable[Prose] = None


class Character(PublicModel):
    id: Id
    name: str
    description: str
    relationships: list[str]
    arc: str


class ThemeCreate(InputModel):
    text: Line = Field(examples=["Redemption"])


class ThemeUpdate(InputModel):
    text: Omittable[Line] = None


class Theme(PublicModel):
    id: Id
    text: str


class LocationCreate(InputModel):
    name: Name = Field(examples=["Lisbon"])
    description: Prose = ""


class LocationUpdate(InputModel):
    name: Omittable[Name] = None
    description: Omittable[Prose] = None


class Location(PublicModel):
    id: Id
    name: str
    description: str


class PlotPointCreate(InputModel):
    text: Event = Field(examples=["Mara finds the letter"])


class PlotPointUpdate(InputModel):
    text: Omittable[Event] = None


class PlotPoint(PublicModel):
    id: Id
    text: str


@dataclass(frozen=True, slots=True)
class DossierKind:
    """What one kind of item is: its models and the field that names an item in a summary."""

    name: DossierKindName
    singular: str
    create: type[InputModel]
    update: type[InputModel]
    public: type[PublicModel]
    label: str


KINDS: dict[str, DossierKind] = {
    kind.name: kind
    for kind in (
        DossierKind("characters", "character", CharacterCreate, CharacterUpdate, Character, "name"),
        DossierKind("themes", "theme", ThemeCreate, ThemeUpdate, Theme, "text"),
        DossierKind("locations", "location", LocationCreate, LocationUpdate, Location, "name"),
        DossierKind(
            "plot_points", "plot point", PlotPointCreate, PlotPointUpdate, PlotPoint, "text"
        ),
    )
}


class CharacterReplace(CharacterCreate):
    id: Id | None = Field(
        default=None,
        description="Keep this item's id (one the dossier has; else a new one is given)",
    )


class ThemeReplace(ThemeCreate):
    id: Id | None = None


class LocationReplace(LocationCreate):
    id: Id | None = None


class PlotPointReplace(PlotPointCreate):
    id: Id | None = None


class DossierReplace(InputModel):
    """The whole dossier. An item that sends an id the dossier has for its kind keeps it; any
    other item (no id, an id it does not have, or one given twice) gets a new id."""

    characters: list[CharacterReplace] = Field(default_factory=list, max_length=ITEMS_PER_KIND_MAX)
    themes: list[ThemeReplace] = Field(default_factory=list, max_length=ITEMS_PER_KIND_MAX)
    locations: list[LocationReplace] = Field(default_factory=list, max_length=ITEMS_PER_KIND_MAX)
    plot_points: list[PlotPointReplace] = Field(default_factory=list, max_length=ITEMS_PER_KIND_MAX)


class DossierPublic(PublicModel):
    characters: list[Character]
    themes: list[Theme]
    locations: list[Location]
    plot_points: list[PlotPoint]
    updated_at: datetime | None = Field(description="The last change; null before the first")
