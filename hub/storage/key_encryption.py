"""Private signing keys at rest: Fernet tokens under keys from `HUB_KEY_ENCRYPTION_KEYS`.

The stores of signing keys (LTI tool, LTI platform, transcript issuer) keep each private
PEM as `fernet:<token>`, so a database dump alone cannot sign.  Several keys make a
`MultiFernet`: the first encrypts, every one decrypts, which is how rotation works
(docs/operations.md "Rotating the key-encryption key").  A PEM stored before encryption
was configured is still read, and `flask db reencrypt-keys` wraps it.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"


class KeyEncryptionError(RuntimeError):
    """A stored private key cannot be read with the configured key-encryption keys."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def is_valid_key(key: str) -> bool:
    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return True


class KeyCipher:
    """Seals and opens private PEMs; with no keys it stores them as given (development)."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        fernets = [Fernet(k.encode("ascii")) for k in keys]
        self._primary = fernets[0] if fernets else None
        self._fernet = MultiFernet(fernets) if fernets else None

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, pem: str) -> str:
        if self._fernet is None:
            return pem
        return PREFIX + self._fernet.encrypt(pem.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # stored before encryption was configured
        if self._fernet is None:
            raise KeyEncryptionError(
                "a private key in the database is encrypted; set HUB_KEY_ENCRYPTION_KEYS")
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise KeyEncryptionError(
                "a private key in the database was encrypted with a key that is not in "
                "HUB_KEY_ENCRYPTION_KEYS") from None

    def reseal(self, stored: str) -> str | None:
        """`stored` sealed with the first key, or None when it already is."""
        if self._fernet is None:
            return None
        if not stored.startswith(PREFIX):
            return self.seal(stored)
        token = stored[len(PREFIX):].encode("ascii")
        try:
            self._fernet.decrypt(token)
            first_ok = self._first_opens(token)
        except InvalidToken:
            raise KeyEncryptionError(
                "a private key in the database was encrypted with a key that is not in "
                "HUB_KEY_ENCRYPTION_KEYS") from None
        if first_ok:
            return None
        return PREFIX + self._fernet.rotate(token).decode("ascii")

    def _first_opens(self, token: bytes) -> bool:
        assert self._primary is not None
        try:
            self._primary.decrypt(token)
        except InvalidToken:
            return False
        return True
