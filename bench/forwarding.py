"""Forwarding benchmark (issue 15, "Performance"): a source hub forwards its statements
to a second hub on loopback.

    .venv/bin/python bench/forwarding.py --engine sqlite
    .venv/bin/python bench/forwarding.py --engine postgresql
    .venv/bin/python bench/forwarding.py --engine sqlite --preload 2000 --duration 20   # smoke

Phase 1, idle destination: `--preload` statements are stored in the source before the
destination is registered; then delivered statements/s until the destination holds them
all.  Phase 2, under ingest: `--rate` statements/s for `--duration` s into the source
while forwarding runs; every second the lag (age of the oldest statement the
destination has not got), how many statements it is behind, and the worker's RSS; after
ingest stops, the time until the destination has caught up.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ siblings

import load
from hub_process import (
    DEFAULT_POSTGRES_ADMIN,
    ROOT,
    WORKER_COMMAND,
    Gunicorn,
    Partner,
    RssSampler,
    analyze,
    count_statements,
    cpu_seconds,
    create_partner,
    flask,
    fresh_database,
    hub_environment,
    memory_trajectory,
    rss_kib,
)
from recording import RESULTS, run_and_record
from run import machine, say, settle
from workload import Workload

sys.path.insert(1, str(ROOT))  # this checkout's hub, for reading the source's feed

BENCH = Path(__file__).resolve().parent
ADMIN = "/api/connectors/admin"
TARGET_LAG_S = 10.0
TARGET_CATCH_UP_S = 30.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite",
                        help="the source hub's database (the destination's is SQLite)")
    parser.add_argument("--preload", type=int, default=50_000,
                        help="statements stored in the source before the destination is "
                             "registered (phase 1)")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="ingest into the source during phase 2, statements/s")
    parser.add_argument("--duration", type=float, default=300.0,
                        help="seconds of ingest in phase 2 (0: phase 1 only)")
    parser.add_argument("--ingest-batch", type=int, default=10, help="statements per POST")
    parser.add_argument("--clients", type=int, default=4, help="concurrent ingest clients")
    parser.add_argument("--batch-size", type=int, default=500,
                        help="the destination's batch_size (statements per forwarded POST)")
    parser.add_argument("--workers", type=int, default=2 * cores,
                        help="gunicorn workers of the source hub")
    parser.add_argument("--destination-workers", type=int, default=2,
                        help="gunicorn workers of the destination hub (it gets one POST at a "
                             "time from the one forwarding thread)")
    parser.add_argument("--transcripts-sync", choices=("inline", "follower"), default="follower",
                        help="HUB_TRANSCRIPTS_SYNC of the source (follower: its worker runs the "
                             "transcripts follower beside forwarding, as in production)")
    parser.add_argument("--preload-transcripts", choices=("sync", "skip"), default="sync",
                        help="take the preload into the source's transcripts before phase 1 "
                             "(`flask transcripts sync`), so the follower does not compete "
                             "with the delivery of the preload")
    parser.add_argument("--preload-processes", type=int, default=cores)
    parser.add_argument("--catch-up-limit", type=float, default=600.0,
                        help="seconds after which waiting for the destination to catch up stops")
    parser.add_argument("--sample-interval", type=float, default=1.0)
    parser.add_argument("--profile-worker", action="store_true",
                        help="run the source's worker under cProfile (forwarding steps only, "
                             "bench/profiled_worker.py); the top functions are printed and "
                             "the .prof file is kept beside the results")
    parser.add_argument("--trace-worker-memory", action="store_true",
                        help="run the source's worker under tracemalloc "
                             "(bench/traced_worker.py): what grew after its first minute is "
                             "kept beside the results (slower: not for the figures)")
    parser.add_argument("--quiet-wait", type=float, default=0,
                        help="before each phase, wait up to this many seconds for other work "
                             "on the machine to settle (see --quiet-cores)")
    parser.add_argument("--quiet-cores", type=float, default=0.3)
    parser.add_argument("--postgres-admin", default=DEFAULT_POSTGRES_ADMIN)
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--seed", type=int, default=20260314)
    args = parser.parse_args(argv)
    if args.preload < 0 or args.duration < 0 or args.rate <= 0:
        parser.error("--preload and --duration must not be negative, --rate must be positive")
    if not 1 <= args.batch_size <= 1000:
        parser.error("--batch-size must be between 1 and 1000 (the admin API's bounds)")
    return args


# --- watching the source ------------------------------------------------------------------
class Source:
    """The source hub as the benchmark watches it: the destination's delivery position
    through the admin API, the feed through the source's own store (read-only)."""

    def __init__(self, server: Gunicorn, admin: Partner, url: str) -> None:
        from hub.app import open_hub_storage

        self.server = server
        self.session = requests.Session()
        self.session.auth = admin.auth
        self.session.trust_env = False  # 127.0.0.1 only
        self.storage = open_hub_storage(url)
        self.database = url.rsplit("/", 1)[1] if url.startswith("postgresql") else None
        self.destination_id = ""

    def close(self) -> None:
        self.session.close()
        self.storage.dispose()

    def register(self, endpoint: str, partner: Partner, batch_size: int) -> dict:
        response = self.session.post(self.server.base_url + ADMIN + "/destinations", json={
            "name": "benchmark destination", "endpoint": endpoint,
            "auth": {"kind": "basic", "username": partner.key, "secret": partner.secret},
            "batch_size": batch_size, "start": "beginning"}, timeout=30)
        if response.status_code != 201:
            raise RuntimeError(f"registering the destination: {response.status_code} "
                               f"{response.text[:500]}")
        body = response.json()
        self.destination_id = body["id"]
        return body

    def delivery(self) -> dict:
        response = self.session.get(
            f"{self.server.base_url}{ADMIN}/destinations/{self.destination_id}", timeout=30)
        response.raise_for_status()
        return response.json()["delivery"]

    def unit(self) -> dict | None:
        """The forwarding unit as the worker last reported it (behind, oldest_seconds)."""
        response = self.session.get(self.server.base_url + ADMIN + "/worker", timeout=30)
        response.raise_for_status()
        name = f"forward:{self.destination_id}"
        return next((u for u in response.json()["loops"] if u["name"] == name), None)

    def newest_seq(self) -> int:
        return self.storage.statements.max_statement_seq() or 0

    def lag(self, cursor: int, now: datetime) -> tuple[int, float]:
        """(statements after the cursor, seconds since the oldest of them was stored)."""
        newest = self.newest_seq()
        waiting = self.storage.statements.statements_after(cursor, 1)
        if not waiting:
            return 0, 0.0
        return newest - cursor, max(0.0, (now - waiting[0].stored).total_seconds())


