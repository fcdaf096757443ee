"""NIP, the 18-digit civil servant number (Peraturan Kepala BKN 22/2007 "Nomor Identitas
Pegawai Negeri Sipil"; PPPK numbers follow the same layout):

    YYYYMMDD  birth date
    YYYYMM    appointment month (TMT CPNS / PPPK)
    G         gender: 1 male, 2 female
    NNN       sequence among people sharing the fields before it

Example: 19860926 201505 1 001.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_DIGITS = re.compile(r"[0-9]{18}")
_SEPARATORS = re.compile(r"[\s.\-]")


class InvalidNip(ValueError):
    """The text is not a well-formed NIP; the message says which part is wrong."""


@dataclass(frozen=True)
class Nip:
    value: str
    birth_date: date
    appointed: tuple[int, int]  # (year, month)
    gender: int  # 1 male, 2 female
    sequence: int

    def __str__(self) -> str:
        return self.value


def normalize_nip(text: str) -> str:
    """Digits only: NIPs are often written grouped as `19860926 201505 1 001`."""
    return _SEPARATORS.sub("", text.strip())


def parse_nip(text: str, *, today: date | None = None) -> Nip:
    value = normalize_nip(text) if isinstance(text, str) else ""
    if not _DIGITS.fullmatch(value):
        raise InvalidNip("a NIP is 18 digits")
    today = today or date.today()
    try:
        birth = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise InvalidNip(f"digits 1-8 ({value[0:8]}) are not a real birth date (YYYYMMDD)") \
            from None
    if birth.year < 1900 or birth > today:
        raise InvalidNip(f"birth date {birth.isoformat()} is out of range")
    year, month = int(value[8:12]), int(value[12:14])
    if not 1 <= month <= 12:
        raise InvalidNip(f"digits 9-14 ({value[8:14]}) are not an appointment month (YYYYMM)")
    if (year, month) <= (birth.year, birth.month):
        raise InvalidNip(f"appointment month {year}-{month:02d} is not after the birth date")
    if (year, month) > (today.year, today.month):
        raise InvalidNip(f"appointment month {year}-{month:02d} is in the future")
    gender = int(value[14])
    if gender not in (1, 2):
        raise InvalidNip(f"digit 15 ({value[14]}) must be 1 (male) or 2 (female)")
    sequence = int(value[15:18])
    if sequence == 0:
        raise InvalidNip("the sequence number (digits 16-18) starts at 001")
    return Nip(value=value, birth_date=birth, appointed=(year, month), gender=gender,
               sequence=sequence)


def is_nip(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parse_nip(text)
    except InvalidNip:
        return False
    return True
