"""SQLite forgets statistics that say a table is empty (0008 analysed parcels before any existed).

SQLite keeps what ANALYZE found until the next ANALYZE. A store made by the
migrations was told its parcels table held no rows, so the planner read a
worked-out summary in full once per parcel for the status of a past date:
80.9x the plain window query at 100,000 parcels. Without figures SQLite
assumes a large table and indexes the summary (1.0x-1.4x). PostgreSQL keeps
its own statistics current (autovacuum), so nothing changes there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    stat1 = sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    analysed = bind.execute(stat1).scalar()
    if analysed:  # the first number of a row's figures is the table's row count
        op.execute("DELETE FROM sqlite_stat1 WHERE CAST(stat AS INTEGER) = 0")


def downgrade() -> None:
    """Nothing to restore: statistics only guide the planner, and wrong ones are not wanted back."""
