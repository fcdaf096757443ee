"""Starting and stopping an independent LRS as a child process, for the trials."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import requests

START_TIMEOUT_SECONDS = 30


def wait_until_up(process: subprocess.Popen, log_path: Path, health_url: str, name: str,
                  *, on_failure: Callable[[], None]) -> None:
    """Until `health_url` answers 2xx; if the process exits or does not answer within
    START_TIMEOUT_SECONDS, `on_failure()` (stop what was started) and RuntimeError with
    the log's tail."""
    try:
        _wait(process, log_path, health_url, name)
    except BaseException:
        on_failure()
        raise


def _wait(process: subprocess.Popen, log_path: Path, health_url: str, name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited ({process.returncode}): "
                               + log_path.read_text(errors="replace")[-1000:])
        try:
            if requests.get(health_url, timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT_SECONDS} s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
