"""LTI pages live inside an LMS iframe: they never refuse to be framed.

Every response of the LTI blueprints (tool and platform roles) says who may frame it
with CSP `frame-ancestors` (HUB_LTI_FRAME_ANCESTORS, `*` by default: an LMS often frames
from an origin other than its issuer, e.g. a school's own Canvas host), and carries no
`X-Frame-Options`, which has no "these origins" form browsers agree on.  See docs/lti.md
"Iframes and cookies".
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, request

from hub.settings import current_settings


def allow_lms_framing(app: Flask, blueprint_names: Iterable[str]) -> None:
    names = frozenset(blueprint_names)

    @app.after_request
    def frame_ancestors(response: Response) -> Response:
        if request.blueprint not in names:
            return response
        response.headers.pop("X-Frame-Options", None)
        sources = " ".join(current_settings().lti.frame_ancestors)
        response.headers["Content-Security-Policy"] = f"frame-ancestors {sources}"
        return response
