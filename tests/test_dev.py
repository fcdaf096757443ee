"""`python3 dev.py test` runs the suite on every core unless told otherwise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tests_run_on_every_core_by_default(dev):
    assert dev.pytest_args([]) == ["-n", "auto"]
    assert dev.pytest_args(["-x", "-k", "cors"]) == ["-n", "auto", "-x", "-k", "cors"]


@pytest.mark.parametrize("argv", [["-n", "0"], ["-n4"], ["--numprocesses=2"],
                                  ["-p", "no:xdist"], ["-x", "-n", "1"]])
def test_a_chosen_worker_count_is_left_alone(dev, argv):
    assert dev.pytest_args(argv) == argv


def test_the_readme_opens_with_the_two_commands():
    before, block, _ = (ROOT / "README.md").read_text().split("```", 2)
    assert [line for line in before.splitlines() if line.strip()] == [
        "# Berpijar Learning Hub"]
    commands = [line.strip() for line in block.splitlines()[1:] if line.strip()]
    assert commands == ["python3 dev.py serve", "python3 dev.py test"]
