"""Alembic environment, driven programmatically by `Store.migrate()` (no alembic.ini).

The caller hands over an open connection in `config.attributes["connection"]`, so migrations run on
exactly the engine (and SQLite pragmas) the application uses.
"""

from __future__ import annotations

from alembic import context

from bot.storage.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through bot.storage.Store(url).migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode makes future migrations portable.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
