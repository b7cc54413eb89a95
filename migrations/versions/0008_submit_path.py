"""round items by (round, owner): the index behind every status card and submit

Revision ID: 0008_submit_path
Revises: 0007_indicators
Create Date: 2026-12-02 01:50:00

A card reads the round items of one owner in one round. With only the single-column
indexes PostgreSQL combined the round's (every item of the round) with the owner's (every
round the owner was ever asked in), so the read grew with the round and the history.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_submit_path"
down_revision: str | None = "0007_indicators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("round_items", schema=None) as batch_op:
        batch_op.create_index("ix_round_items_round_owner", ["round_id", "owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("round_items", schema=None) as batch_op:
        batch_op.drop_index("ix_round_items_round_owner")
