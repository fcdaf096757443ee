"""Without a PostgreSQL server the PostgreSQL half is skipped, saying why — but not in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/hub/test_health.py::test_health_is_ok_when_the_database_answers[postgresql]"
NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:1/postgres?connect_timeout=2"


def start_pytest(ci: bool) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_XDIST_WORKER")}
    env["HUB_TEST_POSTGRES_URL"] = NOWHERE
    if ci:
        env["CI"] = "true"
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", TARGET, "-q", "-rs", "-p", "no:xdist",
         "-p", "no:cacheprovider", "-p", "no:hypothesispytest"],  # hypothesis: 1 s of imports
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_postgresql_tests_skip_with_a_reason_locally_and_fail_under_ci():
    local, ci = start_pytest(ci=False), start_pytest(ci=True)
    local_out, ci_out = local.communicate(timeout=60)[0], ci.communicate(timeout=60)[0]
    assert local.returncode == 0, local_out
    assert "1 skipped" in local_out
    assert "PostgreSQL not answering at" in local_out
    assert "HUB_TEST_POSTGRES_URL" in local_out
    assert ci.returncode == 1, ci_out
    assert "CI=true requires every engine" in ci_out
