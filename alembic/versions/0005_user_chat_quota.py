"""user chat quota

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_quota_day", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("chat_quota_used", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("chat_quota_used", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("chat_quota_used")
        batch_op.drop_column("chat_quota_day")
