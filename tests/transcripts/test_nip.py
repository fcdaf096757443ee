"""NIP validation (Perka BKN 22/2007): every embedded field is checked."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transcripts.nip import InvalidNip, is_nip, parse_nip

TODAY = date(2026, 11, 28)


def test_a_grouped_nip_is_read_with_its_fields():
    nip = parse_nip("19860926 201505 1 001", today=TODAY)
    assert nip.value == "198609262015051001"
    assert nip.birth_date == date(1986, 9, 26)
    assert nip.appointed == (2015, 5)
    assert (nip.gender, nip.sequence) == (1, 1)


@pytest.mark.parametrize(("text", "part"), [
    ("19860926201505100", "18 digits"),
    ("1986092620150510011", "18 digits"),
    ("19860926201505100a", "18 digits"),
    ("198602302015051001", "birth date"),  # 30 February
    ("198613012015051001", "birth date"),  # month 13
    ("202712012015051001", "birth date"),  # born in the future
    ("198609262015131001", "appointment month"),  # month 13
    ("198609262015001001", "appointment month"),  # month 00
    ("198609261985051001", "not after the birth"),
    ("198609262031051001", "future"),
    ("198609262015053001", "digit 15"),  # gender 3
    ("198609262015050001", "digit 15"),  # gender 0
    ("198609262015051000", "sequence"),
])
def test_a_malformed_nip_is_refused_naming_the_wrong_part(text, part):
    with pytest.raises(InvalidNip, match=part):
        parse_nip(text, today=TODAY)


def test_is_nip_does_not_raise():
    assert is_nip("199001012015032001")
    assert not is_nip("123")
    assert not is_nip(None)


@given(birth=st.dates(date(1950, 1, 1), date(2005, 12, 31)), months=st.integers(1, 240),
       gender=st.sampled_from([1, 2]), sequence=st.integers(1, 999))
def test_every_well_formed_nip_parses_back_to_its_fields(birth, months, gender, sequence):
    total = birth.year * 12 + birth.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    if (year, month) > (TODAY.year, TODAY.month):
        return
    text = f"{birth:%Y%m%d}{year}{month:02d}{gender}{sequence:03d}"
    nip = parse_nip(text, today=TODAY)
    assert (nip.birth_date, nip.appointed, nip.gender, nip.sequence) == (
        birth, (year, month), gender, sequence)
