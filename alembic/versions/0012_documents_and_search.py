"""documents and their full-text search

Documents of a project (their text extracted once at upload) and their passages, with the
database's own full-text index over the passages: on PostgreSQL a stored generated
`search_vector` (`to_tsvector('english', text)`) with a GIN index; on SQLite an FTS5 table
(Porter stemming) that triggers keep in step with the passages, whichever way they go (a
document, its file, its project or its owner deleted).

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-02 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("characters", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_file.id"],
            name=op.f("fk_document_file_id_stored_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_document_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_file_id"), ["file_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_project_id"), ["project_id"], unique=False)

    op.create_table(
        "document_passage",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_document_passage_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_document_passage_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_passage")),
    )
    with op.batch_alter_table("document_passage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_passage_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_document_passage_project_id"), ["project_id"], unique=False
        )

    if op.get_context().dialect.name == "postgresql":
        # Stored, so ranking reads each matching passage's vector instead of parsing its text
        # again; outside the models (it exists on PostgreSQL only).
        op.execute(
            "ALTER TABLE document_passage ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED"
        )
        op.execute(
            "CREATE INDEX ix_document_passage_search ON document_passage USING gin (search_vector)"
        )
    else:
        # passage_id and the rest are stored as the passage's id (hex, as SQLAlchemy's Uuid
        # stores it on SQLite); only the text is indexed.
        op.execute(
            "CREATE VIRTUAL TABLE document_passage_fts USING fts5("
            "text, passage_id UNINDEXED, document_id UNINDEXED, project_id UNINDEXED, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER document_passage_fts_insert AFTER INSERT ON document_passage BEGIN "
            "INSERT INTO document_passage_fts (text, passage_id, document_id, project_id) "
            "VALUES (new.text, new.id, new.document_id, new.project_id); END"
        )
        # Passages leave only with their document (deleted, or cascaded from its file, project
        # or owner): one pass over the index per document, not one per passage.
        op.execute(
            "CREATE TRIGGER document_fts_delete AFTER DELETE ON document BEGIN "
            "DELETE FROM document_passage_fts WHERE document_id = old.id; END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_document_passage_search")
    else:
        op.execute("DROP TRIGGER document_fts_delete")
        op.execute("DROP TRIGGER document_passage_fts_insert")
        op.execute("DROP TABLE document_passage_fts")
    with op.batch_alter_table("document_passage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_passage_project_id"))
        batch_op.drop_index(batch_op.f("ix_document_passage_document_id"))
    op.drop_table("document_passage")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_project_id"))
        batch_op.drop_index(batch_op.f("ix_document_file_id"))
    op.drop_table("document")
