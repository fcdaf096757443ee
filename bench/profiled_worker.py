"""The hub's worker (`flask --app wsgi worker`) with its forwarding steps under cProfile,
for bench/forwarding.py --profile-worker:

    python bench/profiled_worker.py OUT.prof      (run from the hub's source directory)

cProfile follows one thread only, and the steps run in the worker's unit threads, so
`connectors.forwarding.deliver` itself is wrapped: the profile holds every forwarding
step (wall time: waiting for the destination included), nothing else.  It is written
when the worker stops (SIGTERM, as bench/hub_process.Gunicorn.stop sends).
"""

from __future__ import annotations

import atexit
import cProfile
import functools
import os
import sys
import threading
import time

sys.path.insert(0, os.getcwd())  # the hub under test, not bench/


def main(output: str) -> None:
    from flask.cli import main as flask_main

    from connectors import forwarding

    profile = cProfile.Profile()
    lock = threading.Lock()  # one Profile; several destinations would share it
    steps = {"steps": 0, "seconds": 0.0}
    deliver = forwarding.deliver

    @functools.wraps(deliver)
    def profiled(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            began = time.perf_counter()
            profile.enable()
            try:
                return deliver(*args, **kwargs)
            finally:
                profile.disable()
                steps["steps"] += 1
                steps["seconds"] += time.perf_counter() - began

    # forwarding_loop's step looks `deliver` up in the module at every call.
    forwarding.deliver = profiled

    def dump() -> None:
        profile.dump_stats(output)
        print(f"profiled_worker: {steps['steps']} forwarding steps, "
              f"{steps['seconds']:.1f} s; profile in {output}", file=sys.stderr)

    atexit.register(dump)
    sys.argv = ["flask", "--app", "wsgi", "worker"]
    flask_main()


if __name__ == "__main__":
    main(sys.argv[1])
