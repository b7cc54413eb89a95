"""index answers by when they were given, for the BI feed's incremental refresh

A warehouse or Power BI refresh asks the feed for ``AnsweredAt ge <last load>``; without an
index the first page scans the whole history in key order before it finds a row.

Revision ID: 0004_feed
Revises: 0003
Create Date: 2026-12-02 02:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_feed"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_responses_answered_at"), ["answered_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responses_answered_at"))
