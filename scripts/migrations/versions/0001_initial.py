"""The initial schema: streets, parcels, inspections, issues, users, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen here, as they were at this revision: a migration never calls the live code, which
# follows the newest schema. `geo.orm.UTCDateTime` stores through this type on both backends.
UTC_TIMESTAMP = sa.DateTime(timezone=True)
STORAGE_SRID = 4490  # CGCS2000
SPATIALITE_SRIDS = (4326, 4490, 4547)  # WGS 84, storage, and the metric CRS areas are measured in
GEOMETRY_COLUMNS = [
    # table, column, type, nullable
    ("streets", "geom", "MULTIPOLYGON", True),
    ("parcels", "geom", "MULTIPOLYGON", False),
    ("parcel_versions", "geom", "MULTIPOLYGON", False),
    ("inspections", "gps", "POINT", True),
]


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _postgis(bind: sa.Connection) -> bool:
    return bind.dialect.name == "postgresql"


def _ensure_spatial(bind: sa.Connection) -> None:
    """The postgis extension, or SpatiaLite's metadata tables knowing the SRIDs used."""
    if _postgis(bind):
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        return
    known = sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'spatial_ref_sys'")
    if not bind.execute(known).scalar():
        bind.execute(sa.text("SELECT InitSpatialMetadata(0)"))  # in the transaction: 0.1 s, not 7 s
    for srid in SPATIALITE_SRIDS:
        known = sa.text("SELECT count(*) FROM spatial_ref_sys WHERE srid = :s")
        if not bind.execute(known, {"s": srid}).scalar():
            bind.execute(sa.text("SELECT InsertEpsgSrid(:s)"), {"s": srid})


def _add_geometry_column(
    bind: sa.Connection, table: str, column: str, geometry_type: str, nullable: bool
) -> None:
    """A typed geometry column with its spatial index (GiST on PostGIS, R*Tree on SpatiaLite)."""
    if _postgis(bind):
        null = "" if nullable else " NOT NULL"
        bind.execute(sa.text(
            f"ALTER TABLE {table} ADD COLUMN {column} geometry({geometry_type}, {STORAGE_SRID}){null}"))
        bind.execute(sa.text(f"CREATE INDEX ix_{table}_{column} ON {table} USING GIST ({column})"))
        return
    added = bind.execute(
        sa.text("SELECT AddGeometryColumn(:t, :c, :srid, :gt, 'XY', :notnull)"),
        {"t": table, "c": column, "srid": STORAGE_SRID, "gt": geometry_type, "notnull": int(not nullable)},
    ).scalar()
    if not added:
        raise RuntimeError(f"SpatiaLite could not add geometry column {table}.{column}")
    bind.execute(sa.text("SELECT CreateSpatialIndex(:t, :c)"), {"t": table, "c": column})


def _drop_geometry_column(bind: sa.Connection, table: str, column: str) -> None:
    if _postgis(bind):
        bind.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        return
    bind.execute(sa.text("SELECT DisableSpatialIndex(:t, :c)"), {"t": table, "c": column})
    bind.execute(sa.text(f'DROP TABLE IF EXISTS "idx_{table}_{column}"'))
    bind.execute(sa.text("SELECT DiscardGeometryColumn(:t, :c)"), {"t": table, "c": column})


