"""Parcel summaries (what the present status needs from each parcel's history); indexes by code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)  # what `geo.orm.UTCDateTime` stores through, frozen here


def upgrade() -> None:
    op.create_table(
        "parcel_summaries",
        sa.Column("parcel_id", sa.Integer, sa.ForeignKey("parcels.id"), primary_key=True),
        sa.Column("last_inspection_id", sa.Integer, nullable=False),  # derived: no foreign key
        sa.Column("last_inspected_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("prev_inspection_id", sa.Integer),
        sa.Column("prev_inspected_at", UTC_TIMESTAMP),
        *(sa.Column(name, sa.Integer, nullable=False) for name in (
            "inspections_count", "demolished_total", "rebuilt_total", "sheds_peak", "ever_violated",
        )),
        sa.Column("hardened_peak_m2", sa.Float, nullable=False),
        sa.Column("first_violation_at", UTC_TIMESTAMP),
        sa.Column("last_clean_at", UTC_TIMESTAMP),
    )
    # Exports read a kind, the web map a street, each ordered by code.
    op.create_index("ix_parcels_kind_code", "parcels", ["kind", "code"])
    op.create_index("ix_parcels_street_code_code", "parcels", ["street_code", "code"])
    op.create_index("ix_inspections_import_id", "inspections", ["import_id"])  # what an import added
    # Filled once at head, after every migration (0004 marks the summaries stale).


def downgrade() -> None:
    op.drop_index("ix_inspections_import_id", "inspections")
    op.drop_index("ix_parcels_street_code_code", "parcels")
    op.drop_index("ix_parcels_kind_code", "parcels")
    op.drop_table("parcel_summaries")
