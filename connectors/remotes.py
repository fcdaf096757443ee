"""What forwarding and pulling share about partner LRSs: how one is registered, the
client of a registered partner (kept while its registration is unchanged) and the wait
after a failure."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, TypeVar

from connectors.lrs_client import (
    AuthFailed,
    BasicAuth,
    OAuth2ClientCredentials,
    RemoteLrs,
    Retry,
    backoff,
)
from connectors.storage.contract import Destination, RemoteAuth, Source
from hub.errors import Conflict, NotFound
from hub.settings import current_settings

BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0

Partner = TypeVar("Partner", Destination, Source)
Found = TypeVar("Found")


@dataclass(frozen=True)
class PartnerRegistry(Generic[Partner]):
    """The registration rules destinations and sources share: the hub assigns the id and
    the times, names are unique within a kind, an unknown id is a 404 naming the kind."""

    kind: str  # as messages name it: "forwarding destination", "pulling source"

    def missing(self, partner_id: str) -> NotFound:
        return NotFound(f"no {self.kind} {partner_id!r}")

    def found(self, partner_id: str, record: Found | None) -> Found:
        """`record` (the partner, or its state) unless the store found none: a 404."""
        if record is None:
            raise self.missing(partner_id)
        return record

    def check_name(self, partner: Partner, registered: Iterable[Partner]) -> None:
        """A 409 when another registered partner of this kind already has the name: names
        are unique, and the database would refuse the row anyway."""
        if any(other.name == partner.name and other.id != partner.id for other in registered):
            raise Conflict(f"a {self.kind} is already named {partner.name!r}")

    def new(self, partner: Partner, now: datetime) -> Partner:
        """`partner` as first registered: a new id, created and updated `now`."""
        return replace(partner, id=uuid.uuid4().hex, created_at=now, updated_at=now)

    def changed(self, partner: Partner, current: Partner, now: datetime) -> Partner:
        """`partner` replacing its `current` registration: created then, updated `now`."""
        return replace(partner, created_at=current.created_at, updated_at=now)


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

