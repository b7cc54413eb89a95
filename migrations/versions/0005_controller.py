"""admins added in Teams, files sent to the bot waiting for Importera

Revision ID: 0005_controller
Revises: 0004_feed
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_controller"
down_revision: str | None = "0004_feed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("added_by", sa.String(length=320), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.String(length=320), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_grants")),
    )
    with op.batch_alter_table("admin_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_grants_identity"), ["identity"], unique=False)

    op.create_table(
        "pending_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("preview", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "imported",
                "cancelled",
                name="pending_import_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_imports")),
    )


def downgrade() -> None:
    op.drop_table("pending_imports")
    with op.batch_alter_table("admin_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_grants_identity"))
    op.drop_table("admin_grants")
