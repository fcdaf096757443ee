"""Input no store can keep: NUL characters.

PostgreSQL text cannot hold U+0000, so a NUL reaching any text column is a 500 there
and a silently different value elsewhere.  The hub refuses it at the door, for every
endpoint, in query parameters, form fields and JSON bodies, with the hub's 400 shape.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from hub.errors import BadRequest

NUL = "\x00"
RULE = "U+0000 is not accepted in any text (PostgreSQL text cannot store it)"


def nul_pointer(value: Any, pointer: str = "") -> str | None:
    """JSON pointer of the first string (or key) holding a NUL, else None."""
    stack = [(value, pointer)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if NUL in node:
                return where
        elif isinstance(node, dict):
            for key, child in node.items():
                escaped = key.replace("~", "~0").replace("/", "~1")
                if NUL in key:
                    return f"{where}/{escaped}"
                stack.append((child, f"{where}/{escaped}"))
        elif isinstance(node, list):
            stack.extend((child, f"{where}/{index}") for index, child in enumerate(node))
    return None


# The auditor pages and the LTI tool pages that read a query or form refuse control
# characters themselves, naming the field in the page's language; everything else gets
# this guard's JSON 400.
PAGES_WITH_OWN_CHECKS = ("/auditor/", "/lti/course/", "/lti/deep-link/", "/lti/register/")


def init_guards(app: Flask) -> None:
    @app.before_request
    def reject_nul_characters():
        if request.path.startswith(PAGES_WITH_OWN_CHECKS):
            return
        sources = [request.args]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Cache the raw body first: parsing the form consumes the stream, and a document
            # PUT sent as a form (a stored document, not form fields) needs its bytes later.
            request.get_data(cache=True, parse_form_data=False)
            sources.append(request.form)
        for source in sources:
            for name, value in source.items(multi=True):
                if NUL in name or NUL in value:
                    raise BadRequest("a parameter holds a NUL character",
                                     parameter=name.replace(NUL, ""), rule=RULE)
        # JSON can only carry a NUL as the escape \u0000 (a raw one is invalid JSON):
        # bodies without it, nearly all of them, need no parse here.
        if request.is_json and b"\\u0000" in request.get_data(cache=True):
            pointer = nul_pointer(request.get_json(silent=True))
            if pointer is not None:
                raise BadRequest("a string holds a NUL character", pointer=pointer, rule=RULE)
