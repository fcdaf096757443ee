"""Statements benchmark: ingest rate, single-POST latency and query latencies of the
hub under gunicorn, on a fresh SQLite or PostgreSQL database.

    .venv/bin/python bench/run.py --engine sqlite --statements 100000
    .venv/bin/python bench/run.py --engine postgresql --statements 1000000 --preload
    .venv/bin/python bench/run.py --engine mongodb --statements 100000 --preload

See bench/README.md; results are printed and written to bench/results/*.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ siblings

import load
from hub_process import (
    DEFAULT_MONGO_SERVER,
    DEFAULT_POSTGRES_ADMIN,
    ROOT,
    Gunicorn,
    RssSampler,
    analyze,
    count_statements,
    create_partner,
    database_size,
    existing_database,
    export_revision,
    flask,
    fresh_database,
    hub_environment,
    server_settings,
    transcripts_backlog,
    wait_for_quiet,
)
from recording import run_and_record
from workload import Workload


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "mongodb"), required=True)
    parser.add_argument("--statements", type=int, default=100_000,
                        help="statements stored before the query measurements")
    parser.add_argument("--preload", action="store_true",
                        help="insert most statements straight through the store, then ingest "
                             "--http-statements over HTTP on top")
    parser.add_argument("--http-statements", type=int,
                        help="statements sent over HTTP (default: all of them; with --preload "
                             "a tenth, at most 100000)")
    parser.add_argument("--workers", type=int, default=2 * cores, help="gunicorn workers")
    parser.add_argument("--transcripts-sync", choices=("inline", "follower"), default="follower",
                        help="HUB_TRANSCRIPTS_SYNC of the hub under test: transcripts updated "
                             "in each storing request, or by the follower process")
    parser.add_argument("--clients", type=int, default=4, help="concurrent ingest clients")
    parser.add_argument("--batch", type=int, default=100, help="statements per ingest POST")
    parser.add_argument("--singles", type=int, default=300,
                        help="single-statement POSTs timed one after another")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per shape")
    parser.add_argument("--warmup", type=int, default=10, help="untimed queries per shape")
    parser.add_argument("--page-sizes", default="default",
                        help="comma-separated `limit` values to measure queries with; "
                             "`default` sends no limit (the hub's page size), 0 asks for the "
                             "hub's maximum")
    parser.add_argument("--analyze", choices=("no", "also", "only"), default="also",
                        help="time queries before and/or after running ANALYZE on the database "
                             "(a server with autovacuum off never gathers planner statistics)")
    parser.add_argument("--more-pages", type=int, default=3,
                        help="`more` links followed per paging query")
    parser.add_argument("--preload-processes", type=int, default=cores)
    parser.add_argument("--preload-transcripts", choices=("sync", "skip"), default="sync",
                        help="after a preload, take the preloaded statements into the "
                             "transcripts (`flask transcripts sync`) before ingest, as a hub "
                             "that stored them over time would have; `skip` leaves the whole "
                             "preload as the follower's backlog during ingest")
    parser.add_argument("--phase-time-limit", type=float, default=3600,
                        help="seconds after which an ingest or single-POST phase stops")
    parser.add_argument("--query-time-limit", type=float, default=300,
                        help="seconds after which the timing of one query shape stops (the "
                             "figures then rest on fewer queries; `n` says how many)")
    parser.add_argument("--quiet-wait", type=float, default=0,
                        help="before each timed phase, wait up to this many seconds for other "
                             "work on the machine to settle (see --quiet-cores)")
    parser.add_argument("--quiet-cores", type=float, default=0.3,
                        help="'settled': others keep fewer than this many cores busy")
    parser.add_argument("--postgres-admin", default=DEFAULT_POSTGRES_ADMIN,
                        help="where to CREATE/DROP the bench_<random> database (local only)")
    parser.add_argument("--mongo-server", default=DEFAULT_MONGO_SERVER,
                        help="the MongoDB replica set (local only) for --engine mongodb")
    parser.add_argument("--keep-database", action="store_true",
                        help="keep the database afterwards (for EXPLAIN ANALYZE); drop by hand")
    parser.add_argument("--revision",
                        help="benchmark this commit (exported with git archive) instead of the "
                             "working tree, which others may be editing")
    parser.add_argument("--database-url",
                        help="reuse a database kept by an earlier run (--keep-database) with the "
                             "same --engine, --statements and --seed: no preload; HTTP ingest "
                             "continues the workload where the database stops; never dropped")
    parser.add_argument("--seed", type=int, default=20260314)
    args = parser.parse_args(argv)
    if args.http_statements is None:
        args.http_statements = (min(100_000, args.statements // 10) if args.preload
                                else args.statements)
    if not 0 < args.http_statements <= args.statements:
        parser.error("--http-statements must be between 1 and --statements")
    if args.database_url and args.preload:
        parser.error("--database-url reuses a loaded database; --preload does not apply")
    try:
        args.page_sizes = [None if p.strip() == "default" else int(p)
                           for p in args.page_sizes.split(",")]
    except ValueError:
        parser.error("--page-sizes takes `default` or whole numbers")
    return args


def machine() -> dict[str, object]:
    def run(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10,
                                  check=False).stdout.strip()
        except OSError:
            return ""

    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": run("nproc"),
        "free_h": run("free", "-h"),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(),
        "git_commit": run("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(run("git", "-C", str(ROOT), "status", "--porcelain",
                              "--untracked-files=no")),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def _postgres_version() -> str | None:
    try:
        import psycopg

        admin = DEFAULT_POSTGRES_ADMIN
        with psycopg.connect(admin, connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # only informative: SQLite runs need no server
        return None


def say(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, results: dict) -> dict:
    """Fill `results` phase by phase (a failed run still leaves what it measured)."""
    workload = Workload.for_size(args.statements, seed=args.seed)
    preloaded = args.statements - args.http_statements if args.preload else 0
    reused = args.database_url is not None
    results["machine"] = machine()
    results["config"] = {k: v for k, v in vars(args).items() if k not in ("postgres_admin",)}
    results["config"].update(agents=workload.agents, preloaded=preloaded)
    scratch = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    if args.revision:
        source, commit = export_revision(args.revision, scratch / "source")
    else:
        source, commit = ROOT, "working tree"
    # The hub the preload imports is the one gunicorn runs (PathFinder precedes the
    # editable install's finder).
    sys.path.insert(1, str(source))
    results["source"] = {"path": str(source), "commit": commit}
    say(f"hub source: {source} ({commit})")
    database = (existing_database(args.database_url) if reused else
                fresh_database(args.engine, postgres_admin=args.postgres_admin,
                               mongo_server=args.mongo_server, keep=args.keep_database))
    with database as url:
        env = hub_environment(url, args.transcripts_sync)
        say(f"{args.engine}: migrating {'the kept' if reused else 'a fresh'} database")
        flask(env, "db", "upgrade", source=source)
        # Workload statements [0, first) are stored already when a kept database is reused.
        existing = count_statements(url) if reused else 0
        results["stored_before_run"] = existing
        results["database_settings"] = server_settings(url)
        partner = create_partner(env, source)
        if preloaded:
            say(f"preloading {preloaded:,} statements through the store "
                f"({args.preload_processes} processes)")
            results["preload"] = load.preload(
                url, workload, preloaded, args.statements, partner.authority(),
                args.preload_processes,
                progress=lambda done: say(f"  preloaded {done:,}") if done % 100_000 == 0
                else None)
            say(f"  {results['preload']['statements_per_s']:,} statements/s")
            if args.analyze != "no":
                # A bulk load is what autovacuum analyses next; a server with autovacuum
                # off (this machine's) would otherwise plan the ingest look-ups blind.
                say("ANALYZE after the preload (what autovacuum would do after a bulk load)")
                results["analyze_after_preload_seconds"] = analyze(url)
            if args.preload_transcripts == "sync":
                say("transcripts: taking in the preloaded statements (flask transcripts sync)")
                began = time.monotonic()
                flask(env, "transcripts", "sync", source=source,
                      timeout=args.phase_time_limit)
                results["preload_transcripts_sync_seconds"] = round(time.monotonic() - began, 1)
                say(f"  done in {results['preload_transcripts_sync_seconds']} s")
        say(f"building {args.http_statements:,} statements in batches of {args.batch}")
        first = existing + preloaded  # workload index of the first statement sent over HTTP
        bodies = load.batch_bodies(workload, first, args.http_statements, args.statements,
                                   args.batch)
        server = Gunicorn(env, args.workers, scratch / "gunicorn.log", source)
        try:
            server.start()
            say(f"gunicorn -w {args.workers} on {server.base_url}; ingesting with "
                f"{args.clients} clients")
            results["quiet"] = {"ingest": settle(args)}
            results["ingest"] = _ingest_phase(args, server, partner, bodies, _pg_name(url))
            results["ingest"]["stored_before"] = first
            del bodies
            say(f"  {results['ingest']['statements_per_s']:,} statements/s, "
                f"{results['ingest']['errors']} errors")
            results["transcripts"] = _transcripts_catch_up(url, args.phase_time_limit)
            say(f"  transcripts: {results['transcripts']['backlog_at_ingest_end']:,} statements "
                f"behind when ingest ended, caught up after "
                f"{results['transcripts']['caught_up_after_s']} s")
            stored = first + results["ingest"]["statements"]
            results["quiet"]["single_post"] = settle(args)
            say(f"timing {args.singles} single-statement POSTs")
            after = first + args.http_statements  # singles: workload statements not yet sent
            results["single_post"] = load.single_posts(
                server.base_url, partner.auth,
                (workload.statement(i, args.statements)
                 for i in range(after, after + args.singles)),
                time_limit=args.phase_time_limit)
            results["stored_at_query_time"] = count_statements(url)
            results["queries"] = {}
            passes = {"no": ["as-is"], "also": ["as-is", "analyzed"],
                      "only": ["analyzed"]}[args.analyze]
            for state in passes:
                if state == "analyzed":
                    say("ANALYZE (what autovacuum or PRAGMA optimize would have done)")
                    results["analyze_seconds"] = analyze(url)
                for page_size in args.page_sizes:
                    label = f"{state}, limit={'default' if page_size is None else page_size}"
                    results["quiet"][f"queries {label}"] = settle(args)
                    say(f"timing queries ({label}) over "
                        f"{results['stored_at_query_time']:,} statements")
                    results["queries"][label] = load.measure_queries(
                        server.base_url, partner.auth, workload, stored,
                        shapes=load.QUERY_SHAPES, count=args.queries, warmup=args.warmup,
                        page_size=page_size, more_pages=args.more_pages,
                        time_limit=args.query_time_limit)
            results["database_bytes"] = database_size(url)
        finally:
            server.stop()
            log = (scratch / "gunicorn.log").read_text(errors="replace")
            if log.strip():
                results["gunicorn_log_tail"] = log[-3000:]
    results["machine"]["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    shutil.rmtree(scratch, ignore_errors=True)
    return results


def _ingest_phase(args: argparse.Namespace, server: Gunicorn, partner, bodies,
                  pg_database: str | None) -> dict:
    """HTTP ingest with the workers' memory and everyone's CPU watched."""
    client_before = os.times()
    with RssSampler(server, database=pg_database) as memory:
        ingest = load.ingest(server.base_url, partner.auth, bodies, clients=args.clients,
                             time_limit=args.phase_time_limit)
    cpu = {**memory.cpu_report(),
           "client": round(sum(os.times()[:2]) - sum(client_before[:2]), 2)}
    busy = cpu.pop("machine_busy")
    ours = sum(cpu.values())
    return {
        **ingest.report(),
        "worker_rss": memory.report(),
        "cpu_seconds": cpu,
        "cpu_ms_per_statement": {k: round(1000 * v / max(ingest.statements, 1), 3)
                                 for k, v in cpu.items()},
        "machine_busy_cores": round(busy / memory.seconds, 2),
        "others_busy_cores": round(max(0.0, busy - ours) / memory.seconds, 2),
    }


def _transcripts_catch_up(url: str, time_limit: float) -> dict:
    """How far the transcripts were behind the feed when ingest ended, and how long the
    follower took to take in the rest (0 and 0 s with HUB_TRANSCRIPTS_SYNC=inline)."""
    began = time.monotonic()
    backlog = first = transcripts_backlog(url)
    while backlog and time.monotonic() - began < time_limit:
        time.sleep(0.5)
        backlog = transcripts_backlog(url)
    return {"backlog_at_ingest_end": first, "backlog_left": backlog,
            "caught_up_after_s": round(time.monotonic() - began, 1) if first else 0.0}


def settle(args: argparse.Namespace) -> dict | None:
    """With --quiet-wait, wait for the machine's other work to settle before a phase."""
    if not args.quiet_wait:
        return None
    settled = wait_for_quiet(args.quiet_wait, args.quiet_cores)
    say(f"  machine: {settled['busy_cores_before']} cores busy with other work "
        f"(waited {settled['waited_s']} s)")
    return settled


