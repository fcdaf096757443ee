"""The MongoDB-compatible server the suite runs the MongoDB engine on.

HUB_TEST_MONGO_URL names one (a replica set: the engine needs transactions); without it
the suite uses SecantusDB (installed with the test extras, a single-node replica set on
WiredTiger) answering on 127.0.0.1:27017, as `.ci/run` starts it, or starts one of its
own on a free port, in memory, for this test process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pymongo
from live_server import free_port
from waiting import wait_for

DEFAULT_URL = "mongodb://127.0.0.1:27017/?replicaSet=secantus&directConnection=true"


def answers(url: str) -> bool:
    client: pymongo.MongoClient = pymongo.MongoClient(url, serverSelectionTimeoutMS=1500)
    try:
        client.admin.command("ping")
        return True
    except pymongo.errors.PyMongoError:
        return False
    finally:
        client.close()


def secantusd() -> str | None:
    beside = Path(sys.executable).parent / "secantusd-py"
    return str(beside) if beside.exists() else shutil.which("secantusd-py")


class OwnSecantus:
    """A SecantusDB server of this test process, stopped at the end of the session."""

    def __init__(self, executable: str, log: Path) -> None:
        self.port = free_port()
        self.url = (f"mongodb://127.0.0.1:{self.port}/?replicaSet=secantus"
                    "&directConnection=true")
        self._log = log.open("wb")
        self._process = subprocess.Popen(
            [executable, "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", ":memory:", "--log-level", "WARNING"],
            stdout=self._log, stderr=subprocess.STDOUT)

    def wait(self) -> bool:
        return wait_for(lambda: self._process.poll() is None and answers(self.url),
                        timeout=30, interval=0.2)

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


def configured_url() -> str | None:
    return os.environ.get("HUB_TEST_MONGO_URL")


def mongo_url_for(server_url: str, database: str) -> str:
    """`server_url` naming `database` (a MongoDB URL's path is its database)."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))
