"""A project's story dossier: its characters, themes, locations and plot points."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utc_now


class StoryDossier(Base):
    """One document per project, validated whole on every write (`schemas/dossier.py`): the
    dossier is read and changed as a unit, and a few hundred short items fit one row."""

    __tablename__ = "story_dossier"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
