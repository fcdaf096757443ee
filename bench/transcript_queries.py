"""Transcripts benchmark: what docs/performance.md ("Transcripts") reports.

    .venv/bin/python bench/transcript_queries.py --engine sqlite
    .venv/bin/python bench/transcript_queries.py --engine postgresql
    .venv/bin/python bench/transcript_queries.py --engine sqlite --people 5000 --quick # smoke

On a fresh database (a temporary SQLite file, or a new `bench_<hex>` database on the
local PostgreSQL, dropped afterwards — see bench/hub_process.fresh_database), in one
process, with the app built by `hub.app.create_app`:

1. registry: a roster CSV of `--people` civil servants (PNS and PPPK) of ONE agency
   spread over 50 units (the worst case for an agency report), each with an e-mail,
   parsed and imported with `transcripts roster import`'s code;
2. backlog: `--per-person` statements per person (attempted → experienced → completed
   → passed/failed, from four partners, half under the SIASN account and half under the
   e-mail, with the JP extension or a duration), plus `--heavy` completed statements for
   one person, written straight through the statement store as the statements
   benchmark's --preload does (no listener): then `transcripts sync` processes the whole
   backlog — the incremental path's throughput, in statements/s;
3. one transcript: `transcripts.queries.transcript_for` for the person with `--heavy`
   counted statements (query, aggregation and the access-log write), and the same over
   HTTP (`GET /api/transcripts/people/<nip>/transcripts/<year>` through the Flask test
   client), p50/p95 of `--repeat` runs;
4. agency report: `transcripts.queries.agency_report` over the agency's `--people`
   people (totals, distribution, units, the first 500 people under 20 JP, access log)
   and the same over HTTP, p50/p95;
5. online ingest: `--ingest` statements POSTed in batches of 100 through the Flask test
   client, once with the transcripts listener and once without: statements/s for both
   and how far the cursor lags behind at the end (0 means the incremental path kept up).

Before timing, it waits (`--quiet-wait`, default 120 s) for other work on the machine to
settle, and records how busy the machine was.

Times are wall clock (p50/p95) and CPU: this process plus, on PostgreSQL, the backends of
the benchmark's database — on a shared machine CPU time is the steadier figure.  The load
average at start and end is recorded.

Prints a table and writes bench/results/transcripts-<engine>-<people>-<time>.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub_process import (  # noqa: E402
    DEFAULT_POSTGRES_ADMIN,
    cpu_seconds,
    fresh_database,
    postgres_backends,
    wait_for_quiet,
)
from hub.app import create_app  # noqa: E402
from hub.auth import issue_credential  # noqa: E402
from lrs.statements.records import build_record, complete_statement  # noqa: E402
from lrs.statements.storing import save_statements  # noqa: E402
from transcripts import identity, queries, service  # noqa: E402
from transcripts.access import operator_reader  # noqa: E402
from transcripts.policy import current_policy  # noqa: E402
from transcripts.roster import parse_roster  # noqa: E402

SIASN = "https://siasn.bkn.go.id"
JP = "https://berpijar.id/xapi/extensions/jp"
ADL = "http://adlnet.gov/expapi/verbs/"
AGENCY = "Pemerintah Provinsi Jawa Barat"
PARTNERS = ("Akademi Digital LAN", "MOOC ASN", "LMS BPSDM Jawa Barat", "Corpu Kemenkeu")
YEAR = 2026


def nip(index: int) -> str:
    """A valid, unique NIP per index: birth date and sequence spell the index."""
    birth = datetime(1965, 1, 1) + timedelta(days=index % 12000)  # up to late 1997
    appointed = birth.year + 20 + index % 5, 1 + index % 12  # at 20 to 24, by 2021
    return (f"{birth:%Y%m%d}{appointed[0]}{appointed[1]:02d}{1 + index % 2}"
            f"{1 + index // 12000 % 999:03d}")


def roster_csv(people: int) -> str:
    lines = ["nip,nama,jenis_pegawai,instansi,unit_kerja,email"]
    for i in range(people):
        kind = "PPPK" if i % 5 == 0 else "PNS"
        lines.append(f"{nip(i)},ASN {i},{kind},{AGENCY},Unit {i % 50:02d},asn{i}@jabarprov.go.id")
    return "\n".join(lines) + "\n"


def actor(i: int, rng: random.Random) -> dict:
    if rng.random() < 0.5:
        return {"objectType": "Agent", "account": {"homePage": SIASN, "name": nip(i)}}
    return {"objectType": "Agent", "mbox": f"mailto:asn{i}@jabarprov.go.id"}


def statement(i: int, course: int, verb: str, rng: random.Random, moment: datetime) -> dict:
    result: dict = {"duration": f"PT{rng.randint(1, 6)}H"}
    if rng.random() < 0.7:
        result["extensions"] = {JP: (2, 4, 8, 12)[course % 4]}
    if verb in ("passed", "failed"):
        result["score"] = {"scaled": round(rng.random(), 2)}
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": actor(i, rng),
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity",
                   "id": f"https://akademi.example.id/kelas/kursus-{course:04d}",
                   "definition": {"name": {"id-ID": f"Kursus {course}"},
                                  "type": "http://adlnet.gov/expapi/activities/course"}},
        "result": result,
        "context": {"platform": PARTNERS[course % len(PARTNERS)]},
        "timestamp": moment.isoformat(),
    }


def person_statements(i: int, count: int, rng: random.Random) -> list[dict]:
    steps = ("attempted", "experienced", "completed", "passed")
    moment = datetime(YEAR, 1, 5, tzinfo=UTC) + timedelta(hours=rng.randint(0, 8000))
    course = rng.randrange(2000)
    out = []
    for n in range(count):
        verb = steps[n % len(steps)]
        if verb == "passed" and rng.random() < 0.15:
            verb = "failed"
        if n % len(steps) == 0:
            course = rng.randrange(2000)
        out.append(statement(i, course, verb, rng, moment + timedelta(minutes=n)))
    return out


def preload(storage, statements: list[dict], authorities: list[dict]) -> None:
    """Through the statement store, as bench/run.py --preload does (no listener)."""
    now = datetime.now(UTC).replace(microsecond=0)
    for start in range(0, len(statements), 500):
        records = []
        for k, s in enumerate(statements[start:start + 500]):
            full = complete_statement(s, version="1.0.3", stored=now,
                                      authority=authorities[(start + k) % len(authorities)])
            records.append(build_record(full, received=s, stored=now, attachment_hashes=(),
                                        learn_definitions=False))
        save_statements(storage, records)


class Cpu:
    """CPU seconds spent by this process and, on PostgreSQL, by the backends serving the
    benchmark's database: a measure the other work on a shared machine does not inflate
    the way it inflates wall-clock time."""

    def __init__(self, url: str) -> None:
        self.database = url.rsplit("/", 1)[1] if url.startswith("postgresql") else None

    def now(self) -> float:
        total = time.process_time()
        if self.database:
            total += sum(cpu_seconds(pid) or 0 for pid in postgres_backends(self.database))
        return total


CPU: Cpu | None = None


def timed(function, repeat: int) -> dict:
    samples = []
    cpu_start = CPU.now()
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    cpu_ms = (CPU.now() - cpu_start) * 1000 / repeat
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1),
            "cpu_ms": round(cpu_ms, 1), "runs": repeat}


def basic(credential, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()


def run(args: argparse.Namespace) -> dict:
    results: dict = {"engine": args.engine, "people": args.people,
                     "per_person": args.per_person, "heavy": args.heavy,
                     "machine": {"python": platform.python_version(),
                                 "cpus": __import__("os").cpu_count(),
                                 "date": datetime.now(UTC).isoformat(timespec="seconds"),
                                 "loadavg_start": Path("/proc/loadavg").read_text().split()[:3]}}
    global CPU
    with fresh_database(args.engine, postgres_admin=args.postgres_admin) as url:
        CPU = Cpu(url)
        app = create_app({"env": "development", "secret_key": "b" * 48, "database_url": url,
                          "log_format": "text", "log_level": "WARNING"})
        storage = app.extensions["hub.storage"]
        storage.upgrade()
        rng = random.Random(20260314)
        with app.app_context():
            policy = current_policy()
            start = time.perf_counter()
            roster = parse_roster(roster_csv(args.people))
            report = identity.import_roster(storage, roster, policy)
            if not report.imported or report.errors:
                raise SystemExit(f"roster refused: {report.errors[:3]}")
            results["roster_import_s"] = round(time.perf_counter() - start, 1)
            results["links"] = report.links
            say(f"roster: {args.people} people, {report.links} links in "
                f"{results['roster_import_s']} s")

            authorities, credentials = [], []
            for name in PARTNERS:
                issued = issue_credential(storage.credentials, name=name, owner=name,
                                          scopes={"statements/write"},
                                          authority_home_page=app.extensions[
                                              "hub.settings"].authority_home_page)
                authorities.append(issued.credential.authority)
                credentials.append(issued)
            heavy = [statement(0, c, "completed", rng,
                               datetime(YEAR, 1, 2, tzinfo=UTC) + timedelta(hours=c * 4))
                     for c in range(args.heavy)]
            backlog = [s for i in range(1, args.people)
                       for s in person_statements(i, args.per_person, rng)]
            start = time.perf_counter()
            preload(storage, heavy + backlog, authorities)
            results["preload_statements"] = len(heavy) + len(backlog)
            say(f"preloaded {results['preload_statements']} statements in "
                f"{time.perf_counter() - start:.1f} s")

            results["quiet_before_sync"] = wait_for_quiet(args.quiet_wait, 0.5)
            start, cpu = time.perf_counter(), CPU.now()
            sync = service.sync_now()
            elapsed, cpu = time.perf_counter() - start, CPU.now() - cpu
            results["sync"] = {"statements": sync.statements, "seconds": round(elapsed, 1),
                               "statements_per_s": round(sync.statements / elapsed),
                               "cpu_seconds": round(cpu, 1),
                               "statements_per_cpu_s": round(sync.statements / cpu)}
            say(f"sync: {sync.statements} statements in {elapsed:.1f} s "
                f"= {results['sync']['statements_per_s']}/s "
                f"({results['sync']['statements_per_cpu_s']} per CPU second)")

            reader = operator_reader("bench")
            transcript = queries.transcript_for(storage, policy, reader, nip(0), YEAR)
            results["heavy_transcript_lines"] = len(transcript.lines)
            results["transcript"] = timed(
                lambda: queries.transcript_for(storage, policy, reader, nip(0), YEAR),
                args.repeat)
            results["agency_report"] = timed(
                lambda: queries.agency_report(storage, policy, reader, AGENCY, YEAR),
                max(3, args.repeat // 10))
        auditor = issue_credential(storage.credentials, name="Inspektorat", owner="BKN",
                                   scopes={"auditor"}, authority_home_page="http://h/p")
        client = app.test_client()
        headers = {"Authorization": basic(auditor.credential, auditor.secret)}
        url_t = f"/api/transcripts/people/{nip(0)}/transcripts/{YEAR}"
        results["transcript_http"] = timed(lambda: client.get(url_t, headers=headers),
                                           args.repeat)
        results["agency_report_http"] = timed(
            lambda: client.get("/api/transcripts/reports/agency",
                               query_string={"agency": AGENCY, "year": YEAR},
                               headers=headers), max(3, args.repeat // 10))
        say(f"transcript ({results['heavy_transcript_lines']} lines): "
            f"{results['transcript']['p50_ms']} ms p50; agency report: "
            f"{results['agency_report']['p50_ms']} ms p50")
        results["online_ingest"] = {mode: ingest(app, client, credentials[0], rng, args,
                                                 listener=mode == "with_listener")
                                    for mode in ("without_listener", "with_listener")}
        storage.dispose()
    return results


def ingest(app, client, credential, rng, args, *, listener: bool) -> dict:
    listeners = app.extensions["lrs.statement_listeners"]
    saved = list(listeners)
    if not listener:
        listeners[:] = [x for x in listeners if x is not service.on_statements_stored]
    headers = {"Authorization": basic(credential.credential, credential.secret),
               "X-Experience-API-Version": "1.0.3"}
    batches = []
    for b in range(args.ingest // 100):
        batch = []
        for k in range(25):
            batch += person_statements(1 + (b * 25 + k) % (args.people - 1), 4, rng)
        batches.append(json.dumps(batch))
    start, cpu = time.perf_counter(), CPU.now()
    for body in batches:
        response = client.post("/xapi/statements", data=body, headers=headers,
                               content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    elapsed, cpu = time.perf_counter() - start, CPU.now() - cpu
    listeners[:] = saved
    storage = app.extensions["hub.storage"]
    lag = storage.statements.max_statement_seq() - storage.transcripts.feed_state().cursor
    if not listener:  # catch up so the next phase starts level
        with app.app_context():
            service.sync_now()
    rate = round(len(batches) * 100 / elapsed)
    per_cpu = round(len(batches) * 100 / cpu)
    say(f"online ingest {'with' if listener else 'without'} the listener: {rate}/s "
        f"({per_cpu} per CPU second), cursor lag {lag}")
    return {"statements": len(batches) * 100, "seconds": round(elapsed, 1),
            "statements_per_s": rate, "statements_per_cpu_s": per_cpu,
            "cursor_lag_at_end": lag}


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def table(results: dict) -> str:
    rows = [
        ("engine", results["engine"]),
        ("people (one agency)", results["people"]),
        ("statements preloaded", results["preload_statements"]),
        ("roster import", f"{results['roster_import_s']} s"),
        ("sync backlog", f"{results['sync']['statements_per_s']} statements/s, "
                         f"{results['sync']['statements_per_cpu_s']} per CPU second"),
        (f"transcript, {results['heavy']} statements",
         f"{results['transcript']['p50_ms']} / {results['transcript']['p95_ms']} ms (p50/p95), "
         f"{results['transcript']['cpu_ms']} ms CPU"),
        ("  over HTTP", f"{results['transcript_http']['p50_ms']} / "
                        f"{results['transcript_http']['p95_ms']} ms"),
        (f"agency report, {results['people']} people",
         f"{results['agency_report']['p50_ms']} / {results['agency_report']['p95_ms']} ms, "
         f"{results['agency_report']['cpu_ms']} ms CPU"),
        ("  over HTTP", f"{results['agency_report_http']['p50_ms']} / "
                        f"{results['agency_report_http']['p95_ms']} ms"),
    ]
    for mode, figures in results["online_ingest"].items():
        rows.append((f"ingest {mode.replace('_', ' ')}",
                     f"{figures['statements_per_s']} statements/s "
                     f"({figures['statements_per_cpu_s']} per CPU second), cursor lag "
                     f"{figures['cursor_lag_at_end']}"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--per-person", type=int, default=4)
    parser.add_argument("--heavy", type=int, default=2000)
    parser.add_argument("--ingest", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--postgres-admin", default=DEFAULT_POSTGRES_ADMIN)
    parser.add_argument("--quiet-wait", type=float, default=120,
                        help="wait up to this many seconds for other work on the machine "
                             "to stop before timing (the machine may be shared)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: fewer repetitions and a smaller online ingest")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.ingest = 10, 2000
    results = run(args)
    results["machine"]["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    print(table(results))
    out = ROOT / "bench" / "results" / (
        f"transcripts-{args.engine}-{args.people}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
