"""Signing keys with their rotation state, a contract the LTI tool and platform roles
share (each keeps its own table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolKey:
    """One of the hub's RSA signing keys.  "next" keys are published but not used yet,
    the "active" one signs, "retired" ones stay published for a while after rotation."""

    kid: str
    private_pem: str
    public_jwk: dict[str, Any]
    status: str  # next | active | retired
    created_at: datetime
    activated_at: datetime | None = None
    retired_at: datetime | None = None


class LtiKeyStore(Protocol):
    def insert_key(self, key: ToolKey) -> None: ...
    def list_keys(self) -> list[ToolKey]:
        """Every key, newest first."""

    def promote_key(self, kid: str, when: datetime) -> bool:
        """Make the "next" key `kid` active and retire the active ones, atomically;
        False when `kid` is not a "next" key."""

    def activate_first_key(self, key: ToolKey) -> ToolKey:
        """Store `key` as active unless an active key exists; return the active key
        (so concurrent workers agree on one)."""

    def reseal_private_keys(self) -> int:
        """Encrypt every private key under the first key-encryption key (plain ones and
        ones sealed under an older key); how many were rewritten."""
