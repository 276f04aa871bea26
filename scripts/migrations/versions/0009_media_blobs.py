"""Media in the database: photos and thumbnails by key (which holds the content hash).

With LANDPATROL_MEDIA=db, several web servers share one store and no folder:
a photo is written in the same transaction as its record. BYTEA on PostGIS,
BLOB on SQLite.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_blobs",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("media_blobs")
