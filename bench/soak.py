"""Soak: N minutes of mixed reads and writes against a real hub (gunicorn), reporting
the error rate, p50/p99 per kind of request and the workers' memory from start to end.

    .venv/bin/python bench/soak.py --engine sqlite --minutes 30
    .venv/bin/python bench/soak.py --engine postgresql --minutes 30
    .venv/bin/python bench/soak.py --engine sqlite --minutes 1     # a smoke run

The mix (weights in MIX): statement batches POSTed, single statements PUT, statement
queries by agent / verb / activity, a query followed through its `more` link, State
documents written and read back, and auditor transcript reads over the API.  An error
is a 5xx, a refused connection, a timeout, or any status the request should not get
(every request here is valid, so a 4xx is an error too, except a transcript read of a
person whose records have not arrived yet: 404).  Output: JSON on stdout, with the
figures by tenth of the run so a drift (errors, latency, memory) shows.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hub_process import (
    Gunicorn,
    RssSampler,
    create_partner,
    flask,
    fresh_database,
    hub_environment,
)
from load import percentile
from workload import ADL, Workload

MIX = {"post_batch": 30, "put_statement": 10, "query": 25, "query_more": 5, "state": 15,
       "transcript": 15}
BATCH = 20
AGENCY = "Badan Soak"
XAPI = {"X-Experience-API-Version": "1.0.3"}


@dataclass
class Tally:
    """Outcomes of one kind of request, in tenths of the run."""

    latencies: list[list[float]] = field(default_factory=lambda: [[] for _ in range(10)])
    errors: list[int] = field(default_factory=lambda: [0] * 10)
    samples: list[str] = field(default_factory=list)  # the first few errors, for reading

    def add(self, tenth: int, seconds: float, error: str | None) -> None:
        self.latencies[tenth].append(seconds)
        if error:
            self.errors[tenth] += 1
            if len(self.samples) < 5:
                self.samples.append(error)

    def report(self) -> dict:
        every = [s for tenth in self.latencies for s in tenth]
        count = len(every)
        return {
            "requests": count, "errors": sum(self.errors),
            "error_rate": round(sum(self.errors) / count, 6) if count else None,
            "p50_ms": _ms(percentile(every, 50)), "p99_ms": _ms(percentile(every, 99)),
            "p99_ms_by_tenth": [_ms(percentile(t, 99)) for t in self.latencies],
            "errors_by_tenth": self.errors, "error_samples": self.samples,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


class Soak:
    def __init__(self, base_url: str, partner_auth: tuple[str, str],
                 auditor_auth: tuple[str, str], workload: Workload, seconds: float) -> None:
        self.base_url, self.workload = base_url, workload
        self.partner_auth, self.auditor_auth = partner_auth, auditor_auth
        self.seconds = seconds
        self.tallies = {kind: Tally() for kind in MIX}
        self._next_index = 0
        self._lock = threading.Lock()
        self._posted: list[dict] = []  # a sample of stored statements, for reads
        self.transcripts_not_found = 0

    def run(self, clients: int) -> None:
        self.began = time.monotonic()
        threads = [threading.Thread(target=self._client, args=(seed,), daemon=True)
                   for seed in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _indices(self, count: int) -> range:
        with self._lock:
            start, self._next_index = self._next_index, self._next_index + count
        return range(start, start + count)

    def _client(self, seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        kinds, weights = list(MIX), list(MIX.values())
        while (elapsed := time.monotonic() - self.began) < self.seconds:
            kind = rng.choices(kinds, weights)[0]
            if kind in ("query", "query_more", "state", "transcript") and not self._posted:
                kind = "post_batch"
            tenth = min(9, int(elapsed * 10 / self.seconds))
            start = time.perf_counter()
            try:
                error = getattr(self, "_" + kind)(session, rng)
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"[:200]
            self.tallies[kind].add(tenth, time.perf_counter() - start, error)

    # --- the requests: each returns None, or what was wrong ---------------------------
    def _statement(self, index: int) -> dict:
        return self.workload.statement(index, 10_000_000)

    def _remember(self, statement: dict) -> None:
        with self._lock:
            if len(self._posted) < 5000:
                self._posted.append(statement)
            else:
                self._posted[random.randrange(5000)] = statement

    def _sample(self, rng: random.Random) -> dict:
        with self._lock:
            return rng.choice(self._posted)

    def _post_batch(self, session: requests.Session, rng: random.Random) -> str | None:
        batch = [self._statement(i) for i in self._indices(BATCH)]
        response = session.post(self.base_url + "/xapi/statements", json=batch,
                                auth=self.partner_auth, headers=XAPI, timeout=60)
        if response.status_code != 200:
            return f"POST statements {response.status_code}: {response.text[:200]}"
        self._remember(batch[rng.randrange(BATCH)])
        return None

    def _put_statement(self, session: requests.Session, rng: random.Random) -> str | None:
        statement = self._statement(self._indices(1)[0])
        response = session.put(self.base_url + "/xapi/statements", json=statement,
                               params={"statementId": statement["id"]},
                               auth=self.partner_auth, headers=XAPI, timeout=60)
        if response.status_code != 204:
            return f"PUT statement {response.status_code}: {response.text[:200]}"
        self._remember(statement)
        return None

    def _query(self, session: requests.Session, rng: random.Random) -> str | None:
        statement = self._sample(rng)
        params = rng.choice([{"agent": json.dumps(statement["actor"])},
                             {"verb": statement["verb"]["id"]},
                             {"activity": statement["object"]["id"]}])
        return self._get_statements(session, {**params, "limit": "25"})

    def _query_more(self, session: requests.Session, rng: random.Random) -> str | None:
        response = session.get(self.base_url + "/xapi/statements",
                               params={"verb": ADL + "experienced", "limit": "10"},
                               auth=self.partner_auth, headers=XAPI, timeout=60)
        if response.status_code != 200:
            return f"GET statements {response.status_code}: {response.text[:200]}"
        more = response.json().get("more")
        if not more:
            return None
        follow = session.get(self.base_url + more, auth=self.partner_auth, headers=XAPI,
                             timeout=60)
        return None if follow.status_code == 200 else \
            f"GET more {follow.status_code}: {follow.text[:200]}"

    def _get_statements(self, session: requests.Session, params: dict) -> str | None:
        response = session.get(self.base_url + "/xapi/statements", params=params,
                               auth=self.partner_auth, headers=XAPI, timeout=60)
        return None if response.status_code == 200 else \
            f"GET statements {response.status_code}: {response.text[:200]}"

    def _state(self, session: requests.Session, rng: random.Random) -> str | None:
        statement = self._sample(rng)
        params = {"activityId": statement["object"]["id"],
                  "agent": json.dumps(statement["actor"]), "stateId": "bookmark"}
        body = {"page": rng.randrange(100), "at": str(uuid.uuid4())}
        url = self.base_url + "/xapi/activities/state"
        put = session.put(url, params=params, json=body, auth=self.partner_auth,
                          headers=XAPI, timeout=60)
        if put.status_code != 204:
            return f"PUT state {put.status_code}: {put.text[:200]}"
        got = session.get(url, params=params, auth=self.partner_auth, headers=XAPI, timeout=60)
        if got.status_code != 200:
            return f"GET state {got.status_code}: {got.text[:200]}"
        return None

    def _transcript(self, session: requests.Session, rng: random.Random) -> str | None:
        statement = self._sample(rng)
        nip, year = statement["actor"]["account"]["name"], statement["timestamp"][:4]
        response = session.get(f"{self.base_url}/api/transcripts/people/{nip}/transcripts/{year}",
                               auth=self.auditor_auth, timeout=60)
        if response.status_code == 404:  # nothing of that person counted yet
            with self._lock:
                self.transcripts_not_found += 1
            return None
        if response.status_code == 200:
            return None
        return f"GET transcript {response.status_code}: {response.text[:200]}"

    def report(self) -> dict:
        per_kind = {kind: tally.report() for kind, tally in self.tallies.items()}
        requests_total = sum(r["requests"] for r in per_kind.values())
        errors_total = sum(r["errors"] for r in per_kind.values())
        return {"requests": requests_total, "errors": errors_total,
                "error_rate": round(errors_total / requests_total, 6) if requests_total else None,
                "requests_per_s": round(requests_total / self.seconds, 1),
                "statements_sent": self._next_index,
                "transcript_reads_404": self.transcripts_not_found, "by_kind": per_kind}


def roster_csv(workload: Workload) -> str:
    lines = ["nip,nama,jenis_pegawai,instansi,unit_kerja,email"]
    lines += [f"{workload.nip(i)},ASN {i},PNS,{AGENCY},Unit {i % 20:02d},asn{i}@soak.go.id"
              for i in range(workload.agents)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--people", type=int, default=2000, help="civil servants in the roster")
    args = parser.parse_args()

    workload = Workload(seed=20261203, agents=args.people)
    with tempfile.TemporaryDirectory(prefix="hub-soak-") as scratch, \
            fresh_database(args.engine) as url:
        env = hub_environment(url)
        flask(env, "db", "upgrade")
        partner = create_partner(env)
        auditor = _auditor(env)
        roster = Path(scratch) / "roster.csv"
        roster.write_text(roster_csv(workload), encoding="utf-8")
        flask(env, "transcripts", "roster", "import", str(roster))
        server = Gunicorn(env, args.workers, Path(scratch) / "gunicorn.log")
        server.start()
        try:
            soak = Soak(server.base_url, partner.auth, auditor, workload, args.minutes * 60)
            print(f"soak: {args.engine}, {args.minutes} min, {args.workers} workers, "
                  f"{args.clients} clients", file=sys.stderr)
            with RssSampler(server, interval=5.0) as memory:
                soak.run(args.clients)
            result = {"engine": args.engine, "minutes": args.minutes, "workers": args.workers,
                      "clients": args.clients, **soak.report(), "memory": memory.report(),
                      "cpu_s": memory.cpu_report()}
        finally:
            server.stop()
            log = (Path(scratch) / "gunicorn.log").read_text(errors="replace")
        result["server_log_tracebacks"] = log.count("Traceback")
    print(json.dumps(result, indent=2))


def _auditor(env: dict[str, str]) -> tuple[str, str]:
    import re

    output = flask(env, "credentials", "create", "--name", "soak auditor", "--owner",
                   "bench/soak.py", "--scope", "auditor")
    key = re.search(r"^key:\s+(\S+)", output, re.MULTILINE)
    secret = re.search(r"^secret:\s+(\S+)", output, re.MULTILINE)
    if not key or not secret:
        raise RuntimeError(f"cannot read key/secret from:\n{output}")
    return key.group(1), secret.group(1)


if __name__ == "__main__":
    main()
