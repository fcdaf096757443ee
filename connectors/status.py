"""What the worker is doing, for `flask worker status` and the admin API: the workers
alive, and per leased unit its holder, lag and last error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.storage import stores
from connectors.storage.contract import UnitStatus, WorkerRecord

ALIVE = timedelta(seconds=30)  # a worker whose heartbeat is older is reported as gone


@dataclass(frozen=True)
class WorkerStatus:
    workers: list[WorkerRecord]
    units: list[UnitStatus]
    now: datetime

    def alive(self, worker: WorkerRecord) -> bool:
        return self.now - worker.heartbeat_at < ALIVE

    def held(self, unit: UnitStatus) -> bool:
        return unit.holder is not None and unit.expires_at is not None \
            and unit.expires_at > self.now


def worker_status() -> WorkerStatus:
    store = stores().worker
    return WorkerStatus(workers=store.workers(), units=store.units(), now=datetime.now(UTC))


def _when(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def status_json(status: WorkerStatus) -> dict[str, Any]:
    return {
        "workers": [{"id": w.id, "host": w.host, "pid": w.pid, "alive": status.alive(w),
                     "started_at": _when(w.started_at), "heartbeat_at": _when(w.heartbeat_at)}
                    for w in status.workers],
        "loops": [{"name": u.name, "loop": u.loop,
                   "holder": u.holder if status.held(u) else None,
                   "lease_expires_at": _when(u.expires_at) if status.held(u) else None,
                   "behind": u.behind, "oldest_seconds": u.oldest_seconds,
                   "processed": u.processed, "last_step_at": _when(u.last_step_at),
                   "last_error": u.last_error, "last_error_at": _when(u.last_error_at)}
                  for u in status.units],
    }
