"""The connectors' migrations build the tables their stores are written against: the
partner columns that destinations and sources share come from two helpers (one for the
migrations, frozen; one for the live tables), and these tests keep the two in step."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

# Imported for their tables, which join the shared metadata.
import connectors.storage.sql.tables
import connectors.storage.sql.webhook_tables  # noqa: F401
from hub.app import open_hub_storage
from hub.storage.sql.tables import metadata

CONNECTOR_TABLES = sorted(name for name in metadata.tables
                          if name.startswith(("connector_", "webhook_")))


def _connectors_only(metadata_: MetaData) -> MetaData:
    only = MetaData()
    for name in CONNECTOR_TABLES:
        metadata_.tables[name].to_metadata(only)
    return only


def test_migrated_connector_tables_are_the_tables_the_stores_use(fresh_database_url):
    assert {"connector_destinations", "connector_sources", "webhook_outbox"} <= \
        set(CONNECTOR_TABLES)
    storage = open_hub_storage(fresh_database_url)
    try:
        storage.upgrade()
        with storage.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": True,
                "include_name": lambda name, kind, parent: kind != "table"
                or name in CONNECTOR_TABLES})
            assert compare_metadata(context, _connectors_only(metadata)) == []
            columns = {name: [c["name"] for c in inspect(conn).get_columns(name)]
                       for name in CONNECTOR_TABLES}
        for name in CONNECTOR_TABLES:  # and in order, which compare_metadata ignores
            assert columns[name] == list(metadata.tables[name].c.keys()), name
    finally:
        storage.dispose()

