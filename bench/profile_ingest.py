"""Where the CPU of a statement POST goes: cProfile of batch POSTs in one process.

    .venv/bin/python bench/profile_ingest.py --engine sqlite --batches 50
    .venv/bin/python bench/profile_ingest.py --engine postgresql --batches 50 --sort tottime

The hub runs in-process (Flask test client, production settings) on a fresh database
made as bench/run.py makes it, so the profile shows the hub's own work without HTTP
server or client overhead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hub_process import DEFAULT_POSTGRES_ADMIN, ROOT, export_revision, fresh_database
from workload import Workload


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--output", help="also dump the raw profile here (for snakeviz etc.)")
    parser.add_argument("--revision", help="profile this commit instead of the working tree")
    args = parser.parse_args()
    source = ROOT
    if args.revision:
        source, commit = export_revision(args.revision, Path(tempfile.mkdtemp()) / "source")
        print(f"hub source: {commit}")
    sys.path.insert(1, str(source))

    from hub.app import create_app
    from hub.auth import issue_credential

    workload = Workload.for_size(args.batches * args.batch)
    total = (args.batches + 1) * args.batch
    bodies = [json.dumps([workload.statement(i, total) for i in range(b, b + args.batch)])
              for b in range(0, total, args.batch)]
    with fresh_database(args.engine, postgres_admin=DEFAULT_POSTGRES_ADMIN) as url:
        app = create_app({"env": "production", "secret_key": secrets.token_urlsafe(48),
                          "key_encryption_keys": (Fernet.generate_key().decode(),),
                          "database_url": url, "log_level": "WARNING"})
        storage = app.extensions["hub.storage"]
        storage.upgrade()
        issued = issue_credential(storage.credentials, name="profile", owner="bench",
                                  scopes={"all"}, authority_home_page="http://localhost/partners")
        client = app.test_client()
        headers = {"X-Experience-API-Version": "1.0.3"}
        auth = (issued.credential.key, issued.secret)

        def post(body: str) -> None:
            response = client.post("/xapi/statements", data=body, auth=auth, headers=headers,
                                   content_type="application/json")
            assert response.status_code == 200, response.get_data(as_text=True)[:500]

        post(bodies[0])  # warm-up: first request compiles and connects
        profile = cProfile.Profile()
        began = time.process_time()
        wall = time.perf_counter()
        profile.enable()
        for body in bodies[1:]:
            post(body)
        profile.disable()
        cpu = time.process_time() - began
        wall = time.perf_counter() - wall
        storage.dispose()
    statements = args.batches * args.batch
    print(f"{args.engine}: {statements} statements in {args.batches} POSTs of {args.batch}: "
          f"{1000 * cpu / statements:.3f} ms CPU and {1000 * wall / statements:.3f} ms wall "
          f"per statement in the hub process (under the profiler)")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.lines)
    print(out.getvalue())
    if args.output:
        profile.dump_stats(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
