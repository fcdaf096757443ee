"""A throw-away hub for one benchmark run: fresh database, migrations, a credential,
gunicorn on a free 127.0.0.1 port, and the workers' memory read from /proc."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# A replica set (the engine's transactions need one): SecantusDB as .ci/run starts it.
DEFAULT_MONGO_SERVER = "mongodb://127.0.0.1:27017/?replicaSet=secantus&directConnection=true"
_BENCH_DB = re.compile(r"^bench_[0-9a-f]{12}$")


# --- databases ---------------------------------------------------------------------
@contextmanager
def fresh_database(engine: str, *, postgres_admin: str = DEFAULT_POSTGRES_ADMIN,
                   mongo_server: str = DEFAULT_MONGO_SERVER,
                   keep: bool = False) -> Iterator[str]:
    """Yield the URL of a new, empty database; remove it afterwards."""
    if engine == "sqlite":
        folder = tempfile.mkdtemp(prefix="hub-bench-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            if keep:
                print(f"kept {folder}/bench.sqlite3", file=sys.stderr)
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    if engine == "mongodb":
        yield from _fresh_mongo_database(mongo_server, keep)
        return
    if engine != "postgresql":
        raise ValueError(f"unknown engine {engine!r}")
    import psycopg

    admin = postgres_admin.replace("postgresql+psycopg://", "postgresql://")
    host = psycopg.conninfo.conninfo_to_dict(admin).get("host")
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the benchmark only talks to a local PostgreSQL, not {host!r}")
    name = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{base.removeprefix('postgresql://')}/{name}"
    finally:
        if keep:
            print(f"kept database {name}", file=sys.stderr)
        else:
            drop_bench_database(admin, name)


def _fresh_mongo_database(server: str, keep: bool) -> Iterator[str]:
    from urllib.parse import urlsplit, urlunsplit

    import pymongo

    parts = urlsplit(server)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the benchmark only talks to a local MongoDB, not {parts.hostname!r}")
    name = f"bench_{secrets.token_hex(6)}"
    try:
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    finally:
        if keep:
            print(f"kept database {name}", file=sys.stderr)
        else:
            client: pymongo.MongoClient = pymongo.MongoClient(server)
            client.drop_database(name)
            client.close()


def _mongo_database(url: str):  # -> (client, database): pymongo only when asked for
    import pymongo

    client: pymongo.MongoClient = pymongo.MongoClient(url)
    return client, client.get_database()


@contextmanager
def existing_database(url: str) -> Iterator[str]:
    """A database an earlier run kept: used as it is, never dropped."""
    if url.startswith("sqlite:///"):
        if not Path(url.removeprefix("sqlite:///")).is_file():
            raise ValueError(f"no SQLite database at {url}")
    elif url.startswith("mongodb"):
        if not _BENCH_DB.match(url.split("/")[3].split("?")[0]):
            raise ValueError("only a bench_<hex> database kept by bench/run.py can be reused")
    elif not _BENCH_DB.match(url.rsplit("/", 1)[-1]) or "@127.0.0.1" not in url:
        raise ValueError("only a local bench_<hex> database kept by bench/run.py can be reused")
    yield url


def drop_bench_database(admin: str, name: str) -> None:
    import psycopg

    if not _BENCH_DB.match(name):  # never anything this script did not create
        raise ValueError(f"refusing to drop {name!r}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_size(url: str) -> int | None:
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    if url.startswith("mongodb"):
        client, database = _mongo_database(url)
        try:
            stats = database.command("dbStats")
            return int(stats.get("storageSize", 0) + stats.get("indexSize", 0))
        finally:
            client.close()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    finally:
        engine.dispose()


def analyze(url: str) -> float:
    """Gather planner statistics (PostgreSQL ANALYZE; SQLite ANALYZE into sqlite_stat1;
    MongoDB plans from its indexes and keeps no statistics to gather)."""
    from sqlalchemy import create_engine, text

    if url.startswith("mongodb"):
        return 0.0
    engine = create_engine(url)
    began = time.monotonic()
    try:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return round(time.monotonic() - began, 1)


def server_settings(url: str) -> dict[str, str]:
    """PostgreSQL settings that decide query plans and write costs, as the server has them."""
    from sqlalchemy import create_engine, text

    if not url.startswith("postgresql"):
        return {}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT name, setting, unit FROM pg_settings WHERE name IN ('autovacuum', "
                "'shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', "
                "'synchronous_commit', 'max_wal_size', 'checkpoint_timeout')"))
            return {r.name: r.setting + (r.unit or "") for r in rows}
    finally:
        engine.dispose()


def count_statements(url: str) -> int:
    from sqlalchemy import create_engine, text

    if url.startswith("mongodb"):
        client, database = _mongo_database(url)
        try:
            return database["statements"].estimated_document_count()
        finally:
            client.close()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM statements")).scalar()
    finally:
        engine.dispose()


# --- the hub's own commands ----------------------------------------------------------
def hub_environment(database_url: str, transcripts_sync: str = "inline") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_ENV="production", HUB_SECRET_KEY=secrets.token_urlsafe(48),
               HUB_KEY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
               HUB_DATABASE_URL=database_url, HUB_LOG_LEVEL="WARNING",
               HUB_TRANSCRIPTS_SYNC=transcripts_sync)
    return env


def transcripts_backlog(url: str) -> int:
    """Statements stored but not yet taken in by the transcripts (feed cursor behind)."""
    from hub.app import open_hub_storage

    storage = open_hub_storage(url)
    try:
        newest = storage.statements.max_statement_seq() or 0
        return max(0, newest - storage.transcripts.feed_state().cursor)
    finally:
        storage.dispose()


def export_revision(revision: str, into: Path) -> tuple[Path, str]:
    """A clean copy of the committed tree at `revision` (other work in the checkout left out)."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", revision + "^{commit}"],
        capture_output=True, text=True, check=True).stdout.strip()
    into.mkdir(parents=True)
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                               stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {commit} failed")
    return into, commit


