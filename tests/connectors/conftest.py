"""Fixtures for connectors: partners on loopback (tests/connectors/partners.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.connectors.partners import FlakyPartner, SecondHub


@pytest.fixture
def second_hub(sqlite_template, tmp_path) -> Iterator[SecondHub]:
    """Another Berpijar hub on loopback with its own SQLite file and settings, whatever
    engine the app under test runs on."""
    path = tmp_path / "second-hub.sqlite3"
    shutil.copyfile(sqlite_template, path)
    hub = SecondHub(f"sqlite:///{path}", tmp_path / "second-hub-instance")
    try:
        yield hub
    finally:
        hub.close()


@pytest.fixture
def flaky_partner() -> Iterator[FlakyPartner]:
    partner = FlakyPartner()
    try:
        yield partner
    finally:
        partner.close()
