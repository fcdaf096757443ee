"""`flask --app wsgi db|credentials ...` command groups."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup

from hub.auth import ALL_SCOPES, issue_credential, revoke_credential
from hub.settings import current_settings
from hub.storage import current_storage
from hub.storage.key_encryption import KeyEncryptionError, generate_key

db = AppGroup("db", help="Database schema.")
credentials = AppGroup("credentials", help="Partner credentials (HTTP Basic key:secret).")


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    storage = current_storage()
    storage.upgrade()
    click.echo(f"database schema is current ({storage.engine_name})")


@db.command("generate-encryption-key")
def db_generate_encryption_key() -> None:
    """Print a new key for HUB_KEY_ENCRYPTION_KEYS (it is not stored anywhere)."""
    click.echo(generate_key())


@db.command("reencrypt-keys")
def db_reencrypt_keys() -> None:
    """Encrypt every private signing key under the first HUB_KEY_ENCRYPTION_KEYS key."""
    if not current_settings().key_encryption_keys:
        raise click.ClickException("HUB_KEY_ENCRYPTION_KEYS is not set: nothing to encrypt with")
    try:
        changed = current_storage().reseal_private_keys()
    except KeyEncryptionError as exc:
        raise click.ClickException(str(exc)) from None
    for store, count in changed.items():
        click.echo(f"{store}: {count} re-encrypted")


@credentials.command("create")
@click.option("--name", required=True, help="What the credential is for, e.g. 'Moodle BKPSDM'.")
@click.option("--owner", required=True, help="Partner organisation that holds it.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(sorted(ALL_SCOPES)), help="Repeat for several scopes.")
@click.option("--authority", help="xAPI authority Agent as JSON (default: an account agent).")
def credentials_create(name: str, owner: str, scopes: tuple[str, ...], authority: str | None):
    """Create a credential; its secret is printed once and never again."""
    try:
        agent = json.loads(authority) if authority else None
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--authority") from None
    try:
        issued = issue_credential(current_storage().credentials, name=name, owner=owner,
                                  scopes=scopes, authority=agent,
                                  authority_home_page=current_settings().authority_home_page)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"key:    {issued.credential.key}")
    click.echo(f"secret: {issued.secret}")
    click.echo("The secret is shown only now; the hub keeps only its digest.")


@credentials.command("list")
def credentials_list() -> None:
    """List credentials (never their secrets)."""
    for credential in current_storage().credentials.list_credentials():
        state = "revoked" if credential.is_revoked else "active"
        click.echo(f"{credential.key}  {state:7}  {credential.name} ({credential.owner})  "
                   f"scopes={' '.join(sorted(credential.scopes))}")


@credentials.command("revoke")
@click.argument("key")
def credentials_revoke(key: str) -> None:
    """Revoke a credential at once, on every worker (its auditor sessions end too)."""
    if not revoke_credential(current_storage(), key, datetime.now(UTC)):
        raise click.ClickException(f"no active credential with key {key}")
    click.echo(f"revoked {key}")


def register(app: Flask) -> None:
    app.cli.add_command(db)
    app.cli.add_command(credentials)
