"""Column types and table shapes that the slices' migrations share.

Frozen: a migration that has run must build the same schema on every new database for
ever, so nothing a released migration uses may change here — add a new helper instead.
(Migrations import this, never the live table definitions in `*/storage/sql/tables.py`,
which move on with the code.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# A 64-bit key; SQLite's INTEGER PRIMARY KEY is already 64-bit and aliases the rowid.
Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def create_signing_keys_table(name: str) -> None:
    """RSA signing keys with their rotation state (hub.storage.sql.signing_keys); the LTI
    tool and platform roles each keep one."""
    op.create_table(
        name,
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column("public_jwk", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("activated_at", When),
        sa.Column("retired_at", When),
    )


def partner_columns() -> list[sa.Column]:
    """The columns a registered partner LRS begins with (connectors_0001 destinations,
    connectors_0002_sources sources): id, name, endpoint, xAPI version and how the hub
    signs in.  New Column objects each call: a Column belongs to one table."""
    return [
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("endpoint", sa.Text, nullable=False),
        sa.Column("version", sa.String(8), nullable=False),
        sa.Column("auth_kind", sa.String(8), nullable=False),
        sa.Column("auth_username", sa.String(255), nullable=False),
        sa.Column("auth_secret", sa.Text, nullable=False),  # Fernet token (storage cipher)
        sa.Column("auth_token_url", sa.Text),
        sa.Column("auth_scope", sa.Text),
    ]
