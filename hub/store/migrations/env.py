"""Alembic environment: runs against the engine handed over by ``hub.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import hub.models  # noqa: F401  (fills the metadata)

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
