"""What the `connectors destinations` and `connectors sources` commands share: a
registration read from a JSON file (or stdin) as the admin API reads its body, and a
refusal said as a command-line error naming the field."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn, TypeVar

import click
from pydantic import BaseModel

from hub.errors import HubError
from hub.inputs import parse_body

Body = TypeVar("Body", bound=BaseModel)


def fail(error: HubError) -> NoReturn:
    where = error.pointer or error.parameter
    raise click.ClickException(f"{where}: {error.message}" if where else error.message)


def read_body(file: str, model: type[Body]) -> Body:
    """The JSON of `file` (- for stdin) parsed as `model`; a click error if it is not."""
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    try:
        return parse_body(model, json.loads(text))
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file} is not JSON: {exc}") from None
    except HubError as error:
        fail(error)
