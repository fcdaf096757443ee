"""Load and measure: bulk preload through the store, HTTP ingest, latencies of single
POSTs and of statement queries.  Only 127.0.0.1 is ever contacted; every loop is
bounded by a count and a deadline."""

from __future__ import annotations

import json
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from workload import ADL, SEQUENCE, Workload

XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
REQUEST_TIMEOUT = 120


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summary_ms(seconds: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": _round(percentile(ms, 50)),
            "p95_ms": _round(percentile(ms, 95)), "max_ms": _round(max(ms) if ms else None)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _session(auth: tuple[str, str]) -> requests.Session:
    session = requests.Session()
    session.auth = auth
    session.headers.update(XAPI_HEADERS)
    session.trust_env = False  # no proxy: the hub is on 127.0.0.1
    return session


# --- preload ------------------------------------------------------------------------
@dataclass(frozen=True)
class PreloadJob:
    url: str
    workload: Workload
    start: int
    stop: int
    total: int
    authority: dict[str, Any]
    history_end: datetime
    batch: int = 1000


def _preload_chunk(job: PreloadJob) -> int:
    """Build records as the statement operations do and insert them through the store."""
    from hub.app import open_hub_storage
    from lrs.statements.records import build_record, complete_statement
    from lrs.statements.storing import save_statements

    storage = _preload_chunk.storages.get(job.url)  # type: ignore[attr-defined]
    if storage is None:
        storage = _preload_chunk.storages[job.url] = open_hub_storage(job.url)  # type: ignore
    span = timedelta(days=400)
    for first in range(job.start, job.stop, job.batch):
        records = []
        for index in range(first, min(first + job.batch, job.stop)):
            statement = job.workload.statement(index, job.total)
            # `stored` grows with the index, ending where HTTP ingest takes over.
            moment = job.history_end - span * (1 - index / job.total)
            stored = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            full = complete_statement(statement, version="1.0.3", stored=stored,
                                      authority=job.authority)
            records.append(build_record(full, received=statement, stored=stored,
                                        attachment_hashes=(), learn_definitions=True))
        save_statements(storage, records)
    return job.stop - job.start


_preload_chunk.storages = {}  # type: ignore[attr-defined]


def preload(url: str, workload: Workload, count: int, total: int, authority: dict[str, Any],
            processes: int, progress: Callable[[int], None]) -> dict[str, Any]:
    chunk = 20_000
    end = datetime.now(UTC)
    jobs = [PreloadJob(url, workload, start, min(start + chunk, count), total, authority, end)
            for start in range(0, count, chunk)]
    began = time.perf_counter()
    done = 0
    with ProcessPoolExecutor(max_workers=processes) as pool:
        for inserted in pool.map(_preload_chunk, jobs):
            done += inserted
            progress(done)
    seconds = time.perf_counter() - began
    return {"statements": done, "seconds": round(seconds, 1),
            "statements_per_s": round(done / seconds) if seconds else None,
            "processes": processes}


# --- HTTP ingest ----------------------------------------------------------------------
def batch_bodies(workload: Workload, start: int, count: int, total: int,
                 batch: int) -> list[tuple[int, bytes]]:
    """Request bodies made before the clock starts, so client CPU stays out of the figure."""
    bodies = []
    for first in range(start, start + count, batch):
        size = min(batch, start + count - first)
        statements = [workload.statement(i, total) for i in range(first, first + size)]
        bodies.append((size, json.dumps(statements, ensure_ascii=False).encode()))
    return bodies


@dataclass
class IngestResult:
    statements: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    finished_at: list[tuple[float, int]] = field(default_factory=list)  # (t, statements)
    seconds: float = 0.0
    timed_out: bool = False

    def report(self) -> dict[str, Any]:
        rate = self.statements / self.seconds if self.seconds else 0
        return {"statements": self.statements, "batches": self.batches,
                "seconds": round(self.seconds, 1), "statements_per_s": round(rate),
                "batch_latency": summary_ms(self.latencies), "errors": len(self.errors),
                "first_errors": self.errors[:5], "timed_out": self.timed_out,
                "rate_by_tenth": self._rate_by_tenth()}

    def _rate_by_tenth(self) -> list[int]:
        """Statements/s in each tenth of the run: a falling rate shows a growing cost."""
        if not self.finished_at or not self.seconds:
            return []
        tenth = self.seconds / 10
        counts = [0] * 10
        for moment, size in self.finished_at:
            counts[min(9, int(moment / tenth))] += size
        return [round(c / tenth) for c in counts]


def ingest(base_url: str, auth: tuple[str, str], bodies: list[tuple[int, bytes]], *,
           clients: int, time_limit: float, rate: float | None = None) -> IngestResult:
    """POST every body from `clients` threads, each with its own session; with `rate`
    (statements/s) no body leaves before its turn on that schedule (late ones go at once)."""
    work: queue.Queue[tuple[float, int, bytes]] = queue.Queue()
    due = 0.0
    for size, body in bodies:
        work.put((due, size, body))
        due += size / rate if rate else 0.0
    result = IngestResult()
    lock = threading.Lock()
    began = time.perf_counter()
    deadline = began + time_limit

    def client() -> None:
        session = _session(auth)
        while time.perf_counter() < deadline:
            try:
                turn, size, body = work.get_nowait()
            except queue.Empty:
                return
            if (wait := began + turn - time.perf_counter()) > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            try:
                response = session.post(base_url + "/xapi/statements", data=body,
                                        timeout=REQUEST_TIMEOUT)
                ok = response.status_code == 200
                problem = None if ok else f"{response.status_code}: {response.text[:300]}"
            except requests.RequestException as exc:
                ok, problem = False, repr(exc)
            now = time.perf_counter()
            with lock:
                result.batches += 1
                result.latencies.append(now - sent)
                if ok:
                    result.statements += size
                    result.finished_at.append((now - began, size))
                else:
                    result.errors.append(problem)

    threads = [threading.Thread(target=client, daemon=True, name=f"ingest-{n}")
               for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()) + REQUEST_TIMEOUT + 5)
    result.seconds = time.perf_counter() - began
    result.timed_out = not work.empty()
    return result


