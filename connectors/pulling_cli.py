"""`flask --app wsgi connectors sources ...`: partner LRSs the hub pulls statements from.

    connectors sources add FILE|-      a source as JSON (the admin API's body)
    connectors sources list
    connectors sources remove ID
    connectors sources conflicts [ID]  statements a source gave that were not stored
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from connectors import pulling
from connectors.inputs import SourceBody
from connectors.storage import stores
from hub.errors import HubError
from hub.inputs import parse_body

sources_group = AppGroup("sources", help="Pulling statements from partner LRSs.")


def _fail(error: HubError) -> None:
    where = error.pointer or error.parameter
    raise click.ClickException(f"{where}: {error.message}" if where else error.message)


def _when(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}Z" if value else "never"


@sources_group.command("add")
@click.argument("file")
def add(file: str) -> None:
    """Register a source from a JSON file (or - for stdin); prints its id."""
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    try:
        added = pulling.add_source(parse_body(SourceBody, json.loads(text)).source())
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file} is not JSON: {exc}") from None
    except HubError as error:
        _fail(error)
        return
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
        _fail(error)


@sources_group.command("conflicts")
@click.argument("source_id", required=False)
def conflicts(source_id: str | None) -> None:
    """Statements a source gave that were not stored, oldest first: ids stored with other
    content, and statements the hub refused (with the reason)."""
    try:
        found = pulling.conflicts(source_id, limit=1000)
    except HubError as error:
        _fail(error)
        return
    for conflict in found:
        click.echo(f"{conflict.id}  {conflict.source_id}  {conflict.statement_id or '-'}  "
                   f"{conflict.kind}  {_when(conflict.noticed_at)}  {conflict.message[:200]}")
