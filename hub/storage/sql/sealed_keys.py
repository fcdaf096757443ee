"""Re-encrypting the private PEMs of a signing-key table under the first key-encryption key."""

from __future__ import annotations

from sqlalchemy import Engine, Table, select, update

from hub.storage.key_encryption import KeyCipher
from hub.storage.sql.common import write_transaction


def reseal_private_keys(engine: Engine, table: Table, cipher: KeyCipher, *,
                        key: str = "kid", sealed: str = "private_pem") -> int:
    """Seal every secret in `table.<sealed>` (by default: private keys) that is plain or
    sealed under an older key; how many changed."""
    changed = 0
    with write_transaction(engine) as conn:
        for row_key, stored in conn.execute(select(table.c[key], table.c[sealed])).all():
            resealed = cipher.reseal(stored)
            if resealed is not None:
                conn.execute(update(table).where(table.c[key] == row_key)
                             .values({sealed: resealed}))
                changed += 1
    return changed
