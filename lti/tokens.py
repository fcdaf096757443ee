"""How long a JWT from another party may claim to live, in both LTI roles.

PyJWT checks that `exp` is in the future and `iat` not, but accepts an `exp` in the year
275,760, which then overflows every date computed from it (a 500 before this check).
An id_token, a client assertion or a Deep Linking response is used within seconds;
platforms in the field issue them for 60 s (Moodle) to an hour (Canvas).
"""

from __future__ import annotations

from typing import Any

MAX_TOKEN_LIFETIME_SECONDS = 3600


def lifetime_problem(claims: dict[str, Any]) -> str | None:
    """Why `exp`/`iat` are unacceptable, or None.  Call after PyJWT has validated them."""
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return "exp must be a number of seconds"
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        return "iat must be a number of seconds"
    if exp - iat > MAX_TOKEN_LIFETIME_SECONDS:
        return (f"the token lives {exp - iat:.0f} s (exp - iat); at most "
                f"{MAX_TOKEN_LIFETIME_SECONDS} s is accepted")
    return None
