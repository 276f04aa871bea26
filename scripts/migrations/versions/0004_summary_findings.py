"""Parcel summaries keep the latest record's findings and the measures of the one before.

Today's status and the maps read them for every parcel; taking them from the
summary row spares two lookups into the inspections per parcel. The new
columns are left empty and the summaries marked stale: `landpatrol init`
rebuilds them from the history once the store is at head, with the code that
matches head's schema (a rebuild here, by today's code, would write columns
that later migrations add and that do not exist yet at this revision).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Derived tables that a migration changes are listed here, and rebuilt by `scripts.migrate` at head.
STALE_TABLE = "stale_derived_tables"

COLUMNS = (
    ("sheds_count", sa.Integer), ("sheds_area_m2", sa.Float), ("clothes_drying", sa.Boolean),
    ("cars_parked", sa.Boolean), ("hardened_m2", sa.Float), ("demolished_count", sa.Integer),
    ("rebuilt_count", sa.Integer), ("abandoned_m2", sa.Float), ("debris", sa.Boolean),
    ("machinery_count", sa.Integer), ("vehicles_count", sa.Integer), ("replanted_m2", sa.Float),
    ("note", sa.Text),
    ("prev_sheds_count", sa.Integer), ("prev_sheds_area_m2", sa.Float), ("prev_hardened_m2", sa.Float),
    ("prev_debris", sa.Boolean), ("prev_machinery_count", sa.Integer),
    ("prev_vehicles_count", sa.Integer), ("prev_abandoned_m2", sa.Float),
)


def upgrade() -> None:
    with op.batch_alter_table("parcel_summaries") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_))
    op.execute(f"CREATE TABLE IF NOT EXISTS {STALE_TABLE} (name VARCHAR(60) PRIMARY KEY)")
    op.execute(f"INSERT INTO {STALE_TABLE} (name) VALUES ('parcel_summaries') ON CONFLICT DO NOTHING")


def downgrade() -> None:
    with op.batch_alter_table("parcel_summaries") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
