"""Alembic's environment for llmecon's web database.

Run programmatically by ``llmecon.web.store.upgrade``, which hands over an open connection in
``config.attributes["connection"]``; ``sqlalchemy.url`` is used when there is none (the
``alembic`` command line with ``-x``-less configs).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from llmecon.web.store import Base

config = context.config


def _run(connection: Connection) -> None:
    # batch mode: SQLite alters a table by copying it, which later migrations may need
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as conn:
        _run(conn)


run_migrations_online()
