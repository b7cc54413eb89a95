"""indicators: target settings, their history, and measured values

Revision ID: 0007_indicators
Revises: 0006_word_report
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_indicators"
down_revision: str | None = "0006_word_report"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEM_COLUMNS = (
    ("direction", sa.String(length=8)),
    ("baseline", sa.Numeric(18, 4)),
    ("decimals", sa.Integer()),
    ("margin", sa.Numeric(9, 4)),
    ("target_date", sa.Date()),
    ("period_targets", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("indicator_margin", sa.Numeric(9, 4), nullable=True))
    with op.batch_alter_table("plan_items") as batch:
        for name, kind in _ITEM_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "indicator_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=320), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_items.id"], name=op.f("fk_indicator_settings_item_id_plan_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_settings")),
        sa.UniqueConstraint(
            "item_id", "revision", name=op.f("uq_indicator_settings_item_id_revision")
        ),
    )
    op.create_index(
        op.f("ix_indicator_settings_item_id"), "indicator_settings", ["item_id"], unique=False
    )
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(18, 4), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=320), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_items.id"], name=op.f("fk_indicator_values_item_id_plan_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
        sa.UniqueConstraint(
            "item_id",
            "period",
            "revision",
            name=op.f("uq_indicator_values_item_id_period_revision"),
        ),
    )
    op.create_index(
        "ix_indicator_values_item_period", "indicator_values", ["item_id", "period"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_indicator_values_item_period", table_name="indicator_values")
    op.drop_table("indicator_values")
    op.drop_index(op.f("ix_indicator_settings_item_id"), table_name="indicator_settings")
    op.drop_table("indicator_settings")
    with op.batch_alter_table("plan_items") as batch:
        for name, _kind in reversed(_ITEM_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("indicator_margin")