def single_posts(base_url: str, auth: tuple[str, str], statements: Iterable[dict], *,
                 time_limit: float) -> dict[str, Any]:
    session = _session(auth)
    latencies, errors = [], []
    deadline = time.perf_counter() + time_limit
    for statement in statements:
        if time.perf_counter() > deadline:
            break
        body = json.dumps(statement, ensure_ascii=False).encode()
        sent = time.perf_counter()
        response = session.post(base_url + "/xapi/statements", data=body,
                                timeout=REQUEST_TIMEOUT)
        latencies.append(time.perf_counter() - sent)
        if response.status_code != 200:
            errors.append(f"{response.status_code}: {response.text[:300]}")
    return {**summary_ms(latencies), "errors": len(errors), "first_errors": errors[:5]}


# --- queries --------------------------------------------------------------------------
QUERY_SHAPES = ("agent", "verb", "activity", "agent+verb", "since", "since_recent", "registration",
                "related_activities", "more")


@dataclass(frozen=True)
class StoredRange:
    oldest: datetime
    newest: datetime
    recent: tuple[str, ...]  # `stored` of the 50 newest statements, as served


def stored_range(base_url: str, auth: tuple[str, str]) -> StoredRange:
    session = _session(auth)
    served = {}
    for ascending, limit in (("true", "1"), ("false", "50")):
        response = session.get(base_url + "/xapi/statements",
                               params={"limit": limit, "ascending": ascending, "format": "ids"},
                               timeout=REQUEST_TIMEOUT)
        response.raise_for_status()
        served[ascending] = [s["stored"] for s in response.json()["statements"]]
    return StoredRange(_parse(served["true"][0]), _parse(served["false"][0]),
                       tuple(served["false"][1:]))


def _parse(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def query_params(shape: str, workload: Workload, index: int, rng: random.Random,
                 stored: StoredRange) -> dict[str, str]:
    """Parameters of one query of `shape`, built from stored statement `index`."""
    facts = workload.facts(index)
    statement_agent = workload.agent(facts["agent"])
    agent = json.dumps({"objectType": "Agent", "account": statement_agent["account"]})
    if shape == "agent":
        return {"agent": agent}
    if shape in ("verb", "more"):
        return {"verb": ADL + rng.choice((*SEQUENCE[:4], "passed", "failed"))}
    if shape == "activity":
        return {"activity": workload.course_id(facts["course"])}
    if shape == "agent+verb":
        return {"agent": agent, "verb": ADL + facts["verb"]}
    if shape == "since":
        moment = stored.oldest + (stored.newest - stored.oldest) * rng.random()
        return {"since": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    if shape == "since_recent":
        # A client polling for what arrived since its last look: a handful of statements.
        return {"since": rng.choice(stored.recent)}
    if shape == "registration":
        return {"registration": workload.registration(facts["registration"])}
    if shape == "related_activities":
        return {"activity": workload.programme_id(facts["programme"]),
                "related_activities": "true"}
    raise ValueError(shape)


def measure_queries(base_url: str, auth: tuple[str, str], workload: Workload, loaded: int, *,
                    shapes: Iterable[str], count: int, warmup: int, page_size: int | None,
                    more_pages: int, time_limit: float) -> dict[str, Any]:
    """Latency of each query shape from one sequential client; `page_size` None sends
    no `limit` (the hub's default page size)."""
    session = _session(auth)
    stored = stored_range(base_url, auth)
    results = {}
    for shape in shapes:
        rng = random.Random(f"{shape}:{page_size}")
        indices = workload.sample_indices(loaded, count + warmup, shape)
        latencies: list[float] = []
        returned: list[int] = []
        empty = errors = 0
        deadline = time.perf_counter() + time_limit
        for n, index in enumerate(indices):
            if time.perf_counter() > deadline:
                break
            params = query_params(shape, workload, index, rng, stored)
            if page_size is not None:
                params["limit"] = str(page_size)
            timed = n >= warmup
            if shape == "more":
                first = session.get(base_url + "/xapi/statements", params=params,
                                    timeout=REQUEST_TIMEOUT)
                link = first.json().get("more") if first.status_code == 200 else None
                for _ in range(more_pages):
                    if not link:
                        break
                    seconds, status, body = _timed_get(session, base_url + link, None)
                    if status != 200:
                        errors += 1
                        break
                    if timed:
                        latencies.append(seconds)
                        returned.append(len(body["statements"]))
                    link = body.get("more")
                continue
            seconds, status, body = _timed_get(session, base_url + "/xapi/statements", params)
            if status != 200:
                errors += 1
                continue
            if timed:
                latencies.append(seconds)
                returned.append(len(body["statements"]))
                empty += not body["statements"]
        results[shape] = {**summary_ms(latencies), "errors": errors, "empty_results": empty,
                          "mean_statements": round(sum(returned) / len(returned), 1)
                          if returned else 0}
    return results


def _timed_get(session: requests.Session, url: str, params: dict[str, str] | None
               ) -> tuple[float, int, dict]:
    sent = time.perf_counter()
    response = session.get(url, params=params, timeout=REQUEST_TIMEOUT)
    response.content  # the whole body is part of the latency  # noqa: B018
    seconds = time.perf_counter() - sent
    return seconds, response.status_code, response.json() if response.status_code == 200 else {}