def flask(env: dict[str, str], *args: str, source: Path = ROOT, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=source,
                          env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class Partner:
    key: str
    secret: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.key, self.secret)

    def authority(self, public_url: str = "http://localhost:5000") -> dict:
        """The authority the hub gives a credential created without --authority."""
        return {"objectType": "Agent", "name": "benchmark",
                "account": {"homePage": public_url.rstrip("/") + "/partners", "name": self.key}}


def create_partner(env: dict[str, str], source: Path = ROOT, *,
                   scopes: tuple[str, ...] = ("all",), name: str = "benchmark") -> Partner:
    scope_args = [arg for scope in scopes for arg in ("--scope", scope)]
    output = flask(env, "credentials", "create", "--name", name, "--owner",
                   "bench/run.py", *scope_args, source=source)
    key = re.search(r"^key:\s+(\S+)", output, re.MULTILINE)
    secret = re.search(r"^secret:\s+(\S+)", output, re.MULTILINE)
    if not key or not secret:
        raise RuntimeError(f"cannot read key/secret from:\n{output}")
    return Partner(key.group(1), secret.group(1))


WORKER_NICENESS = 10  # ingest wins the CPU in a burst; the worker catches up after it
WORKER_COMMAND = ("-m", "flask", "--app", "wsgi", "worker")  # after the interpreter

