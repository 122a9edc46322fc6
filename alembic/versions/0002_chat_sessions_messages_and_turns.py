"""chat sessions messages and turns

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:57:56.351356
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_session",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("engine", sa.String(length=32), nullable=False),
        sa.Column("openai_thread_id", sa.String(length=128), nullable=True),
        sa.Column("openai_response_id", sa.String(length=128), nullable=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_chat_session_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_chat_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_session")),
    )
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_session_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chat_session_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_chat_session_active",
            ["user_id", "project_id"],
            unique=True,
            postgresql_where=sa.text("is_active"),
            sqlite_where=sa.text("is_active"),
        )

    op.create_table(
        "chat_message",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("tool_calls", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("client_message_id", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_session.id"],
            name=op.f("fk_chat_message_session_id_chat_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_message")),
        sa.UniqueConstraint(
            "session_id",
            "client_message_id",
            name=op.f("uq_chat_message_session_id_client_message_id"),
        ),
    )
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_message_session_id_created_at", ["session_id", "created_at"], unique=False
        )

    op.create_table(
        "chat_turn",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_message_id", sa.Uuid(), nullable=False),
        sa.Column("assistant_message_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_status", sa.Integer(), nullable=True),
        sa.Column("tool_calls", sa.JSON(), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assistant_message_id"],
            ["chat_message.id"],
            name=op.f("fk_chat_turn_assistant_message_id_chat_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_session.id"],
            name=op.f("fk_chat_turn_session_id_chat_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_message_id"],
            ["chat_message.id"],
            name=op.f("fk_chat_turn_user_message_id_chat_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_turn")),
    )
    with op.batch_alter_table("chat_turn", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_turn_session_id"), ["session_id"], unique=False)
        batch_op.create_index(
            "uq_chat_turn_running",
            ["session_id"],
            unique=True,
            postgresql_where=sa.text("status = 'running'"),
            sqlite_where=sa.text("status = 'running'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_turn", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_chat_turn_running",
            postgresql_where=sa.text("status = 'running'"),
            sqlite_where=sa.text("status = 'running'"),
        )
        batch_op.drop_index(batch_op.f("ix_chat_turn_session_id"))

    op.drop_table("chat_turn")
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_message_session_id_created_at")

    op.drop_table("chat_message")
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_chat_session_active",
            postgresql_where=sa.text("is_active"),
            sqlite_where=sa.text("is_active"),
        )
        batch_op.drop_index(batch_op.f("ix_chat_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_chat_session_project_id"))

    op.drop_table("chat_session")