def upgrade() -> None:
    _ensure_spatial(op.get_bind())
    op.create_table(
        "import_runs", _id(),
        sa.Column("at", UTC_TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
    )
    op.create_table(
        "audit_events", _id(),
        sa.Column("at", UTC_TIMESTAMP, nullable=False, index=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(60), nullable=False, index=True),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_key", sa.String(120)),
        sa.Column("detail", sa.Text),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("import_runs.id")),
    )
    op.create_table(
        "streets", _id(),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("short_name", sa.String(100), nullable=False),
        sa.Column("area_m2", sa.Float),
        sa.Column("schematic", sa.Boolean, nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("import_runs.id")),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
    )
    op.create_table(
        "parcels", _id(),
        sa.Column("code", sa.String(60), nullable=False, unique=True),
        sa.Column("kind", sa.String(30), nullable=False, index=True),
        sa.Column("name", sa.String(200)),
        sa.Column("street_code", sa.String(20), sa.ForeignKey("streets.code"), index=True),
        sa.Column("village", sa.String(100)),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("import_runs.id")),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("retired_at", UTC_TIMESTAMP),
    )
    op.create_table(
        "parcel_versions", _id(),
        sa.Column("parcel_id", sa.Integer, sa.ForeignKey("parcels.id"), nullable=False, index=True),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("valid_from", UTC_TIMESTAMP, nullable=False),
        sa.Column("valid_to", UTC_TIMESTAMP, nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("import_runs.id")),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "inspections", _id(),
        sa.Column("parcel_id", sa.Integer, sa.ForeignKey("parcels.id"), nullable=False, index=True),
        sa.Column("inspected_at", UTC_TIMESTAMP, nullable=False, index=True),
        sa.Column("recorded_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("inspector", sa.String(100), nullable=False),
        sa.Column("client_id", sa.String(64), unique=True),
        sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("inspections.id"), index=True),
        sa.Column("off_site", sa.Boolean, nullable=False),
        *(sa.Column(name, sa.Integer, nullable=False) for name in (
            "sheds_count", "demolished_count", "rebuilt_count", "machinery_count", "vehicles_count",
        )),
        *(sa.Column(name, sa.Float, nullable=False) for name in (
            "sheds_area_m2", "hardened_m2", "abandoned_m2", "replanted_m2",
        )),
        *(sa.Column(name, sa.Boolean, nullable=False) for name in (
            "clothes_drying", "cars_parked", "debris",
        )),
        sa.Column("note", sa.Text),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("import_runs.id")),
    )
    op.create_index("ix_inspections_parcel_time", "inspections", ["parcel_id", "inspected_at"])
    op.create_table(
        "photos", _id(),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("original_name", sa.String(255)),
    )
    op.create_table(
        "inspection_photos",
        sa.Column("inspection_id", sa.Integer, sa.ForeignKey("inspections.id"), primary_key=True),
        sa.Column("photo_id", sa.Integer, sa.ForeignKey("photos.id"), primary_key=True),
    )
    op.create_table(
        "issues", _id(),
        sa.Column("ref", sa.String(20), nullable=False, unique=True),
        sa.Column("category", sa.Integer, nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("finding", sa.Text),
        sa.Column("lead_department", sa.String(200)),
        sa.Column("partner_departments", sa.JSON, nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("opened_on", sa.Date),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
    )
    op.create_table(
        "issue_parcels",
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id"), primary_key=True),
        sa.Column("parcel_id", sa.Integer, sa.ForeignKey("parcels.id"), primary_key=True),
    )
    op.create_table(
        "measures", _id(),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id"), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("due", sa.Date),
        sa.Column("done_on", sa.Date),
    )
    op.create_table(
        "issue_updates", _id(),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id"), nullable=False, index=True),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("state", sa.String(20)),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("recorded_at", UTC_TIMESTAMP, nullable=False),
    )
    op.create_table(
        "users", _id(),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("streets", sa.JSON, nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
    )
    for table, column, geometry_type, nullable in GEOMETRY_COLUMNS:
        _add_geometry_column(op.get_bind(), table, column, geometry_type, nullable)


def downgrade() -> None:
    for table, column, _type, _nullable in reversed(GEOMETRY_COLUMNS):
        _drop_geometry_column(op.get_bind(), table, column)
    for table in (
        "users", "issue_updates", "measures", "issue_parcels", "issues", "inspection_photos",
        "photos", "inspections", "parcel_versions", "parcels", "streets", "audit_events",
        "import_runs",
    ):
        op.drop_table(table)