# --- gunicorn ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`gunicorn -w N -b 127.0.0.1:<port> wsgi:app`, started in its own session, and the
    hub's worker (`flask --app wsgi worker`, the transcripts follower among its loops) at
    nice 10 beside it, as docs/operations.md runs them.  `worker_command` replaces the
    worker's arguments after the interpreter (None: gunicorn alone)."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path,
                 source: Path = ROOT, *,
                 worker_command: tuple[str, ...] | None = WORKER_COMMAND) -> None:
        self.env, self.workers, self.log_path, self.source = env, workers, log_path, source
        self.worker_command = worker_command
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def start(self, ready_timeout: float = 60.0) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child until stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
             "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "10",
             "wsgi:app"],
            cwd=self.source, env=self.env, stdout=log, stderr=log, start_new_session=True)
        if self.worker_command is not None:
            self.worker = subprocess.Popen(
                [sys.executable, *self.worker_command],
                cwd=self.source, env=self.env, stdout=log, stderr=log, start_new_session=True,
                preexec_fn=lambda: os.nice(WORKER_NICENESS))
        log.close()
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; "
                                   f"see {self.log_path}")
            try:
                if requests.get(self.base_url + "/health", timeout=2).status_code == 200 \
                        and len(self.worker_pids()) == self.workers:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {ready_timeout:.0f}s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        return self._children()

    def follower_pids(self) -> list[int]:
        """The hub's worker process, which follows the feed for transcripts."""
        return [self.worker.pid] if self.worker and self.worker.poll() is None else []

    def _children(self) -> list[int]:
        if self.process is None:
            return []
        return children_of(self.process.pid)

    def stop(self) -> None:
        for process in (self.process, self.worker):
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)  # graceful: requests and steps finish
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session this object started
                process.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces; fields after its closing parenthesis are fixed.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return sorted(found)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving `database` (named in their command line)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and f" {database} ".encode() in cmdline:
                found.append(int(entry))
    return found


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat: not idle, not iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    # guest time is already inside user/nice
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def wait_for_quiet(max_wait: float, busy_cores: float, window: float = 5.0) -> dict:
    """Wait (at most `max_wait` s) until other work keeps fewer than `busy_cores` cores busy.

    The machine may be shared; measuring while others' tests run halves a rate.  Call it
    while the hub is idle, so that what is busy is someone else.
    """
    began = time.monotonic()
    while True:
        before, start = machine_busy_seconds(), time.monotonic()
        time.sleep(window)
        level = (machine_busy_seconds() - before) / (time.monotonic() - start)
        waited = time.monotonic() - began
        if level < busy_cores or waited >= max_wait:
            return {"waited_s": round(waited), "busy_cores_before": round(level, 2),
                    "quiet": level < busy_cores}


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def memory_trajectory(kib: list[int]) -> dict:
    """Start, end and peak of RSS samples (KiB) in MiB, and the value at each tenth:
    flat memory levels off, a leak keeps rising."""
    return {"start_mib": round(kib[0] / 1024, 1), "end_mib": round(kib[-1] / 1024, 1),
            "peak_mib": round(max(kib) / 1024, 1), "samples": len(kib),
            "by_tenth_mib": [round(kib[min(len(kib) - 1, i * len(kib) // 10)] / 1024, 1)
                             for i in range(1, 11)]}


@dataclass
class RssSampler:
    """Samples the RSS of gunicorn's workers every `interval` seconds in a thread."""

    server: Gunicorn
    database: str | None = None  # PostgreSQL database whose backends' CPU is counted
    interval: float = 0.5
    max_samples: int = 20_000
    samples: dict[int, list[int]] = field(default_factory=dict)
    cpu: dict[str, dict[int, list[float]]] = field(default_factory=dict)  # first, last
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        self._busy = machine_busy_seconds()
        self._began = time.monotonic()
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.sample()
        self.machine_busy = machine_busy_seconds() - self._busy
        self.seconds = time.monotonic() - self._began

    def _run(self) -> None:
        for _ in range(self.max_samples):
            if self._stop.wait(self.interval):
                return
            self.sample()

    def sample(self) -> None:
        workers = self.server.worker_pids()
        for pid in workers:
            value = rss_kib(pid)
            if value is not None:
                self.samples.setdefault(pid, []).append(value)
        groups = {"workers": workers, "follower": self.server.follower_pids()}
        if self.database:
            groups["postgres"] = postgres_backends(self.database)
        for group, pids in groups.items():
            for pid in pids:
                used = cpu_seconds(pid)
                if used is not None:
                    first_last = self.cpu.setdefault(group, {}).setdefault(pid, [used, used])
                    first_last[1] = used

    def cpu_report(self) -> dict[str, float]:
        """CPU seconds spent while sampling (a process first seen late counts from then)."""
        used = {group: round(sum(last - first for first, last in pids.values()), 2)
                for group, pids in self.cpu.items()}
        used["machine_busy"] = round(self.machine_busy, 2)
        return used

    def report(self) -> dict:
        workers = {str(pid): memory_trajectory(v) for pid, v in self.samples.items() if v}
        totals = {k: round(sum(w[k] for w in workers.values()), 1)
                  for k in ("start_mib", "end_mib", "peak_mib")}
        return {"workers": workers, "total": totals, "interval_s": self.interval,
                "note": "total peak_mib is the sum of each worker's own peak"}
