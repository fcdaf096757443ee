"""A throw-away PostgreSQL cluster of a test module's own (initdb + pg_ctl on a free port
in a temporary folder), never the shared server, so stopping it harms nobody.  Import
the fixtures `own_postgres` and `running_postgres` into a test module to use them."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from live_server import free_port

from hub.app import open_hub_storage


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class OwnPostgres:
    """A throw-away PostgreSQL cluster; as root it runs as the `postgres` user."""

    def __init__(self, folder: Path) -> None:
        bindir = _postgres_bin()
        assert bindir is not None
        self.bindir = bindir
        self.data = folder / "data"
        self.socket_dir = folder
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bindir / tool), *args], check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l",
                  str(self.socket_dir / "log"), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop_quietly(self) -> None:
        subprocess.run([*self._as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def own_postgres():
    if _postgres_bin() is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI=true requires the fault tests")
        pytest.skip(message)
    # Not under pytest's temporary folder: that one is private to the user running the
    # tests, and the server runs as `postgres` when that user is root.
    folder = Path(tempfile.mkdtemp(prefix="hub-own-postgres-"))
    server = OwnPostgres(folder)
    server.start()
    storage = open_hub_storage(server.url)
    storage.upgrade()
    storage.dispose()
    try:
        yield server
    finally:
        server.stop_quietly()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def running_postgres(own_postgres):
    """The own server, answering when the test starts (a failed test may have left it off)."""
    with contextlib.suppress(subprocess.CalledProcessError):  # already running
        own_postgres.start()
    return own_postgres
