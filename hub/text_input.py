"""Uploaded text files (rosters, frameworks, imports) are UTF-8 or refused, with the line.

`request.get_data(as_text=True)` would swap bad bytes for U+FFFD and a roster would be
imported with names that no longer match anyone; a file read with a guessed encoding
would do the same more quietly.
"""

from __future__ import annotations

_BOM = b"\xef\xbb\xbf"  # spreadsheet programs write it at the start of "CSV UTF-8"


class NotUTF8(ValueError):
    """The bytes are not UTF-8; the message says where, by line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def decode_utf8(data: bytes, *, what: str = "the file") -> str:
    body = data[len(_BOM):] if data.startswith(_BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = body[:exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1  # in bytes, 1-based
        raise NotUTF8(f"{what} is not UTF-8: line {line}, byte {column} of that line "
                      f"(0x{body[exc.start]:02x}) does not start or continue a UTF-8 "
                      "character; save it as UTF-8 (\"CSV UTF-8\" in spreadsheet programs)",
                      line, column) from None
