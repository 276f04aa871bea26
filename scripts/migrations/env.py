"""Alembic environment: runs migrations on the connection `geo`'s store hands over."""

from __future__ import annotations

from alembic import context

import cases.models  # noqa: F401  (registers the tables on the shared metadata)
from geo.orm import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=lambda obj, name, type_, reflected, compare_to: not (
        type_ == "table" and reflected and compare_to is None
    ),
)
with context.begin_transaction():
    context.run_migrations()
