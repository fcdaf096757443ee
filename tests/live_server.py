"""A real hub under gunicorn on a loopback port, for tests that need a real process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveHub:
    def __init__(self, database_url: str, *, workers: int = 2, env: dict | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "HUB_ENV": "production",
            "HUB_SECRET_KEY": "live-server-test-secret-" + "k" * 32,
            "HUB_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "HUB_DATABASE_URL": database_url,
            "HUB_LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> LiveHub:
        try:
            return self._start(timeout)
        except BaseException:
            self.kill()  # never leave a server behind a failed start
            raise

    def _start(self, timeout: float) -> LiveHub:
        # The log goes to a file, not a pipe: nobody reads a pipe while the hub runs, and
        # a full one (64 KiB of warnings, say while the database is down) blocks workers.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "2", "wsgi:app"],
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_text()}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or workers booting
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer /health in time")

    def kill(self) -> None:
        """SIGKILL to master and workers at once: no shutdown code runs."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __enter__(self) -> LiveHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
