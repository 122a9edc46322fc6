"""change sets: the project's history

Every write to a project or its scenes records a change set with its changes (README, "History
and undo"); an assistant message points at the change set its turn made.

Revision ID: 0011
Revises: 0015
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_set",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("turn_id", sa.Uuid(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("undoes", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_change_set_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["undoes"],
            ["change_set.id"],
            name=op.f("fk_change_set_undoes_change_set"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_set")),
        sa.UniqueConstraint(
            "project_id", "revision", name=op.f("uq_change_set_project_id_revision")
        ),
    )
    op.create_index(
        "ix_change_set_project_id_turn_id", "change_set", ["project_id", "turn_id"], unique=False
    )
    op.create_table(
        "change",
        sa.Column("change_set_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_set_id"],
            ["change_set.id"],
            name=op.f("fk_change_change_set_id_change_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change")),
    )
    op.create_index(
        "ix_change_change_set_id_sequence", "change", ["change_set_id", "sequence"], unique=False
    )
    op.create_index(
        "ix_change_entity_id_revision", "change", ["entity_id", "revision"], unique=False
    )
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_set_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_chat_message_change_set_id_change_set"),
            "change_set",
            ["change_set_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_chat_message_change_set_id_change_set"), type_="foreignkey"
        )
        batch_op.drop_column("change_set_id")
    op.drop_index("ix_change_entity_id_revision", table_name="change")
    op.drop_index("ix_change_change_set_id_sequence", table_name="change")
    op.drop_table("change")
    op.drop_index("ix_change_set_project_id_turn_id", table_name="change_set")
    op.drop_table("change_set")
