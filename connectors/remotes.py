"""What forwarding and pulling share about partner LRSs: the client of a registered
partner (kept while its registration is unchanged) and the wait after a failure."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from connectors.lrs_client import (
    AuthFailed,
    BasicAuth,
    OAuth2ClientCredentials,
    RemoteLrs,
    Retry,
    backoff,
)
from connectors.storage.contract import RemoteAuth
from hub.errors import Conflict
from hub.settings import current_settings

BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0


def remote_auth(auth: RemoteAuth) -> BasicAuth | OAuth2ClientCredentials:
    if auth.kind == "oauth2":
        assert auth.token_url is not None  # the input model requires it
        return OAuth2ClientCredentials(token_url=auth.token_url, client_id=auth.username,
                                       client_secret=auth.secret, scope=auth.scope)
    return BasicAuth(auth.username, auth.secret)


class PartnerClients:
    """One RemoteLrs per registered partner, kept while its registration is unchanged
    (same `updated_at`): its HTTP connections and OAuth 2 token are reused from step to
    step, and a changed registration gets a new client."""

    def __init__(self) -> None:
        self._clients: dict[str, tuple[datetime | None, RemoteLrs]] = {}
        self._lock = threading.Lock()

    def get(self, partner_id: str, updated_at: datetime | None, endpoint: str, version: str,
            auth: RemoteAuth) -> RemoteLrs:
        with self._lock:
            kept = self._clients.get(partner_id)
            if kept is not None and kept[0] == updated_at:
                return kept[1]
            timeout = current_settings().worker.partner_timeout_seconds
            client = RemoteLrs(endpoint, version, remote_auth(auth),
                               connect_timeout=min(10.0, timeout), read_timeout=timeout)
            self._clients[partner_id] = (updated_at, client)
        if kept is not None:
            kept[1].close()
        return client


def failure_delay(failure: Exception, attempts: int) -> float:
    """Seconds before trying again after `attempts` failures in a row: the partner's
    Retry-After when it gave one (429/503), else exponential backoff with full jitter."""
    after = failure.after_seconds if isinstance(failure, Retry) else None
    return after if after is not None else backoff(attempts - 1, BACKOFF_BASE, BACKOFF_CAP)


def failure_reason(failure: Exception) -> str:
    return failure.reason if isinstance(failure, Retry | AuthFailed) else str(failure)


def refuse_taken_name(kind: str, name: str, own_id: str, taken: Iterable[tuple[str, str]]
                      ) -> None:
    """A 409 when another partner of this kind (`taken`: its (id, name) pairs) already has
    `name`: names are unique, and the database would refuse the row anyway."""
    if any(other_name == name and other_id != own_id for other_id, other_name in taken):
        raise Conflict(f"a {kind} is already named {name!r}")
