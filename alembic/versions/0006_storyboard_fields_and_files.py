"""storyboard fields and stored files

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column("thumbnail_content_type", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_stored_file_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
    )
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_file_user_id"), ["user_id"], unique=False)

    # Existing rows get the defaults through server defaults, dropped afterwards: the models
    # set them on insert, as for every other column.
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("aspect_ratio", sa.String(length=8), server_default="16:9", nullable=False)
        )
        batch_op.add_column(sa.Column("target_duration_seconds", sa.Double(), nullable=True))
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.alter_column("aspect_ratio", server_default=None)

    with op.batch_alter_table("scene", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duration_seconds", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("shot_size", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("camera_movement", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("audio", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("notes", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("image_file_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_scene_image_file_id"), ["image_file_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_scene_image_file_id_stored_file"),
            "stored_file",
            ["image_file_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("scene", schema=None) as batch_op:
        batch_op.alter_column("audio", server_default=None)
        batch_op.alter_column("notes", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("scene", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_scene_image_file_id_stored_file"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_scene_image_file_id"))
        batch_op.drop_column("image_file_id")
        batch_op.drop_column("notes")
        batch_op.drop_column("audio")
        batch_op.drop_column("camera_movement")
        batch_op.drop_column("shot_size")
        batch_op.drop_column("duration_seconds")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("target_duration_seconds")
        batch_op.drop_column("aspect_ratio")
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_file_user_id"))
    op.drop_table("stored_file")
