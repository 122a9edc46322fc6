"""The project's history: each change set is one write (a request, an assistant turn, an undo)
with the changes it made, recorded in the same transaction as the write itself."""

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, CreatedAtMixin, IdMixin


class ChangeSet(IdMixin, CreatedAtMixin, Base):
    """`revision` is the project's revision once the set was written; an assistant turn's set
    grows with each of its tool calls, its revision with it. `undoes`: the set it reverted."""

    __tablename__ = "change_set"
    __table_args__ = (
        UniqueConstraint("project_id", "revision"),
        Index("ix_change_set_project_id_turn_id", "project_id", "turn_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    revision: Mapped[int]
    actor_kind: Mapped[str] = mapped_column(String(16))
    # Over MCP: the personal access token's name, copied (the history outlives the token).
    actor_token_name: Mapped[str | None] = mapped_column(String(100))
    # The chat turn that made it; no foreign key: the history outlives the conversation.
    turn_id: Mapped[uuid.UUID | None]
    summary: Mapped[str] = mapped_column(Text)
    undoes: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("change_set.id", ondelete="SET NULL")
    )


class Change(IdMixin, Base):
    """One entity's change: `before`/`after` hold the fields that changed (the whole entity for
    a creation or deletion), under their API names. `revision` is the project's revision the
    change made, which orders changes across sets for undo's conflict check."""

    __tablename__ = "change"
    __table_args__ = (
        Index("ix_change_change_set_id_sequence", "change_set_id", "sequence"),
        Index("ix_change_entity_id_revision", "entity_id", "revision"),
    )

    change_set_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("change_set.id", ondelete="CASCADE")
    )
    sequence: Mapped[int]
    revision: Mapped[int]
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[uuid.UUID]
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
