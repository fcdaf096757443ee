"""Strict JSON for everything the LRS stores: what `json.loads` lets through but no
database or other client can take back is refused here, as a 400, not later as a 500."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from hub.storage import json_codec


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a JSON number")
    return value


def parse_json(raw: bytes | str) -> Any:
    """Parse JSON, refusing NaN/Infinity and unpaired UTF-16 surrogates (\\ud800 alone).

    Raises ValueError with a message fit for the client.
    """
    encoded = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if json_codec.fast_path_suits(encoded):
        try:
            # orjson refuses NaN/Infinity, overflowing numbers and lone surrogates itself.
            return orjson.loads(encoded)
        except orjson.JSONDecodeError:
            pass  # the standard library below words the error
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds an unpaired UTF-16 surrogate escape") from None
    return value
