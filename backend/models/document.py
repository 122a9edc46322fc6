"""Documents added to a project and their passages, the units the search index finds.

The full-text index itself is the database's own and lives outside the models (see migration
0012): on PostgreSQL the passages' generated column `search_vector` (`to_tsvector('english',
text)`, stored) with a GIN index; on SQLite the FTS5 table `document_passage_fts`, kept in step
by triggers.
"""

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, CreatedAtMixin, IdMixin

SEARCH_TABLE = "document_passage_fts"
SEARCH_INDEX = "ix_document_passage_search"
SEARCH_VECTOR = "search_vector"


class Document(IdMixin, CreatedAtMixin, Base):
    """The text extracted once at upload; the bytes stay in its stored file (deleting the file
    deletes the document)."""

    __tablename__ = "document"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stored_file.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    characters: Mapped[int]
    chunk_count: Mapped[int]
    text: Mapped[str] = mapped_column(Text, deferred=True)


class DocumentPassage(IdMixin, Base):
    """About 1,000 characters of a document, cut at headings and paragraphs; `start_offset`
    is where it starts in the document's text."""

    __tablename__ = "document_passage"

    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    start_offset: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


def is_search_index(name: str | None) -> bool:
    """The full-text index, outside the models: PostgreSQL's search vector column and its GIN
    index, SQLite's FTS5 table and its shadow tables."""
    return bool(name and (name in (SEARCH_INDEX, SEARCH_VECTOR) or name.startswith(SEARCH_TABLE)))
