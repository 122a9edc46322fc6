"""share links and review comments

Share links (only the token's hash is stored), the comments guests leave on frames through them,
and the log of comment posts that throttles guests per link and per address.

Revision ID: 0013
Revises: 0017
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "share_link",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("allow_comments", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_share_link_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_link_token_hash")),
    )
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_link_project_id"), ["project_id"], unique=False)

    op.create_table(
        "share_comment",
        sa.Column("scene_id", sa.Uuid(), nullable=False),
        sa.Column("share_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_resolved", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scene_id"],
            ["scene.id"],
            name=op.f("fk_share_comment_scene_id_scene"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["share_link.id"],
            name=op.f("fk_share_comment_share_id_share_link"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_comment")),
    )
    with op.batch_alter_table("share_comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_share_comment_scene_id_created_at", ["scene_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_share_comment_share_id"), ["share_id"], unique=False)

    op.create_table(
        "share_comment_post",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["share_link.id"],
            name=op.f("fk_share_comment_post_share_id_share_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_comment_post")),
    )
    with op.batch_alter_table("share_comment_post", schema=None) as batch_op:
        batch_op.create_index(
            "ix_share_comment_post_client_address_created_at",
            ["client_address", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_share_comment_post_share_id_created_at",
            ["share_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("share_comment_post")
    op.drop_table("share_comment")
    op.drop_table("share_link")
