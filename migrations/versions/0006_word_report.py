"""round summaries: where the Word report of a published round is

Revision ID: 0006_word_report
Revises: 0005_controller
Create Date: 2026-12-02 01:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_word_report"
down_revision: str | None = "0005_controller"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("round_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intranet_report_url", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("round_summaries", schema=None) as batch_op:
        batch_op.drop_column("intranet_report_url")
