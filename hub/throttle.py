"""Throttling (docs/security.md "Throttling"): failed authentication is slowed and then
refused per key and per client address, and each credential may have a request limit.

Counters live in the `limits` library's storage named by HUB_RATE_LIMIT_STORAGE: Redis in
production, so that every worker on every machine counts together; memory (one process)
in development.  Only failures are counted by default: a correct key:secret is answered
without asking the limiter anything, and the storage is not even opened until the first
failure.  With HUB_CREDENTIAL_RATE_LIMIT set, each authenticated request costs one counter
update (one Redis round trip).

A correct credential is never refused because of failures: keys are public identifiers
(they appear in logs and listings) and agencies send from shared addresses, so a lockout
that refused the right secret would let anyone cut a partner off.  Secrets are 256 random
bits; the throttle makes wrong guesses slow, visible in the log and cheap to refuse.

Both count in a moving window (the `limits` library's exact strategy: "at most N in any
span of W", no doubled burst at a window's edge); in Redis it keeps one timestamp per
counted request, so a limit of 20000/hour costs a partner about 0.5 MB there.

If the limiter storage does not answer, requests are served unthrottled (fail open, logged
at most once a minute) and the storage is left alone for STORAGE_RETRY_SECONDS, so an
outage of Redis never slows or fails xAPI traffic.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from limits import RateLimitItem, parse, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from hub.config import Settings
from hub.logs import shown_key

log = logging.getLogger(__name__)

STORAGE_RETRY_SECONDS = 10.0
REDIS_TIMEOUT_SECONDS = 0.25  # a slow Redis must not hold requests


def failure_delay(count: int, *, free: int, first: float, cap: float) -> float:
    """Seconds to hold the answer to the `count`-th failure in the window: nothing for the
    first `free`, then `first`, doubling with each further failure, at most `cap`."""
    if count <= free or first <= 0:
        return 0.0
    return min(cap, first * 2 ** (count - free - 1))


def address_subject(address: str) -> str:
    """What a client address counts as: itself for IPv4, its /64 for IPv6 (one host
    usually holds a whole /64 and could otherwise take a fresh address per attempt)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Throttle:
    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        limits = settings.throttle
        self._uri = limits.rate_limit_storage
        self._prefix = limits.rate_limit_prefix
        self._failures: RateLimitItem = parse(limits.auth_failure_limit)
        self._free = limits.auth_failure_free
        self._first_delay = limits.auth_failure_delay_ms / 1000
        self._max_delay = limits.auth_failure_max_delay_ms / 1000
        self._credential_limits: tuple[RateLimitItem, ...] = tuple(
            parse_many(limits.credential_rate_limit)) if limits.credential_rate_limit else ()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._storage: Storage | None = None
        self._down_until = 0.0
        self._warned_at = -math.inf
        if settings.is_production and self._uri.startswith("memory://"):
            log.warning("HUB_RATE_LIMIT_STORAGE is memory://: each worker counts failed "
                        "authentication and request limits on its own; set a redis:// URL "
                        "so that every worker shares them")

    @property
    def credential_limit(self) -> str | None:
        return ";".join(str(item) for item in self._credential_limits) or None

    # --- the storage, opened on first use ---------------------------------------------
    def _open(self) -> Storage:
        with self._lock:
            if self._storage is None:
                options: dict[str, Any] = {}
                if self._uri.startswith("redis"):
                    options = {"key_prefix": self._prefix,
                               "socket_timeout": REDIS_TIMEOUT_SECONDS,
                               "socket_connect_timeout": REDIS_TIMEOUT_SECONDS}
                opened = storage_from_string(self._uri, wrap_exceptions=True, **options)
                assert isinstance(opened, Storage)  # memory:// and redis:// are synchronous
                self._storage = opened
            return self._storage

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + STORAGE_RETRY_SECONDS
        if now - self._warned_at >= 60:
            self._warned_at = now
            log.warning("rate limit storage %s failed (%s); serving without throttling for "
                        "%.0f s", self._uri.split("@")[-1], type(exc).__name__,
                        STORAGE_RETRY_SECONDS)

    # --- failed authentication --------------------------------------------------------
    def failed_attempt(self, key: str | None, address: str) -> int | None:
        """Count a failed authentication of `key` (None: the credentials were malformed)
        from `address`.  Holds the answer for the delay it has earned; returns the seconds
        to wait (for Retry-After) when the key or the address is refused for now."""
        if not self._available():
            return None
        subjects = [("address", address_subject(address))]
        if key:
            # A digest, not the text typed: the key field may hold a pasted secret.
            subjects.append(("key", hashlib.sha256(key.encode()).hexdigest()[:32]))
        try:
            limiter = MovingWindowRateLimiter(self._open())
            counts, waits = [], []
            now = time.time()
            for kind, value in subjects:
                admitted = limiter.hit(self._failures, "auth-failure", kind, value)
                stats = limiter.get_window_stats(self._failures, "auth-failure", kind, value)
                if admitted:
                    counts.append(self._failures.amount - stats.remaining)
                else:
                    waits.append(max(1, math.ceil(stats.reset_time - now)))
        except Exception as exc:  # the limiter's storage is down: fail open
            self._storage_failed(exc)
            return None
        shown = shown_key(key) if key else "(malformed credentials)"
        if waits:
            log.warning("authentication failed for key %s from %s: too many failures "
                        "(%s per key and per address), refused for %d s",
                        shown, address, self._failures, max(waits))
            return max(waits)
        count = max(counts)
        delay = failure_delay(count, free=self._free, first=self._first_delay,
                              cap=self._max_delay)
        if delay:
            log.warning("authentication failed for key %s from %s: failure %d of %s, "
                        "answer held %.2f s", shown, address, count, self._failures, delay)
            self._sleep(delay)
        else:
            log.info("authentication failed for key %s from %s: failure %d of %s",
                     shown, address, count, self._failures)
        return None

    # --- per-credential request limits ------------------------------------------------
    def admit(self, credential_key: str) -> int | None:
        """Count a request of an authenticated credential against HUB_CREDENTIAL_RATE_LIMIT;
        the seconds to wait (for Retry-After) when it is over.  No limit: nothing to do."""
        if not self._credential_limits or not self._available():
            return None
        try:
            limiter = MovingWindowRateLimiter(self._open())
            for item in self._credential_limits:
                if not limiter.hit(item, "credential", credential_key):
                    stats = limiter.get_window_stats(item, "credential", credential_key)
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    log.warning("credential %s is over its request limit (%s); refused "
                                "for %d s", credential_key, item, wait)
                    return wait
        except Exception as exc:  # the limiter's storage is down: fail open
            self._storage_failed(exc)
        return None


def current_throttle() -> Throttle:
    return current_app.extensions["hub.throttle"]


def client_address() -> str:
    """The client's address (after HUB_PROXY_HOPS, as ProxyFix rewrote it)."""
    return request.remote_addr or "unknown"
