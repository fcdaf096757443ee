"""The CLI commands both LTI roles have, written once (issue 18.7): a `keys` group over
the role's signing-key store, and the disable/enable pair over the role's registrations
(LMS platforms for the tool role, partner tools for the platform role).  Each role's CLI
module only says what differs: its store, its nouns and its messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import click
from flask.cli import AppGroup

from hub.storage.signing_keys import LtiKeyStore
from lti.keys import RotationTooEarly, activate_next_key, publish_next_key, signing_key


class Registration(Protocol):
    """What the enablement commands read of an LTI platform or a partner tool."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def disabled_at(self) -> datetime | None: ...


def enablement_state(registration: Registration) -> str:
    disabled_at = registration.disabled_at
    if registration.enabled or disabled_at is None:
        return "enabled"
    return f"DISABLED since {disabled_at.isoformat(timespec='seconds')}"


def signing_key_commands(store_of: Callable[[], LtiKeyStore], *, help: str, command: str,
                         key_noun: str, peers: str) -> AppGroup:
    """`<command> keys list|rotate` over one role's key store.

    `key_noun` names the key in messages ("key", "platform key"); `peers` are who cache
    the role's JWKS and must see a next key before it signs ("platforms", "tools")."""
    keys = AppGroup("keys", help=help)

    @keys.command("list")
    def keys_list() -> None:
        store = store_of()
        signing_key(store)  # a fresh install lists the key it creates on first use
        for key in store.list_keys():
            click.echo(f"{key.kid}  {key.status:7}  created {key.created_at.isoformat()}")

    @keys.command("rotate", help="Publish a next key; run again (a day later) to sign with it.")
    @click.option("--force", is_flag=True, help="Switch even if the next key is fresh.")
    def keys_rotate(force: bool) -> None:
        store = store_of()
        if not any(k.status == "next" for k in store.list_keys()):
            key = publish_next_key(store)
            click.echo(f"published next {key_noun} {key.kid}; it does not sign yet. Run "
                       f"`{command} keys rotate` again after {peers} have refreshed the JWKS "
                       "(24 hours).")
            return
        try:
            key = activate_next_key(store, force=force)
        except RotationTooEarly as exc:
            raise click.ClickException(f"{exc} (or use --force)") from None
        click.echo(f"now signing with {key_noun} {key.kid}; the previous key stays published "
                   "for a day")

    return keys


def enablement_commands(group: AppGroup, set_enabled: Callable[[int, bool], Registration], *,
                        prefix: str, noun: str, disable_help: str, enable_help: str,
                        afterwards: str) -> None:
    """`<group> <prefix>-disable ID` and `<group> <prefix>-enable ID`.

    `set_enabled(id, enabled)` raises LookupError for an unknown id; `noun` names the
    registration in messages ("platform", "partner tool"); `afterwards` is what enabling
    lets it do again ("launch again")."""
    metavar = f"{prefix.upper()}_ID"

    @group.command(f"{prefix}-disable", help=disable_help)
    @click.argument("registration_id", metavar=metavar, type=int)
    def disable(registration_id: int) -> None:
        registration = _set(set_enabled, registration_id, False)
        click.echo(f"{noun} {registration.id} ({registration.name}) is "
                   f"{enablement_state(registration)}; `{group.name} {prefix}-enable "
                   f"{registration.id}` lets it {afterwards}")

    @group.command(f"{prefix}-enable", help=enable_help)
    @click.argument("registration_id", metavar=metavar, type=int)
    def enable(registration_id: int) -> None:
        registration = _set(set_enabled, registration_id, True)
        click.echo(f"{noun} {registration.id} ({registration.name}) is enabled")


def _set(set_enabled: Callable[[int, bool], Registration], registration_id: int,
         enabled: bool) -> Registration:
    try:
        return set_enabled(registration_id, enabled)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
