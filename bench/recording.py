"""What a benchmark does around its run (bench/run.py, bench/forwarding.py): SIGTERM
unwinds like Ctrl-C, so servers are stopped and databases dropped; the results are
written to bench/results/ whatever happened — marked incomplete, with the error, when
the run did not finish — and summed up on stdout."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_and_record(run: Callable[[dict], None], name: Callable[[dict], str],
                   summary: Callable[[dict], str]) -> int:
    """`run(results)` fills `results`; then they go to RESULTS/<name(results)>.json
    (`-incomplete.json` after an error or an interrupt, which is raised again), and
    `summary(results)` is printed once the run got as far as its machine and config."""
    signal.signal(signal.SIGTERM, _interrupt)
    began = time.monotonic()
    results: dict = {}
    try:
        run(results)
    except BaseException as error:
        results["incomplete"] = repr(error)
        raise
    finally:
        results["wall_seconds"] = round(time.monotonic() - began)
        RESULTS.mkdir(exist_ok=True)
        partial = "-incomplete" if "incomplete" in results else ""
        path = RESULTS / f"{name(results)}{partial}.json"
        path.write_text(json.dumps(results, indent=2, default=str))
        if "machine" in results and "config" in results:
            print(summary(results))
        print(f"results: {path}")
    return 0
