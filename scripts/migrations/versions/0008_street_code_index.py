"""A street's pages read the (street_code, code) index of current parcels alone.

0002's plain (street_code, code) index lost to the unique code index: parcels
are stored in code order, so the planner walked the whole code index and
filtered by street (40-68 ms at 100,000 parcels, and growing with the
district). Rebuilt here for current parcels only (`retired_at IS NULL`) and
covering the id (PostgreSQL's INCLUDE; SQLite's indexes carry the rowid), a
page's keys (`code > :after`, or an offset) come from an index-only scan
that costs the same in a street of 1,000 parcels or of 100,000.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEX = "ix_parcels_street_code_code"
CURRENT = sa.text("retired_at IS NULL")


def upgrade() -> None:
    op.drop_index(INDEX, table_name="parcels")
    op.create_index(INDEX, "parcels", ["street_code", "code"], postgresql_include=["id"],
                    postgresql_where=CURRENT, sqlite_where=CURRENT)
    op.execute("ANALYZE parcels")


def downgrade() -> None:
    op.drop_index(INDEX, table_name="parcels")
    op.create_index(INDEX, "parcels", ["street_code", "code"])
