"""Re-encrypting the private PEMs of a signing-key table under the first key-encryption key."""

from __future__ import annotations

from sqlalchemy import Engine, Table, select, update

from hub.storage.key_encryption import KeyCipher
from hub.storage.sql.common import write_transaction


def reseal_private_keys(engine: Engine, table: Table, cipher: KeyCipher) -> int:
    """Seal every private key that is plain or sealed under an older key; how many changed."""
    changed = 0
    with write_transaction(engine) as conn:
        for kid, stored in conn.execute(select(table.c.kid, table.c.private_pem)).all():
            resealed = cipher.reseal(stored)
            if resealed is not None:
                conn.execute(update(table).where(table.c.kid == kid)
                             .values(private_pem=resealed))
                changed += 1
    return changed
