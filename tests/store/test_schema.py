"""The schema: migrations match the models, and the database itself enforces the invariants."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel

from hub.models import ExternalRef
from hub.store import current_revision, head_revision
from tests.helpers import count


class TestMigrations:
    def test_database_is_at_head(self, engine):
        """``upgrade`` brings an empty database to the newest revision."""
        assert current_revision(engine) == head_revision()

    def test_migrations_match_the_models(self, engine):
        """Autogenerate finds nothing to add: the migration and the models agree."""
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == []


class TestDatabaseInvariants:
    def test_ledger_entries_cannot_be_updated_or_deleted(self, hub):
        """Append-only is enforced by the database, not only by our code."""
        count(hub, "TEE-RED-M", "dc-east", 5, "06:00", "wms")
        for statement in ("UPDATE ledger_entry SET delta = 99", "DELETE FROM ledger_entry"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                with hub.engine.begin() as conn:
                    conn.exec_driver_sql(statement)

    def test_crosswalk_is_unique_per_system_kind_and_external_id(self, engine):
        """A second hub code for the same external id is refused by a unique constraint."""
        with Session(engine) as session:
            session.add(ExternalRef(system="shopify-us", kind="sku", external_id="1", hub_code="A"))
            session.commit()
            session.add(ExternalRef(system="shopify-us", kind="sku", external_id="1", hub_code="B"))
            with pytest.raises(sa.exc.IntegrityError):
                session.commit()
            session.rollback()
            session.add(ExternalRef(system="amazon-us", kind="sku", external_id="1", hub_code="B"))
            session.commit()  # same id in another system is fine

    def test_ledger_idempotency_key_is_unique(self, hub):
        """Two entries with one idempotency key cannot both exist."""
        count(hub, "TEE-RED-M", "dc-east", 5, "06:00", "wms")
        with pytest.raises(sa.exc.IntegrityError):
            with hub.engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO ledger_entry (idempotency_key, event_key, sku_id, location_id, "
                    "bucket, delta, kind, reason, occurred_at, recorded_at) SELECT "
                    "idempotency_key, event_key, sku_id, location_id, bucket, delta, kind, reason, "
                    "occurred_at, recorded_at FROM ledger_entry"
                )
