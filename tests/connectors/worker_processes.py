"""The worker as operators run it, a real `flask --app wsgi worker` process, for the tests
that kill it (tests/connectors/test_worker_processes.py, test_pulling_processes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.conftest import TEST_KEY_ENCRYPTION_KEY, TEST_SECRET
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def start_worker(database_url: str, *loops: str) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
           "HUB_ENV": "test", "HUB_DATABASE_URL": database_url, "HUB_SECRET_KEY": TEST_SECRET,
           "HUB_KEY_ENCRYPTION_KEYS": TEST_KEY_ENCRYPTION_KEY, "HUB_LOG_LEVEL": "WARNING",
           "HUB_WORKER_LEASE_SECONDS": "3", "HUB_WORKER_HEARTBEAT_SECONDS": "1"}
    only = [arg for loop in loops for arg in ("--only", loop)]
    # Its logs go to a file: a pipe nobody reads fills up and blocks the worker's logging.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - read and closed by stop()
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", *only],
                               cwd=ROOT, env=env, stderr=log)
    process.log = log  # type: ignore[attr-defined]
    return process


def stop(process: subprocess.Popen) -> tuple[int, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait(timeout=10)
    process.log.seek(0)  # type: ignore[attr-defined]
    text = process.log.read().decode(errors="replace")  # type: ignore[attr-defined]
    process.log.close()  # type: ignore[attr-defined]
    return code, text


def wait_for_worker(condition: Callable[[], object], timeout: float = 60.0) -> bool:
    # A process starts slower than a thread; asked less often, the condition (a query of
    # the destination or the database) takes less of the CPU the worker needs.
    return wait_for(condition, timeout, interval=0.25)
