"""`flask --app wsgi worker [--only LOOP ...]` runs every background loop;
`flask --app wsgi worker status [--json]` shows the workers and each loop's lag."""

from __future__ import annotations

import faulthandler
import signal

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from connectors.runtime import Worker, WorkerOptions
from connectors.status import status_json, worker_status


@click.group("worker", cls=AppGroup, invoke_without_command=True)
@click.option("--only", multiple=True, metavar="LOOP",
              help="Run only these loops (repeatable); default: all of them.")
@click.pass_context
@with_appcontext
def worker_group(context: click.Context, only: tuple[str, ...]) -> None:
    """The hub's worker: every background loop (transcripts, LTI grades, forwarding,
    pulling, imports, webhooks) until SIGTERM or SIGINT, which finish the steps in
    flight and stop.  `worker status` shows what the workers are doing."""
    if context.invoked_subcommand is not None:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.extensions["hub.settings"].worker
    options = WorkerOptions(lease_seconds=settings.lease_seconds,
                            heartbeat_seconds=settings.heartbeat_seconds,
                            renew_seconds=max(1.0, settings.lease_seconds / 6))
    worker = Worker(app, options, only=frozenset(only) or None)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    # `kill -USR1 <pid>` prints every thread's stack on stderr: what a stuck unit waits on.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    worker.run()


@worker_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="The admin API's JSON.")
def status(as_json: bool) -> None:
    """Workers alive and each loop's lag (items behind, age of the oldest) and last error."""
    import json

    state = worker_status()
    if as_json:
        click.echo(json.dumps(status_json(state), indent=2))
        return
    for w in state.workers:
        click.echo(f"worker {w.id}  {'alive' if state.alive(w) else 'gone'}  "
                   f"heartbeat {w.heartbeat_at:%Y-%m-%d %H:%M:%S}Z")
    if not state.workers:
        click.echo("no worker is running (start one: flask --app wsgi worker)")
    for unit in state.units:
        oldest = f", oldest {unit.oldest_seconds:.0f} s" if unit.oldest_seconds else ""
        holder = unit.holder if state.held(unit) else "nobody"
        click.echo(f"{unit.name:<40} held by {holder}; {unit.behind} behind{oldest}; "
                   f"{unit.processed} processed")
        if unit.last_error:
            click.echo(f"    last error ({unit.last_error_at:%Y-%m-%d %H:%M:%S}Z): "
                       f"{unit.last_error}")
