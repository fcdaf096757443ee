"""`flask --app wsgi connectors webhooks ...`: signed webhook subscriptions.

    connectors webhooks add URL --event E [--event E ...] [--verb IRI]
                                [--activity-prefix P] [--credential KEY] [--description D]
                                [--disabled]
    connectors webhooks list
    connectors webhooks enable ID | disable ID | remove ID
    connectors webhooks dead-letters [--subscription ID] [--limit N]
    connectors webhooks resend [LETTER_ID ...] [--all] [--subscription ID]
    connectors webhooks deliver [--limit N]      one delivery step now (the worker does it)
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import AppGroup

from connectors import webhooks
from connectors.storage import stores
from connectors.webhook_inputs import ResendBody, SubscriptionBody
from connectors.webhooks_api import dead_letter_json, subscription_json
from hub.errors import BadRequest
from hub.inputs import parse_body
from hub.storage import current_storage

webhooks_group = AppGroup("webhooks", help="Signed webhooks (Standard Webhooks).")


def _parsed(model: Any, body: dict[str, Any]) -> Any:
    try:
        return parse_body(model, body)
    except BadRequest as exc:
        raise click.UsageError(exc.message) from None


@webhooks_group.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True,
              type=click.Choice(webhooks.WEBHOOK_EVENTS), help="An event to send (repeatable).")
@click.option("--verb", help="statement.stored: only statements with this verb IRI.")
@click.option("--activity-prefix", help="statement.stored: only activities whose id starts so.")
@click.option("--credential", help="statement.stored: only statements this partner credential "
                                   "(its key) stored.")
@click.option("--description")
@click.option("--disabled", is_flag=True, help="Register it turned off.")
def add(url: str, events: tuple[str, ...], verb: str | None, activity_prefix: str | None,
        credential: str | None, description: str | None, disabled: bool) -> None:
    """Subscribe URL to events; prints the secret, which is shown only this once."""
    rule = {k: v for k, v in (("verb", verb), ("activity_prefix", activity_prefix),
                              ("credential", credential)) if v is not None}
    body: dict[str, Any] = {"url": url, "events": list(events), "enabled": not disabled}
    if rule:
        body["filter"] = rule
    if description is not None:
        body["description"] = description
    parsed: SubscriptionBody = _parsed(SubscriptionBody, body)
    try:
        added = webhooks.create_subscription(current_storage(), parsed.subscription())
    except webhooks.SubscriptionError as exc:
        raise click.UsageError(exc.message) from None
    click.echo(f"subscription {added.id} → {added.url} ({', '.join(sorted(added.events))})")
    click.echo(f"secret (shown once; verify webhook-signature with it): {added.secret}")


@webhooks_group.command("list")
def list_subscriptions() -> None:
    """Subscriptions with their outbox counts (never their secrets)."""
    store = stores().webhooks
    for subscription in store.list_subscriptions():
        shown = subscription_json(subscription, store.backlog(subscription.id))
        click.echo(json.dumps(shown, ensure_ascii=False))


def _switch(subscription_id: str, enabled: bool) -> None:
    if webhooks.set_enabled(current_storage(), subscription_id, enabled) is None:
        raise click.ClickException(f"no webhook subscription {subscription_id}")
    click.echo(f"subscription {subscription_id} {'on' if enabled else 'off'}")


@webhooks_group.command("enable")
@click.argument("subscription_id")
def enable(subscription_id: str) -> None:
    """Turn a subscription on (it starts from the newest statement)."""
    _switch(subscription_id, True)


@webhooks_group.command("disable")
@click.argument("subscription_id")
def disable(subscription_id: str) -> None:
    """Turn a subscription off: nothing is recorded or sent for it meanwhile."""
    _switch(subscription_id, False)


@webhooks_group.command("remove")
@click.argument("subscription_id")
def remove(subscription_id: str) -> None:
    """Remove a subscription and its outbox."""
    if not webhooks.remove_subscription(current_storage(), subscription_id):
        raise click.ClickException(f"no webhook subscription {subscription_id}")
    click.echo(f"subscription {subscription_id} removed")


@webhooks_group.command("dead-letters")
@click.option("--subscription", "subscription_id")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
def dead_letters(subscription_id: str | None, limit: int) -> None:
    """Messages a receiver refused for good, or that ran out of attempts (JSON lines)."""
    for entry in webhooks.dead_letters(current_storage(), subscription_id, limit=limit):
        click.echo(json.dumps(dead_letter_json(entry), ensure_ascii=False))


@webhooks_group.command("resend")
@click.argument("letter_ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--all", "every", is_flag=True, help="Every dead letter (of --subscription).")
@click.option("--subscription", "subscription_id")
def resend(letter_ids: tuple[int, ...], every: bool, subscription_id: str | None) -> None:
    """Send dead letters again on the next delivery step."""
    body: dict[str, Any] = {"all": every}
    if letter_ids:
        body["ids"] = list(letter_ids)
    if subscription_id is not None:
        body["subscription"] = subscription_id
    parsed: ResendBody = _parsed(ResendBody, body)
    count = webhooks.resend(current_storage(), parsed.ids, subscription_id=parsed.subscription)
    click.echo(f"{count} dead letter(s) queued again")


@webhooks_group.command("deliver")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
def deliver(limit: int) -> None:
    """One delivery step now, beside or without the worker (it is safe beside it)."""
    click.echo(f"{webhooks.deliver_webhooks(limit)} message(s) and statement(s) handled")
