"""Alembic environment: runs on the connection that ``store.engine.migrate`` hands over."""

from alembic import context

from claude_textual.store.tables import SQLModel

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
