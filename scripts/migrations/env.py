"""Alembic environment: runs migrations on the connection `scripts.migrate` hands over.

No model metadata: each migration states the schema of its own revision, and
never imports the application, whose models follow the newest schema.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
