"""Change sets, as the history and undo return them."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from backend.schemas.common import PublicModel

REVISION_MAX = 2**31 - 1
"""The largest revision a request may name: revisions are 32-bit integers in the database."""


class ActorPublic(PublicModel):
    kind: Literal["user", "assistant", "share_guest"]
    turn_id: uuid.UUID | None = Field(
        default=None, description="For the assistant: the chat turn that made the change"
    )
    token_name: str | None = Field(
        default=None,
        description="For the assistant over MCP: the name of the personal access token it "
        "called with (“assistant via MCP (token name)”); null otherwise",
    )


class ChangePublic(PublicModel):
    entity: Literal["project", "scene", "dossier"] = Field(
        description="`dossier`: one item of the project's story dossier (`entity_id` is the "
        "item's id)"
    )
    entity_id: uuid.UUID
    action: Literal["created", "updated", "moved", "deleted"]
    before: dict[str, Any] | None = Field(
        description="The fields that changed, as they were (the whole entity when deleted; "
        "null when created); `order` is the scene's position, or a dossier item's place in its "
        "kind; a dossier change also names the item's `kind` (`characters`, `themes`, "
        "`locations`, `plot_points`)"
    )
    after: dict[str, Any] | None = Field(
        description="The fields that changed, as they became (the whole entity when created; "
        "null when deleted)"
    )


class ChangeSetPublic(PublicModel):
    id: uuid.UUID
    project_id: uuid.UUID
    revision: int = Field(description="The project's revision once this change set was made")
    actor: ActorPublic
    summary: str
    created_at: datetime
    changes: list[ChangePublic]
    undoes: uuid.UUID | None = Field(default=None, description="The change set this one undid")
    undone_by: uuid.UUID | None = Field(
        default=None,
        description="The change set that undid this one (in the history and a change set's "
        "read; the live stream announces an undo as its own change set, whose `undoes` names "
        "this one)",
    )


class HistoryPublic(PublicModel):
    change_sets: list[ChangeSetPublic] = Field(description="Newest first")


class PreconditionFailedPublic(PublicModel):
    """A 412: the write named an older revision in If-Match."""

    detail: str
    revision: int = Field(description="The project's current revision")


class UndoConflictPublic(PublicModel):
    """A 409 from undo: a later change set touched what this one changed."""

    detail: str
    change_set_id: uuid.UUID | None = Field(
        default=None, description="The later change set that stands in the way"
    )
