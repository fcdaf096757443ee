"""`flask --app wsgi connectors sources ...`: partner LRSs the hub pulls statements from.

    connectors sources add FILE|-      a source as JSON (the admin API's body)
    connectors sources list
    connectors sources remove ID
    connectors sources conflicts [ID]  statements a source gave that were not stored
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from connectors import pulling
from connectors.inputs import SourceBody
from connectors.partner_cli import fail, read_body
from connectors.storage import stores
from hub.errors import HubError

sources_group = AppGroup("sources", help="Pulling statements from partner LRSs.")


def _when(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}Z" if value else "never"


@sources_group.command("add")
@click.argument("file")
def add(file: str) -> None:
    """Register a source from a JSON file (or - for stdin); prints its id."""
    body = read_body(file, SourceBody)
    try:
        added = pulling.add_source(body.source())
    except HubError as error:
        fail(error)
    click.echo(added.id)


@sources_group.command("list")
def list_() -> None:
    for source in stores().sources.list_sources():
        state = pulling.pull_state(source.id)
        click.echo(f"{source.id}  {source.name}  {source.endpoint}  "
                   f"{'on' if source.enabled else 'off'}  every {source.poll_seconds} s  "
                   f"cursor {_when(state.cursor)}  pulled {state.pulled}  "
                   f"last poll {_when(state.polled_at)}"
                   + ("  (poll under way)" if state.more else "")
                   + (f"  last error: {state.last_error}" if state.last_error else ""))


@sources_group.command("remove")
@click.argument("source_id")
def remove(source_id: str) -> None:
    try:
        pulling.remove_source(source_id)
    except HubError as error:
        fail(error)


@sources_group.command("conflicts")
@click.argument("source_id", required=False)
def conflicts(source_id: str | None) -> None:
    """Statements a source gave that were not stored, oldest first: ids stored with other
    content, and statements the hub refused (with the reason)."""
    try:
        found = pulling.conflicts(source_id, limit=1000)
    except HubError as error:
        fail(error)
    for conflict in found:
        click.echo(f"{conflict.id}  {conflict.source_id}  {conflict.statement_id or '-'}  "
                   f"{conflict.kind}  {_when(conflict.noticed_at)}  {conflict.message[:200]}")
