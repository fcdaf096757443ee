"""What strict JSON parsing costs on the ingest path: a POST body of 100 realistic
statements parsed by `hub.json_input.parse_json` (orjson, the duplicate-key colon count,
the depth walk) against plain `orjson.loads`.  CPU time per body, best of several rounds.

    .venv/bin/python bench/json_parse.py [--statements 100] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import Workload

from hub.json_input import parse_json


def best_per_call(function, body: bytes, rounds: int, calls: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            function(body)
        best = min(best, (time.process_time() - start) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    workload = Workload.for_size(args.statements * 10)
    body = json.dumps([workload.statement(i, args.statements) for i in range(args.statements)]
                      ).encode()
    plain = best_per_call(orjson.loads, body, args.rounds, args.calls)
    strict = best_per_call(parse_json, body, args.rounds, args.calls)
    print(f"body: {args.statements} statements, {len(body):,} bytes")
    print(f"orjson.loads:           {plain * 1e6:8.0f} µs")
    print(f"hub.json_input (strict): {strict * 1e6:8.0f} µs  (+{(strict - plain) * 1e6:.0f} µs, "
          f"{(strict - plain) / args.statements * 1e6:.1f} µs per statement)")


if __name__ == "__main__":
    main()
