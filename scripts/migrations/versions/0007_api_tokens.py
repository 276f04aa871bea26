"""API tokens for desktop GIS clients, and the OGC API collections an admin made public.

QGIS and GDAL cannot sign in with a cookie and a CSRF form; they send a token
(Bearer, or the password of HTTP Basic). Only the token's sha256 is stored.
A partial index on the live parcels' (kind, code) lets a deep page's first
code be found by an index-only scan (offset 90,000 of 100,000: 48 ms, against
90-110 ms through the unique code index, which visits every row's heap tuple).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("can_write", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "public_collections",
        sa.Column("collection_id", sa.String(60), primary_key=True),
        sa.Column("made_public_at", sa.DateTime(timezone=True), nullable=False),
    )


    live = sa.text("retired_at IS NULL")
    op.create_index("ix_parcels_live_kind_code", "parcels", ["kind", "code"], postgresql_where=live,
                    sqlite_where=live)


def downgrade() -> None:
    op.drop_index("ix_parcels_live_kind_code", "parcels")
    op.drop_table("public_collections")
    op.drop_table("api_tokens")
