"""The hub's worker (`flask --app wsgi worker`) under tracemalloc, for
bench/forwarding.py --trace-worker-memory:

    python bench/traced_worker.py OUT.txt      (run from the hub's source directory)

Where the worker's memory goes: a snapshot on SIGUSR2 (the benchmark sends it when
phase 2 starts: the imports, the first batches and the connection pools are in by then)
and one when the worker stops (SIGTERM); OUT.txt gets the lines whose allocations grew
most between the two, and the traced total at each.  Growth that stays there is a
leak; RSS that grows while the traced total does not is the allocator keeping freed
memory.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import tracemalloc

sys.path.insert(0, os.getcwd())  # the hub under test, not bench/

FRAMES = 8  # enough to see which feature's code allocated


def main(output: str) -> None:
    from flask.cli import main as flask_main

    tracemalloc.start(FRAMES)
    first: list[tracemalloc.Snapshot] = []
    signal.signal(signal.SIGUSR2, lambda signum, frame: first.append(tracemalloc.take_snapshot()))

    def dump() -> None:
        last = tracemalloc.take_snapshot()
        with open(output, "w", encoding="utf-8") as out:
            current, peak = tracemalloc.get_traced_memory()
            out.write(f"traced now {current / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB\n")
            if not first:
                out.write("stopped before the first snapshot (SIGUSR2)\n")
                return
            total = sum(stat.size for stat in first[-1].statistics("filename"))
            out.write(f"traced at the first snapshot: {total / 2**20:.1f} MiB\n")
            out.write("grown most since then (by allocating traceback):\n")
            for stat in last.compare_to(first[-1], "traceback")[:15]:
                out.write(f"{stat.size_diff / 2**10:+9.1f} KiB {stat.count_diff:+7d} blocks\n")
                for line in stat.traceback.format()[-2 * FRAMES:]:
                    out.write(f"    {line}\n")

    atexit.register(dump)
    sys.argv = ["flask", "--app", "wsgi", "worker"]
    flask_main()


if __name__ == "__main__":
    main(sys.argv[1])
