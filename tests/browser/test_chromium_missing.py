"""Without Chromium the browser tests are skipped, saying what to install — but not in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/browser/test_auditor_pages.py::test_the_language_switch_is_visible_and_remembered"


def start_pytest(ci: bool) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_XDIST_WORKER")}
    env["HUB_TEST_CHROMIUM"] = "/nonexistent/chromium"
    if ci:
        env["CI"] = "true"
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", TARGET, "-q", "-rs", "-p", "no:xdist",
         "-p", "no:cacheprovider", "-p", "no:hypothesispytest"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_browser_tests_skip_with_a_reason_locally_and_fail_under_ci():
    local, ci = start_pytest(ci=False), start_pytest(ci=True)
    local_out, ci_out = local.communicate(timeout=60)[0], ci.communicate(timeout=60)[0]
    assert local.returncode == 0, local_out
    assert "1 skipped" in local_out
    assert "/nonexistent/chromium not found: install Debian's chromium" in local_out
    assert ci.returncode == 1, ci_out
    assert "CI=true requires them" in ci_out
