"""The `worker` and `connectors` CLI groups (connectors.worker_cli, connectors.forwarding_cli,
connectors.pulling_cli)."""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

connectors_group = AppGroup("connectors", help="Forwarding, pulling, imports and webhooks.")


def register(app: Flask) -> None:
    from connectors.forwarding_cli import destinations_group
    from connectors.imports_cli import import_command
    from connectors.pulling_cli import sources_group
    from connectors.webhooks_cli import webhooks_group
    from connectors.worker_cli import worker_group

    connectors_group.add_command(destinations_group)
    connectors_group.add_command(sources_group)
    connectors_group.add_command(webhooks_group)
    connectors_group.add_command(import_command)
    app.cli.add_command(worker_group)
    app.cli.add_command(connectors_group)
