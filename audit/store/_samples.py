"""Sample rows: written inside the run's transaction, read back by run and suite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from audit.samples import Sample
from audit.store import schema
from audit.store._sql import insert_ignore

__all__ = ["write_samples", "read_samples", "sample_suites"]

_CHUNK = 5000  # rows per executemany: bounded memory for a 1M-sample run


def write_samples(conn: Any, engine: Any, run_id: str, samples: Sequence[Sample]) -> None:
    """Insert `samples` of `run_id` on `conn` (the caller's transaction); duplicates are skipped."""
    stmt = insert_ignore(engine, schema.samples)
    for i in range(0, len(samples), _CHUNK):
        conn.execute(stmt, [{"run_id": run_id, "suite": s.suite, "case_id": s.case_id,
                             "grp": s.group, "margin": s.margin, "data": s.data()}
                            for s in samples[i:i + _CHUNK]])


def read_samples(engine: Any, run_id: str, suite: str | None = None) -> list[Sample]:
    """All samples of a run (of one suite if given), in case-id order."""
    t = schema.samples
    q = select(t.c.suite, t.c.case_id, t.c.grp, t.c.margin, t.c.data).where(t.c.run_id == run_id)
    if suite is not None:
        q = q.where(t.c.suite == suite)
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(t.c.suite, t.c.case_id)).all()
    return [Sample.from_row(r.suite, r.case_id, r.grp, r.margin, r.data) for r in rows]


def sample_suites(engine: Any, run_id: str) -> dict[str, int]:
    """{suite: number of samples} stored for a run."""
    t = schema.samples
    q = (select(t.c.suite, func.count()).where(t.c.run_id == run_id).group_by(t.c.suite))
    with engine.connect() as conn:
        return {s: int(n) for s, n in conn.execute(q).all()}
