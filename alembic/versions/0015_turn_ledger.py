"""the turn ledger and the assistant check's throttle

Each chat turn records, with its end, the engine and model that answered, its model, tool and
total time, the provider's token usage, its tool-call count and the SDK's retries. An account
records when it last asked for a live check of the assistant.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEDGER_COUNTS = (
    "model_ms",
    "tool_ms",
    "total_ms",
    "input_tokens",
    "output_tokens",
    "tool_call_count",
    "retries",
)


def upgrade() -> None:
    with op.batch_alter_table("chat_turn", schema=None) as batch_op:
        batch_op.add_column(sa.Column("engine", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("model", sa.String(length=128), nullable=True))
        for name in LEDGER_COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("assistant_checked_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("assistant_checked_at")
    with op.batch_alter_table("chat_turn", schema=None) as batch_op:
        for name in reversed(LEDGER_COUNTS):
            batch_op.drop_column(name)
        batch_op.drop_column("model")
        batch_op.drop_column("engine")
