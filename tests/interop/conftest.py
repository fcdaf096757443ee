"""The interoperability trial against independent LRSs is opt-in: it installs an npm
package and a PyPI one (in a venv of its own) on first use and starts their servers,
which the default suite (and CI) should not depend on.  Run it with
`HUB_TEST_INTEROP=1` (docs/connectors.md, "Tried against independent LRSs")."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.interop import learning_locker, ralph
from tests.interop.learning_locker import LearningLocker
from tests.interop.ralph import Ralph

OPT_IN = "HUB_TEST_INTEROP"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(OPT_IN) == "1":
        return
    skip = pytest.mark.skip(reason=f"interoperability trial is opt-in: set {OPT_IN}=1 "
                                   "(docs/connectors.md)")
    for item in items:
        if item.path.is_relative_to(os.path.dirname(__file__)):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def learning_locker_installed() -> None:
    reason = learning_locker.unavailable()
    if reason is not None:
        pytest.skip(f"Learning Locker xapi-statements unavailable: {reason}")


@pytest.fixture
def ll(learning_locker_installed, tmp_path) -> Iterator[LearningLocker]:
    """A fresh, empty Learning Locker statements service on loopback."""
    service = LearningLocker(tmp_path / "learning-locker")
    try:
        yield service
    finally:
        service.close()


@pytest.fixture(scope="session")
def ralph_installed() -> None:
    reason = ralph.unavailable()
    if reason is not None:
        pytest.skip(f"Ralph unavailable: {reason}")


@pytest.fixture
def ralph_lrs(ralph_installed, tmp_path) -> Iterator[Ralph]:
    """A fresh, empty Ralph (file-system backend) on loopback."""
    service = Ralph(tmp_path / "ralph")
    try:
        yield service
    finally:
        service.close()