@dataclass
class Watch:
    """Samples every `interval` s in a thread: delivery, lag, the worker's RSS and CPU."""

    source: Source
    interval: float
    began: float = field(default_factory=time.monotonic)
    samples: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Watch:
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True, name="watch")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        # On a fixed schedule: a slow sample does not stretch the interval.
        beat = 1
        while not self._stop.wait(max(0.0, self.began + beat * self.interval
                                      - time.monotonic())):
            self.sample()
            beat = max(beat + 1, int((time.monotonic() - self.began) / self.interval) + 1)

    def sample(self) -> dict[str, Any] | None:
        worker = self.source.server.worker
        try:
            delivery = self.source.delivery()
            behind, lag = self.source.lag(delivery["cursor"], datetime.now(UTC))
            unit = self.source.unit() or {}
        except (requests.RequestException, OSError, RuntimeError) as error:
            if len(self.errors) < 20:
                self.errors.append(repr(error))
            return None
        taken = {"t": round(time.monotonic() - self.began, 2), "cursor": delivery["cursor"],
                 "delivered": delivery["delivered"], "behind": behind, "lag_s": round(lag, 2),
                 "open_gaps": delivery["open_gaps"], "attempts": delivery["attempts"],
                 "last_error": delivery["last_error"],
                 "unit_behind": unit.get("behind"), "unit_oldest_s": unit.get("oldest_seconds"),
                 "worker_rss_kib": rss_kib(worker.pid) if worker else None,
                 "worker_cpu_s": cpu_seconds(worker.pid) if worker else None}
        self.samples.append(taken)
        return taken

    def latest(self) -> dict[str, Any]:
        return self.samples[-1] if self.samples else {}


