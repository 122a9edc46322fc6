"""change set token name

A change made over MCP names the personal access token that made it ("assistant via MCP
(token name)"); the name is copied, since the history outlives the token.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 11:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change_set", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_token_name", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_set", schema=None) as batch_op:
        batch_op.drop_column("actor_token_name")