def _pg_name(url: str) -> str | None:
    return url.rsplit("/", 1)[1] if url.startswith("postgresql") else None


def table(results: dict) -> str:
    cfg, m = results["config"], results["machine"]
    lines = [f"engine={cfg['engine']} statements={results.get('stored_at_query_time', '?'):,} "
             f"workers={cfg['workers']} clients={cfg['clients']} batch={cfg['batch']} "
             f"({m['nproc']} cores, {m['cpu_model']}, {m['date']})"]
    if "preload" in results:
        p = results["preload"]
        lines.append(f"preload          {p['statements']:>9,} stmts  {p['statements_per_s']:>7,}/s")
    if "ingest" in results:
        i = results["ingest"]
        rss = i["worker_rss"]["total"]
        lines.append(f"HTTP ingest      {i['statements']:>9,} stmts  {i['statements_per_s']:>7,}/s"
                     f"  batch p50 {i['batch_latency']['p50_ms']} ms p95 "
                     f"{i['batch_latency']['p95_ms']} ms  errors {i['errors']}")
        lines.append(f"  by tenth/s     {i['rate_by_tenth']}")
        lines.append(f"  worker RSS MiB (sum) start {rss['start_mib']} end {rss['end_mib']} "
                     f"peak {rss['peak_mib']}")
        tenths = [w["by_tenth_mib"] for w in i["worker_rss"]["workers"].values()]
        if tenths:
            sums = [round(sum(tenth), 1) for tenth in zip(*tenths, strict=True)]
            lines.append(f"  worker RSS MiB (sum) by tenth {sums}")
        lines.append(f"  CPU ms/statement {i['cpu_ms_per_statement']}; machine busy "
                     f"{i['machine_busy_cores']} cores, of which others "
                     f"{i['others_busy_cores']}")
    if "transcripts" in results:
        t = results["transcripts"]
        lines.append(f"transcripts ({cfg['transcripts_sync']}): {t['backlog_at_ingest_end']:,} "
                     f"statements behind at ingest end, caught up after "
                     f"{t['caught_up_after_s']} s ({t['backlog_left']:,} left)")
    if "single_post" in results:
        s = results["single_post"]
        lines.append(f"single POST      p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  "
                     f"(n={s['n']}, errors {s['errors']})")
    for label, shapes in results.get("queries", {}).items():
        lines.append(f"queries ({label}):")
        lines.append(f"  {'shape':<20}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'rows':>8}"
                     f"{'empty':>7}{'err':>5}{'n':>6}")
        for shape, q in shapes.items():
            lines.append(f"  {shape:<20}{q['p50_ms'] or '-':>8}{q['p95_ms'] or '-':>8}"
                         f"{q['max_ms'] or '-':>8}{q['mean_statements']:>8}"
                         f"{q['empty_results']:>7}{q['errors']:>5}{q['n']:>6}")
    return "\n".join(lines)


def _results_name(args: argparse.Namespace, results: dict) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{args.engine}-{results.get('stored_at_query_time', args.statements)}-{stamp}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_and_record(lambda results: run(args, results),
                          lambda results: _results_name(args, results), table)


if __name__ == "__main__":
    sys.exit(main())
