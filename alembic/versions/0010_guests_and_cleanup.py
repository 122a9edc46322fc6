"""guests and the cleanup job

Guest accounts (no email or password until they sign up), the guest-creation log that throttles
them, conversations that go inactive when idle (`is_active`; the one-per-project flag that was
called `is_active` becomes `is_current`), and the queue of provider threads to delete.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
        batch_op.alter_column("hashed_password", existing_type=sa.String(length=255), nullable=True)
        batch_op.add_column(
            sa.Column("is_guest", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("is_guest", server_default=None)

    op.create_table(
        "guest_creation",
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_creation")),
    )
    with op.batch_alter_table("guest_creation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_guest_creation_client_address_created_at",
            ["client_address", "created_at"],
            unique=False,
        )

    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.drop_index("uq_chat_session_active")
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.alter_column("is_active", new_column_name="is_current", existing_type=sa.Boolean())
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.create_index(
            "uq_chat_session_current",
            ["user_id", "project_id"],
            unique=True,
            postgresql_where=sa.text("is_current"),
            sqlite_where=sa.text("is_current"),
        )
        batch_op.create_index(
            "ix_chat_session_is_active_last_message_at",
            ["is_active", "last_message_at"],
            unique=False,
        )
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.alter_column("is_active", server_default=None)

    op.create_table(
        "discarded_thread",
        sa.Column("thread_id", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_discarded_thread")),
    )


def downgrade() -> None:
    op.drop_table("discarded_thread")
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_session_is_active_last_message_at")
        batch_op.drop_index("uq_chat_session_current")
        batch_op.drop_column("is_active")
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.alter_column("is_current", new_column_name="is_active", existing_type=sa.Boolean())
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.create_index(
            "uq_chat_session_active",
            ["user_id", "project_id"],
            unique=True,
            postgresql_where=sa.text("is_active"),
            sqlite_where=sa.text("is_active"),
        )
    with op.batch_alter_table("guest_creation", schema=None) as batch_op:
        batch_op.drop_index("ix_guest_creation_client_address_created_at")
    op.drop_table("guest_creation")
    # The columns tighten: a guest keeps its data under a placeholder email no one receives and
    # a hash no password matches (deleting it would orphan its rows where SQLite's foreign keys
    # are off, as they are during migrations).
    op.execute(
        "UPDATE user_account SET email = 'guest-' || id || '@guest.invalid', "
        "hashed_password = '!' WHERE is_guest"
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("is_guest")
        batch_op.alter_column(
            "hashed_password", existing_type=sa.String(length=255), nullable=False
        )
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)
