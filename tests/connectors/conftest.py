"""Fixtures for connectors: partners on loopback (tests/connectors/partners.py) and the
admin credential that registers them (tests/connectors/registrations.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.connectors.partners import FlakyPartner, SecondHub


@pytest.fixture
def admin(make_credential) -> dict:
    """Headers of an `admin` credential, for the connectors' admin API."""
    return {"Authorization": make_credential("admin")["Authorization"]}


@pytest.fixture
def make_second_hub(sqlite_template, tmp_path) -> Iterator[Callable[..., SecondHub]]:
    """Factory: another Berpijar hub on loopback with its own SQLite file and settings
    (keyword arguments by setting name), whatever engine the app under test runs on."""
    hubs: list[SecondHub] = []

    def make(**settings: Any) -> SecondHub:
        place = tmp_path / f"second-hub-{len(hubs)}"
        place.mkdir()
        shutil.copyfile(sqlite_template, place / "hub.sqlite3")
        hubs.append(SecondHub(f"sqlite:///{place / 'hub.sqlite3'}", place / "instance",
                              **settings))
        return hubs[-1]

    try:
        yield make
    finally:
        for hub in hubs:
            hub.close()


@pytest.fixture
def second_hub(make_second_hub) -> SecondHub:
    return make_second_hub()


@pytest.fixture
def flaky_partner() -> Iterator[FlakyPartner]:
    partner = FlakyPartner()
    try:
        yield partner
    finally:
        partner.close()
