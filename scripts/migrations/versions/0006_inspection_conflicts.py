"""Conflicts of records made offline, and the photo evidence of each record.

`inspection_conflicts`: a record stored although its parcel changed after the
visit (new shape, another street, retired) or another inspector recorded it
since with other findings; a manager resolves it (accepted, or superseded by a
correction). `photo_exif`: what a photo's EXIF says (time, position,
orientation), read once per stored photo. `photo_flags`: a record's photo taken
far from its parcel or long before or after the visit.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)  # frozen as `geo.orm.UTCDateTime` stores


def upgrade() -> None:
    op.create_table(
        "inspection_conflicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inspection_id", sa.Integer, sa.ForeignKey("inspections.id"), nullable=False, index=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("other_inspection_id", sa.Integer, sa.ForeignKey("inspections.id")),
        sa.Column("detected_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("resolution", sa.String(20), index=True),
        sa.Column("resolved_at", UTC_TIMESTAMP),
        sa.Column("resolved_by", sa.String(100)),
        sa.Column("correction_id", sa.Integer, sa.ForeignKey("inspections.id")),
    )
    op.create_table(
        "photo_exif",
        sa.Column("photo_id", sa.Integer, sa.ForeignKey("photos.id"), primary_key=True),
        sa.Column("taken_at", UTC_TIMESTAMP),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("orientation", sa.Integer),
    )
    op.create_table(
        "photo_flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inspection_id", sa.Integer, sa.ForeignKey("inspections.id"), nullable=False, index=True),
        sa.Column("photo_id", sa.Integer, sa.ForeignKey("photos.id"), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("distance_m", sa.Float),
        sa.Column("minutes_off", sa.Float),
        sa.UniqueConstraint("inspection_id", "photo_id", "reason", name="uq_photo_flags"),
    )


def downgrade() -> None:
    for table in ("photo_flags", "photo_exif", "inspection_conflicts"):
        op.drop_table(table)
