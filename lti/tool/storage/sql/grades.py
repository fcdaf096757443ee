"""SQL store for durable AGS grade-passback jobs and the feed cursor behind them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, func, or_, select, update

from hub.storage.sql.common import aware, connection, transaction, upsert, utc
from lti.tool.storage.contract import GradeJob
from lti.tool.storage.sql.tables import lti_cursors, lti_grade_jobs

jobs = lti_grade_jobs


class SqlLtiGradeStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def enqueue_jobs(self, new_jobs: Sequence[GradeJob]) -> int:
        inserted = 0
        with transaction(self._engine) as conn:
            for job in new_jobs:
                inserted += conn.execute(upsert(conn, jobs).values(
                    platform_id=job.platform_id, resource_link_id=job.resource_link_id,
                    sub=job.sub, statement_id=job.statement_id, score_given=job.score_given,
                    score_maximum=job.score_maximum, activity_progress=job.activity_progress,
                    grading_progress=job.grading_progress, timestamp=job.timestamp,
                    status=job.status, attempts=job.attempts,
                    next_attempt_at=utc(job.next_attempt_at), created_at=utc(job.created_at),
                ).on_conflict_do_nothing().returning(jobs.c.id)).first() is not None
                # (rowcount is -1 for ON CONFLICT on psycopg: count the returned row)
        return inserted

    def claim_due_jobs(self, now: datetime, lease_until: datetime, limit: int
                       ) -> list[GradeJob]:
        due = (jobs.c.status == "pending", jobs.c.next_attempt_at <= utc(now),
               or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < utc(now)))
        with connection(self._engine) as conn:
            candidates = conn.execute(select(jobs.c.id).where(*due)
                                      .order_by(jobs.c.next_attempt_at, jobs.c.id)
                                      .limit(limit)).scalars().all()
        claimed = []
        for job_id in candidates:
            # A conditional UPDATE is the lease: of two workers only one changes the row.
            with transaction(self._engine) as conn:
                won = conn.execute(update(jobs).where(jobs.c.id == job_id, *due)
                                   .values(lease_until=utc(lease_until),
                                           attempts=jobs.c.attempts + 1)).rowcount == 1
                if won:
                    claimed.append(_job(conn.execute(select(jobs).where(jobs.c.id == job_id)
                                                     ).one()))
        return claimed

    def complete_job(self, job_id: int, when: datetime) -> None:
        with transaction(self._engine) as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(
                status="done", done_at=utc(when), lease_until=None, last_error=None))

    def retry_job(self, job_id: int, error: str, next_attempt_at: datetime | None) -> None:
        values = ({"status": "failed"} if next_attempt_at is None
                  else {"next_attempt_at": utc(next_attempt_at)})
        with transaction(self._engine) as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(
                last_error=error[:2000], lease_until=None, **values))

    def list_jobs(self, status: str | None = None) -> list[GradeJob]:
        query = select(jobs).order_by(jobs.c.id)
        if status is not None:
            query = query.where(jobs.c.status == status)
        with connection(self._engine) as conn:
            return [_job(row) for row in conn.execute(query)]

    def latest_results(self, platform_id: int, resource_link_ids: Iterable[str],
                       sub: str | None = None) -> list[GradeJob]:
        link_ids = list(resource_link_ids)
        if not link_ids:
            return []
        newest = (select(func.max(jobs.c.id))
                  .where(jobs.c.platform_id == platform_id,
                         jobs.c.resource_link_id.in_(link_ids),
                         *( [jobs.c.sub == sub] if sub is not None else []))
                  .group_by(jobs.c.resource_link_id, jobs.c.sub))
        with connection(self._engine) as conn:
            rows = conn.execute(select(jobs).where(jobs.c.id.in_(newest))
                                .order_by(jobs.c.resource_link_id, jobs.c.sub)).all()
        return [_job(row) for row in rows]

    def get_cursor(self, name: str) -> int:
        with connection(self._engine) as conn:
            return conn.execute(select(lti_cursors.c.seq).where(lti_cursors.c.name == name)
                                ).scalar() or 0

    def set_cursor(self, name: str, seq: int) -> None:
        with transaction(self._engine) as conn:
            statement = upsert(conn, lti_cursors).values(name=name, seq=seq)
            conn.execute(statement.on_conflict_do_update(
                index_elements=[lti_cursors.c.name], set_={"seq": statement.excluded.seq}))


def _job(row: Row[Any]) -> GradeJob:
    return GradeJob(
        id=row.id, platform_id=row.platform_id, resource_link_id=row.resource_link_id,
        sub=row.sub, statement_id=row.statement_id, score_given=row.score_given,
        score_maximum=row.score_maximum, activity_progress=row.activity_progress,
        grading_progress=row.grading_progress, timestamp=row.timestamp, status=row.status,
        attempts=row.attempts, next_attempt_at=aware(row.next_attempt_at),
        last_error=row.last_error, created_at=aware(row.created_at),
        done_at=aware(row.done_at))
