"""Server-side web sessions, and sign-in attempts counted atomically per name and address.

Sessions in a table (only a hash of the id) end at once on sign-out, when a
user is disabled or given a new password, and after the idle and absolute
timeouts. Sign-in attempts are one counter row per (name, address) and per
address alone, bumped by a single upsert before the password is checked; they
replace the per-failure rows of 0003. Tables are defined here, not imported.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("address", sa.String(100), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("started", sa.Float, nullable=False),
    )
    op.drop_index("ix_sign_in_failures_key_at", "sign_in_failures")
    op.drop_table("sign_in_failures")


def downgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_sign_in_failures_key_at", "sign_in_failures", ["key", "at"])
    op.drop_table("sign_in_attempts")
    op.drop_index("ix_web_sessions_user_id", "web_sessions")
    op.drop_table("web_sessions")
