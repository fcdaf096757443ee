"""Imports benchmark (issue 15.4): rows/s of `connectors import` on a large CSV.

    .venv/bin/python bench/imports.py --engine sqlite --rows 100000
    .venv/bin/python bench/imports.py --engine postgresql --rows 100000

On a fresh database (bench/hub_process.fresh_database), in one process, with the app
built by `hub.app.create_app` (HUB_TRANSCRIPTS_SYNC as given, default `follower`, so the
figure is the import's own; `inline` adds the transcripts work to every batch):

1. writes a CSV of `--rows` completions (`--people` valid NIPs, 200 classes, dates in
   2026, JP, score, success), `;` separated with a BOM, as spreadsheet programs write it;
2. imports it with the CLI's code (`prepare_import` + `Importer.run`, batches of
   `--batch-size`): rows/s and statements stored;
3. imports it again: rows/s when every row is already present (nothing stored).

Prints the figures and writes bench/results/imports-<engine>-<rows>-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub_process import DEFAULT_POSTGRES_ADMIN, fresh_database  # noqa: E402
from connectors.imports.jobs import prepare_import, storing  # noqa: E402
from connectors.imports.mapping import parse_mapping  # noqa: E402
from connectors.imports.run import ImportReport  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.auth import issue_credential  # noqa: E402

MAPPING = {
    "columns": {"nip": "NIP", "activity_code": "Kode Kelas", "name_id": "Nama Kelas",
                "date": "Tanggal", "jp": "JP", "score": "Nilai", "success": "Lulus"},
    "constants": {"activity_prefix": "https://bpsdm.example.id/kelas/",
                  "activity_type": "http://adlnet.gov/expapi/activities/course"},
    "date_format": "%d/%m/%Y",
}


def nip(rng: random.Random) -> str:
    birth = date(1965, 1, 1) + timedelta(days=rng.randrange(12000))
    appointed = (birth.year + rng.randrange(20, 30), rng.randrange(1, 13))
    return (f"{birth:%Y%m%d}{appointed[0]}{appointed[1]:02d}{rng.randrange(1, 3)}"
            f"{rng.randrange(1, 1000):03d}")


def csv_file(rows: int, people: int, seed: int = 20260315) -> bytes:
    rng = random.Random(seed)
    nips = list({nip(rng) for _ in range(people)})
    lines = ["NIP;Kode Kelas;Nama Kelas;Tanggal;JP;Nilai;Lulus"]
    seen: set[tuple[str, int, int]] = set()
    while len(lines) <= rows:
        who, klass, day = rng.choice(nips), rng.randrange(200), rng.randrange(300)
        if (who, klass, day) in seen:  # one row per person, class and day
            continue
        seen.add((who, klass, day))
        when = date(2026, 1, 1) + timedelta(days=day)
        lines.append(f"{who};K-{klass:03d};Kelas {klass};{when:%d/%m/%Y};"
                     f"{rng.choice(('2', '4', '6', '2,5'))};{rng.randrange(60, 101)};ya")
    return b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode()


def timed_import(data: bytes, key: str, batch_size: int) -> tuple[float, ImportReport]:
    importer = prepare_import(data, parse_mapping(MAPPING), key)
    start = time.perf_counter()
    report = importer.run(storing(key), batch_size=batch_size)
    return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--transcripts-sync", choices=("follower", "inline"),
                        default="follower")
    parser.add_argument("--postgres-admin", default=DEFAULT_POSTGRES_ADMIN)
    args = parser.parse_args()
    data = csv_file(args.rows, args.people)
    results: dict[str, Any] = {
        "engine": args.engine, "rows": args.rows, "batch_size": args.batch_size,
        "transcripts_sync": args.transcripts_sync, "csv_bytes": len(data),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "date": datetime.now(UTC).isoformat(timespec="seconds"),
                    "loadavg_start": Path("/proc/loadavg").read_text().split()[:3]}}
    with fresh_database(args.engine, postgres_admin=args.postgres_admin) as url:
        app = create_app({"env": "development", "secret_key": "b" * 48, "database_url": url,
                          "log_format": "text", "log_level": "WARNING",
                          "transcripts_sync": args.transcripts_sync})
        storage = app.extensions["hub.storage"]
        storage.upgrade()
        with app.app_context():
            key = issue_credential(storage.credentials, name="Bench imports", owner="bench",
                                   scopes=("statements/write", "define"),
                                   authority_home_page="https://hub.example.id").credential.key
            for phase in ("first", "again"):
                seconds, report = timed_import(data, key, args.batch_size)
                figures = {"seconds": round(seconds, 1),
                           "rows_per_s": round(args.rows / seconds),
                           "stored": report.stored, "present": report.present,
                           "refused": report.refused}
                results[phase] = figures
                print(f"{phase}: {args.rows} rows in {figures['seconds']} s = "
                      f"{figures['rows_per_s']} rows/s ({figures['stored']} stored, "
                      f"{figures['present']} present, {figures['refused']} refused)")
        storage.dispose()
    results["machine"]["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"imports-{args.engine}-{args.rows}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
