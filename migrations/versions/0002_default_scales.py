"""default status and risk scales

Scales are data: this revision inserts the defaults that Swedish internal control uses.
Admins can add others (e.g. a 1-5 risk scale) with `lagesbot scales import`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_SCALE_KEY = "standard"
RISK_SCALE_KEY = "risk4x4"

# key, label_sv, label_en, colour, card colour, severity (0 = best)
STATUS_OPTIONS = [
    ("done", "Klar", "Done", "#1F6FB2", "accent", 0),
    ("on_track", "Enligt plan", "On track", "#2E8540", "good", 1),
    ("deviation", "Avvikelse", "Deviation", "#F2A900", "warning", 3),
    ("at_risk", "Risk att inte nås", "At risk of not being met", "#C62828", "attention", 4),
    ("not_started", "Ej påbörjad", "Not started", "#767676", "default", 2),
]

LIKELIHOOD = [
    (1, "Osannolik", "Unlikely"),
    (2, "Mindre sannolik", "Less likely"),
    (3, "Möjlig", "Possible"),
    (4, "Sannolik", "Likely"),
]
CONSEQUENCE = [
    (1, "Försumbar", "Negligible"),
    (2, "Lindrig", "Minor"),
    (3, "Kännbar", "Significant"),
    (4, "Allvarlig", "Serious"),
]
# key, min score, max score, label_sv, label_en, colour, card colour
BANDS = [
    ("low", 1, 3, "Låg", "Low", "#2E8540", "good"),
    ("medium", 4, 6, "Medel", "Medium", "#F2A900", "warning"),
    ("high", 7, 9, "Hög", "High", "#E8710A", "attention"),
    ("very_high", 10, 16, "Mycket hög", "Very high", "#C62828", "attention"),
]


def upgrade() -> None:
    conn = op.get_bind()
    status_scales = sa.table(
        "status_scales",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("name_sv", sa.String),
        sa.column("name_en", sa.String),
    )
    status_options = sa.table(
        "status_options",
        sa.column("scale_id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("label_sv", sa.String),
        sa.column("label_en", sa.String),
        sa.column("colour", sa.String),
        sa.column("card_colour", sa.String),
        sa.column("severity", sa.Integer),
        sa.column("position", sa.Integer),
    )
    risk_scales = sa.table(
        "risk_scales",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("name_sv", sa.String),
        sa.column("name_en", sa.String),
        sa.column("likelihood_max", sa.Integer),
        sa.column("consequence_max", sa.Integer),
    )
    risk_levels = sa.table(
        "risk_levels",
        sa.column("scale_id", sa.Integer),
        sa.column("axis", sa.String),
        sa.column("value", sa.Integer),
        sa.column("label_sv", sa.String),
        sa.column("label_en", sa.String),
    )
    risk_bands = sa.table(
        "risk_bands",
        sa.column("scale_id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("min_score", sa.Integer),
        sa.column("max_score", sa.Integer),
        sa.column("label_sv", sa.String),
        sa.column("label_en", sa.String),
        sa.column("colour", sa.String),
        sa.column("card_colour", sa.String),
    )

    status_id = conn.execute(
        status_scales.insert()
        .values(key=STATUS_SCALE_KEY, name_sv="Standardstatus", name_en="Standard status")
        .returning(status_scales.c.id)
    ).scalar_one()
    op.bulk_insert(
        status_options,
        [
            {
                "scale_id": status_id,
                "key": key,
                "label_sv": sv,
                "label_en": en,
                "colour": colour,
                "card_colour": card,
                "severity": severity,
                "position": position,
            }
            for position, (key, sv, en, colour, card, severity) in enumerate(STATUS_OPTIONS)
        ],
    )
    risk_id = conn.execute(
        risk_scales.insert()
        .values(
            key=RISK_SCALE_KEY,
            name_sv="Sannolikhet × konsekvens (1–4)",
            name_en="Likelihood × consequence (1–4)",
            likelihood_max=4,
            consequence_max=4,
        )
        .returning(risk_scales.c.id)
    ).scalar_one()
    op.bulk_insert(
        risk_levels,
        [
            {"scale_id": risk_id, "axis": axis, "value": v, "label_sv": sv, "label_en": en}
            for axis, levels in (("likelihood", LIKELIHOOD), ("consequence", CONSEQUENCE))
            for v, sv, en in levels
        ],
    )
    op.bulk_insert(
        risk_bands,
        [
            {
                "scale_id": risk_id,
                "key": key,
                "min_score": lo,
                "max_score": hi,
                "label_sv": sv,
                "label_en": en,
                "colour": colour,
                "card_colour": card,
            }
            for key, lo, hi, sv, en, colour, card in BANDS
        ],
    )


def downgrade() -> None:
    conn = op.get_bind()
    risk_id = conn.execute(
        sa.text("SELECT id FROM risk_scales WHERE key = :key"), {"key": RISK_SCALE_KEY}
    ).scalar()
    if risk_id is not None:
        conn.execute(sa.text("DELETE FROM risk_bands WHERE scale_id = :id"), {"id": risk_id})
        conn.execute(sa.text("DELETE FROM risk_levels WHERE scale_id = :id"), {"id": risk_id})
        conn.execute(sa.text("DELETE FROM risk_scales WHERE id = :id"), {"id": risk_id})
    status_id = conn.execute(
        sa.text("SELECT id FROM status_scales WHERE key = :key"), {"key": STATUS_SCALE_KEY}
    ).scalar()
    if status_id is not None:
        conn.execute(sa.text("DELETE FROM status_options WHERE scale_id = :id"), {"id": status_id})
        conn.execute(sa.text("DELETE FROM status_scales WHERE id = :id"), {"id": status_id})
