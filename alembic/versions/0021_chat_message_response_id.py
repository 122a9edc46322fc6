"""chat message response id

An assistant message keeps the Responses API response that ended its turn, so regenerating or
editing a later message can continue the chain from the answer before it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_column("response_id")