def wait_until(sample: Callable[[], dict[str, Any] | None],
               done: Callable[[dict[str, Any]], bool], limit: float,
               every: float = 0.5) -> dict[str, Any] | None:
    """Look at `sample()` every `every` s until `done(it)`: that sample, or None after
    `limit` s."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        taken = sample()
        if taken and done(taken):
            return taken
        time.sleep(every)
    return None


# --- the phases -----------------------------------------------------------------------------
def cpu_figures(samplers: dict[str, RssSampler], statements: int, client_cpu: float,
                seconds: float) -> dict[str, Any]:
    """CPU seconds per process group (source workers, its hub worker, destination
    workers, PostgreSQL), per statement delivered, and how busy the machine was."""
    # RssSampler's groups: gunicorn's workers, the hub's worker ("follower"), PostgreSQL
    names = {"workers": "gunicorn", "follower": "hub_worker", "postgres": "postgres"}
    cpu = {f"{side}_{names[group]}": value for side, sampler in samplers.items()
           for group, value in sampler.cpu_report().items() if group in names}
    cpu["bench_client"] = round(client_cpu, 2)
    busy = samplers["source"].machine_busy
    return {"cpu_seconds": cpu,
            "cpu_ms_per_statement": {k: round(1000 * v / max(statements, 1), 3)
                                     for k, v in cpu.items()},
            "machine_busy_cores": round(busy / seconds, 2) if seconds else None,
            "others_busy_cores": round(max(0.0, busy - sum(cpu.values())) / seconds, 2)
            if seconds else None}


def idle_phase(args: argparse.Namespace, source: Source, destination: Gunicorn,
               partner: Partner, results: dict) -> None:
    """Register the destination after the preload; time the delivery of all of it."""
    target = source.newest_seq()
    client_before = sum(os.times()[:2])
    with RssSampler(source.server, database=source.database) as src_cpu, \
            RssSampler(destination) as dst_cpu:
        registered = time.monotonic()
        source.register(destination.base_url + "/xapi", partner, args.batch_size)
        watch = Watch(source, args.sample_interval, began=registered)
        first = wait_until(watch.sample, lambda s: s["delivered"] > 0, args.catch_up_limit)
        last = wait_until(watch.sample, lambda s: s["cursor"] >= target,
                          args.catch_up_limit) if first else None
    seconds = time.monotonic() - registered
    final = last or watch.latest()
    delivered = final.get("delivered", 0)
    steady = None
    if first and last and last["t"] > first["t"]:
        steady = round((last["delivered"] - first["delivered"]) / (last["t"] - first["t"]))
    results["idle"] = {
        "statements": target, "delivered": delivered, "complete": last is not None,
        "first_delivery_after_s": first["t"] if first else None,
        "all_delivered_after_s": last["t"] if last else None,
        "statements_per_s": round(delivered / last["t"]) if last and last["t"] else None,
        # from the first delivered batch on: the worker's pick-up delay left out
        "steady_statements_per_s": steady,
        "worker_rss": memory_trajectory([s["worker_rss_kib"] for s in watch.samples
                                         if s["worker_rss_kib"]] or [0]),
        "last_error": final.get("last_error"), "watch_errors": watch.errors,
        **cpu_figures({"source": src_cpu, "destination": dst_cpu}, delivered,
                      sum(os.times()[:2]) - client_before, seconds),
    }


def ingest_phase(args: argparse.Namespace, source: Source, destination: Gunicorn,
                 ingest_auth: tuple[str, str], bodies: list[tuple[int, bytes]],
                 results: dict) -> None:
    """Ingest at a fixed rate while forwarding runs; then wait for the catch-up."""
    client_before = sum(os.times()[:2])
    with RssSampler(source.server, database=source.database) as src_cpu, \
            RssSampler(destination) as dst_cpu, \
            Watch(source, args.sample_interval) as watch:
        ingest = load.ingest(source.server.base_url, ingest_auth, bodies, clients=args.clients,
                             time_limit=2 * args.duration + 60, rate=args.rate)
        ended = time.monotonic() - watch.began
        newest = source.newest_seq()
        # the watch thread samples; looking at its newest sample keeps one sampler
        caught = wait_until(watch.latest, lambda s: s["t"] >= ended and s["cursor"] >= newest,
                            args.catch_up_limit, every=args.sample_interval / 4)
    seconds = time.monotonic() - watch.began
    during = [s for s in watch.samples if s["t"] <= ended]
    lags = [s["lag_s"] for s in during]
    rss = [s["worker_rss_kib"] for s in during if s["worker_rss_kib"]]
    final = caught or watch.latest()
    delivered = final.get("delivered", 0) - (results.get("idle") or {}).get("delivered", 0)
    results["ingest"] = {
        **ingest.report(),
        "target_rate": args.rate,
        "lag_s": {"max": max(lags, default=None), "p95": load.percentile(lags, 95),
                  "p50": load.percentile(lags, 50), "by_tenth_max": _by_tenth_max(lags)},
        "behind": {"max": max((s["behind"] for s in during), default=None),
                   "p95": load.percentile([s["behind"] for s in during], 95)},
        "lag_at_ingest_end": during[-1] if during else None,
        "caught_up": caught is not None,
        "catch_up_s": round(caught["t"] - ended, 1) if caught else None,
        "delivered_during_phase": delivered,
        "worker_rss": memory_trajectory(rss or [0]),
        "watch_errors": watch.errors,
        **cpu_figures({"source": src_cpu, "destination": dst_cpu}, delivered,
                      sum(os.times()[:2]) - client_before, seconds),
    }
    results["ingest_samples"] = watch.samples


def _by_tenth_max(values: list[float]) -> list[float]:
    if not values:
        return []
    size = len(values)
    return [max(values[i * size // 10:max(i * size // 10 + 1, (i + 1) * size // 10)])
            for i in range(10)]


def verify(source_url: str, destination_url: str) -> dict[str, Any]:
    """Every source statement at the destination, none else (ids compared in full)."""
    from sqlalchemy import create_engine, text

    def ids(url: str) -> set[str]:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return set(conn.execute(text("SELECT id FROM statements")).scalars())
        finally:
            engine.dispose()

    at_source, at_destination = ids(source_url), ids(destination_url)
    return {"source": len(at_source), "destination": count_statements(destination_url),
            "missing": len(at_source - at_destination),
            "unexpected": len(at_destination - at_source),
            "exact": at_source == at_destination}


def run(args: argparse.Namespace, results: dict, profile_path: Path) -> None:
    memory_path = profile_path.with_name(profile_path.stem.removesuffix("-worker") + "-memory.txt")
    ingested = round(args.rate * args.duration)
    workload = Workload.for_size(args.preload + ingested, seed=args.seed)
    results["machine"] = machine()
    results["config"] = {k: v for k, v in vars(args).items() if k != "postgres_admin"}
    results["config"]["agents"] = workload.agents
    scratch = Path(tempfile.mkdtemp(prefix="hub-bench-forward-"))
    with fresh_database(args.engine, postgres_admin=args.postgres_admin,
                        keep=args.keep_database) as source_url, \
            fresh_database("sqlite", keep=args.keep_database) as destination_url:
        source_env = hub_environment(source_url, args.transcripts_sync)
        # The destination runs no worker: its transcripts stay untouched, it only stores.
        destination_env = hub_environment(destination_url, "follower")
        say(f"migrating the source ({args.engine}) and the destination (sqlite)")
        flask(source_env, "db", "upgrade")
        flask(destination_env, "db", "upgrade")
        ingest_partner = create_partner(source_env)
        admin = create_partner(source_env, scopes=("admin",), name="benchmark admin")
        forwarding_partner = create_partner(destination_env, scopes=("statements/write",),
                                            name="forwarding from the source hub")
        if args.preload:
            say(f"preloading {args.preload:,} statements into the source")
            results["preload"] = load.preload(
                source_url, workload, args.preload, args.preload + ingested,
                ingest_partner.authority(), args.preload_processes, progress=lambda done: None)
            results["analyze_after_preload_seconds"] = analyze(source_url)
            if args.transcripts_sync == "follower" and args.preload_transcripts == "sync":
                say("source transcripts: taking in the preload (flask transcripts sync)")
                flask(source_env, "transcripts", "sync", timeout=3600)
        bodies = load.batch_bodies(workload, args.preload, ingested, args.preload + ingested,
                                   args.ingest_batch) if ingested else []
        worker_command = (str(BENCH / "profiled_worker.py"), str(profile_path)) \
            if args.profile_worker else WORKER_COMMAND
        if args.trace_worker_memory:
            worker_command = (str(BENCH / "traced_worker.py"), str(memory_path))
        destination = Gunicorn(destination_env, args.destination_workers,
                               scratch / "destination.log", worker_command=None)
        server = Gunicorn(source_env, args.workers, scratch / "source.log",
                          worker_command=worker_command)
        source = None
        try:
            destination.start()
            server.start()
            source = Source(server, admin, source_url)
            say(f"source {server.base_url} (-w {args.workers}, worker pid "
                f"{server.worker.pid if server.worker else '?'}), destination "
                f"{destination.base_url} (-w {args.destination_workers})")
            results["quiet"] = {"idle": settle(args)}
            say(f"phase 1: registering the destination (batch {args.batch_size}); delivering "
                f"{source.newest_seq():,} statements")
            idle_phase(args, source, destination, forwarding_partner, results)
            idle = results["idle"]
            say(f"  {idle['delivered']:,} delivered in {idle['all_delivered_after_s']} s: "
                f"{idle['statements_per_s']}/s ({idle['steady_statements_per_s']}/s from the "
                f"first batch on)")
            if bodies:
                results["quiet"]["ingest"] = settle(args)
                if args.trace_worker_memory and server.worker is not None:
                    server.worker.send_signal(signal.SIGUSR2)  # bench/traced_worker.py
                say(f"phase 2: ingesting {ingested:,} statements at {args.rate:g}/s "
                    f"({args.ingest_batch} per POST, {args.clients} clients) while forwarding")
                ingest_phase(args, source, destination, ingest_partner.auth, bodies, results)
                del bodies
                i = results["ingest"]
                say(f"  ingested {i['statements']:,} at {i['statements_per_s']}/s; lag max "
                    f"{i['lag_s']['max']} s p95 {i['lag_s']['p95']} s; caught up "
                    f"{i['catch_up_s']} s after ingest ended")
            results["verify"] = verify(source_url, destination_url)
        finally:
            if source is not None:
                source.close()
            server.stop()
            destination.stop()
            for name in ("source", "destination"):
                log = (scratch / f"{name}.log").read_text(errors="replace")
                if log.strip():
                    results[f"{name}_log_tail"] = log[-3000:]
    if args.profile_worker and profile_path.exists():
        results["worker_profile_top"] = profile_top(profile_path)
    if args.trace_worker_memory and memory_path.exists():
        results["worker_memory_growth"] = memory_path.read_text()
        say("worker memory (tracemalloc):\n" + results["worker_memory_growth"])
    results["machine"]["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    shutil.rmtree(scratch, ignore_errors=True)


def profile_top(path: Path, lines: int = 35) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(20)
    return out.getvalue()


# --- the report ---------------------------------------------------------------------------
def summary(results: dict) -> str:
    cfg, m = results["config"], results["machine"]
    lines = [f"forwarding: source {cfg['engine']} (-w {cfg['workers']}, transcripts "
             f"{cfg['transcripts_sync']}) -> destination sqlite (-w "
             f"{cfg['destination_workers']}), batch {cfg['batch_size']} "
             f"({m['nproc']} cores, {m['cpu_model']}, {m['date']}, load at start "
             f"{' '.join(m['loadavg_at_start'])}, at end {' '.join(m.get('loadavg_at_end', '?'))})"]
    if idle := results.get("idle"):
        lines.append(f"idle destination   {idle['delivered']:>8,} of {idle['statements']:,} "
                     f"delivered in {idle['all_delivered_after_s']} s: "
                     f"{idle['statements_per_s']}/s, {idle['steady_statements_per_s']}/s "
                     f"from the first batch (after {idle['first_delivery_after_s']} s)")
        lines.append(f"  CPU ms/statement {idle['cpu_ms_per_statement']}; machine busy "
                     f"{idle['machine_busy_cores']} cores, others {idle['others_busy_cores']}")
        lines.append(f"  worker RSS MiB start {idle['worker_rss']['start_mib']} end "
                     f"{idle['worker_rss']['end_mib']} peak {idle['worker_rss']['peak_mib']}")
    if i := results.get("ingest"):
        lag = i["lag_s"]
        reached = i["statements_per_s"] >= 0.95 * cfg["rate"] and not i["timed_out"]
        ok = (lag["max"] is not None and lag["max"] < TARGET_LAG_S and i["catch_up_s"] is not None
              and i["catch_up_s"] <= TARGET_CATCH_UP_S)
        verdict = ("met" if ok else "NOT met") if reached else \
            "not judged: ingest fell short of the target rate"
        lines.append(f"under ingest       {i['statements']:>8,} ingested at "
                     f"{i['statements_per_s']}/s (target {cfg['rate']:g}/s, errors "
                     f"{i['errors']}) over {i['seconds']} s")
        lines.append(f"  lag s: max {lag['max']} p95 {lag['p95']} p50 {lag['p50']}; max by "
                     f"tenth {lag['by_tenth_max']}")
        lines.append(f"  behind (statements): max {i['behind']['max']} p95 {i['behind']['p95']}")
        lines.append(f"  caught up {i['catch_up_s']} s after ingest ended "
                     f"({'yes' if i['caught_up'] else 'NO'}); targets lag < {TARGET_LAG_S:g} s, "
                     f"catch-up <= {TARGET_CATCH_UP_S:g} s: {verdict}")
        rss = i["worker_rss"]
        lines.append(f"  worker RSS MiB start {rss['start_mib']} end {rss['end_mib']} peak "
                     f"{rss['peak_mib']}; by tenth {rss['by_tenth_mib']}")
        lines.append(f"  CPU ms/statement {i['cpu_ms_per_statement']}; machine busy "
                     f"{i['machine_busy_cores']} cores, others {i['others_busy_cores']}")
    if v := results.get("verify"):
        lines.append(f"destination holds {v['destination']:,} of {v['source']:,}: missing "
                     f"{v['missing']}, unexpected {v['unexpected']} "
                     f"({'exact' if v['exact'] else 'NOT exact'})")
    if "worker_profile_top" in results:
        lines.append("worker profile (forwarding steps):")
        lines.append(results["worker_profile_top"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    name = f"forwarding-{args.engine}-{args.preload}-{round(args.rate * args.duration)}-{stamp}"
    return run_and_record(lambda results: run(args, results, RESULTS / f"{name}-worker.prof"),
                          lambda _: name, summary)


if __name__ == "__main__":
    sys.exit(main())
