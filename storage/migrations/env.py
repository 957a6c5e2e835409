"""Alembic environment. Migrations run through ``storage.migrate``, which passes an open connection."""

from alembic import context

from storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations with `python -m storage upgrade` (storage.migrate supplies the connection)"
    )

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
