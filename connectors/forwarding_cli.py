"""`flask --app wsgi connectors destinations ...`: forwarding destinations.

    connectors destinations add FILE|-      a destination as JSON (the admin API's body)
    connectors destinations list
    connectors destinations remove ID
    connectors destinations dead-letters [ID]
    connectors destinations resend ID [--letter N ...]
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from connectors import forwarding
from connectors.inputs import DestinationBody
from connectors.lrs_client import AuthFailed, Retry
from connectors.partner_cli import fail, read_body
from connectors.storage import stores
from hub.errors import HubError

destinations_group = AppGroup("destinations", help="Forwarding to other LRSs.")


@destinations_group.command("add")
@click.argument("file")
def add(file: str) -> None:
    """Register a destination from a JSON file (or - for stdin); prints its id."""
    body = read_body(file, DestinationBody)
    added = forwarding.add_destination(body.destination(), from_start=body.start == "beginning")
    click.echo(added.id)


@destinations_group.command("list")
def list_() -> None:
    for destination in stores().destinations.list_destinations():
        state = forwarding.delivery_state(destination.id)
        click.echo(f"{destination.id}  {destination.name}  {destination.endpoint}  "
                   f"{'on' if destination.enabled else 'off'}  cursor {state.feed.cursor}  "
                   f"delivered {state.delivered}"
                   + (f"  last error: {state.last_error}" if state.last_error else ""))


@destinations_group.command("remove")
@click.argument("destination_id")
def remove(destination_id: str) -> None:
    try:
        forwarding.remove_destination(destination_id)
    except HubError as error:
        fail(error)


@destinations_group.command("dead-letters")
@click.argument("destination_id", required=False)
def dead_letters(destination_id: str | None) -> None:
    """Statements a destination refused for good, oldest first."""
    for letter in stores().destinations.dead_letters(destination_id, limit=1000):
        click.echo(f"{letter.id}  {letter.destination_id}  {letter.statement_id}  "
                   f"{letter.status}  {letter.failed_at:%Y-%m-%d %H:%M:%S}Z  {letter.answer[:200]}")


@destinations_group.command("resend")
@click.argument("destination_id")
@click.option("--letter", "letters", type=int, multiple=True,
              help="Only these dead letters (repeatable); default: all of the destination's.")
def resend(destination_id: str, letters: tuple[int, ...]) -> None:
    try:
        delivered, refused = forwarding.resend_dead_letters(destination_id, letters or None)
    except HubError as error:
        fail(error)
    except (Retry, AuthFailed) as failure:
        raise click.ClickException(f"the destination did not take them: {failure.reason}") \
            from None
    click.echo(f"delivered {delivered}, still refused {refused}")
    if refused:
        sys.exit(1)
