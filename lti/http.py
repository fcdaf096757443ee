"""Outgoing HTTP for LTI: a requests session that never waits forever, and RFC 8288
`Link` header parsing that keeps the target URL's case."""

from __future__ import annotations

import re

import requests

USER_AGENT = "Berpijar-Hub-LTI/1.0"
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)


class TimeoutSession(requests.Session):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


def next_link(header: str | None) -> str | None:
    """The `rel="next"` target of a Link header; the relation name is matched without
    regard to case (RFC 8288 3.3), the URL is returned exactly as sent."""
    for match in _LINK.finditer(header or ""):
        for rel in _REL.finditer(match.group(2)):
            relations = (rel.group(1) or rel.group(2) or "").lower().split()
            if "next" in relations:
                return match.group(1).strip()
    return None
