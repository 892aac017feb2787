"""The findings store: the only code that writes SQL (SQLite WAL by default, PostgreSQL too)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from audit._sqlite import enable_wal
from audit.errors import StoreError
from audit.store import schema
from audit.store._sql import dialect_insert, insert_ignore
from audit.store.monitoring import MonitoringStore
from audit.types import Finding, Metric, Run, as_utc, utcnow

__all__ = ["MonitoringStore", "Store", "open_store"]

_MIGRATIONS = Path(__file__).parent / "migrations"
_migrate_lock = threading.Lock()


def _normalise_url(url: str) -> str:
    # A plain postgresql:// URL means the psycopg 3 driver we ship, not psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (Alembic); safe to call on every open."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with _migrate_lock, engine.begin() as conn:
        # Two processes opening a new store at once both saw no tables and both ran 0001
        # ("table alembic_version already exists"): take the database's write lock before
        # alembic reads the revision, so the second waits and then finds the schema current.
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7305817)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store(MonitoringStore):
    """Runs, metrics and findings in one database. Construct with `open_store(url)`."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for printing."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def location(self) -> str:
        """Where the data is: the absolute SQLite file path, or the hidden-password URL."""
        u = make_url(self.url)
        if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
            return str(Path(u.database).resolve())
        return self.display_url

    # -- writes ----------------------------------------------------------------------------
    def write_run(self, run: Run, metrics: Sequence[Metric], findings: Sequence[Finding],
                  samples: Sequence[Any] = ()) -> None:
        """Write a run with all its metrics, findings and item-level samples in one transaction
        (all or nothing)."""
        r = run.to_dict()
        row = {
            "run_id": run.run_id, "model_name": run.model.get("name", ""),
            "model_sha256": run.model.get("sha256", ""), "model": run.model,
            "suites": list(run.suites), "data": run.data, "seed": run.seed,
            "config_hash": run.config_hash, "config": r["config"], "versions": run.versions,
            "host": run.host, "started_at": run.started_at, "ended_at": run.ended_at,
            "status": run.status, "timings": run.timings, "categories": run.categories,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert_ignore(self.engine, schema.runs), [row])
                if metrics:
                    conn.execute(insert_ignore(self.engine, schema.metrics),
                                 [self._metric_row(m) for m in metrics])
                if findings:
                    conn.execute(insert_ignore(self.engine, schema.findings),
                                 [self._finding_row(f) for f in findings])
                if samples:
                    from audit.store._samples import write_samples

                    write_samples(conn, self.engine, run.run_id, samples)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not write run {run.run_id} to {self.display_url}: "
                             f"{type(exc).__name__}", "check the store is writable") from exc

    def write_findings(self, findings: Iterable[Finding], conn: Any = None) -> int:
        """Insert findings, skipping ids already stored; returns how many were new."""
        rows = list({r["finding_id"]: r for r in (self._finding_row(f) for f in findings)}.values())
        if not rows:
            return 0
        stmt = insert_ignore(self.engine, schema.findings)
        t = schema.findings

        def _write(c: Any) -> int:
            # executemany rowcounts are not portable (psycopg reports -1): count what exists.
            existing = 0
            ids = [r["finding_id"] for r in rows]
            for i in range(0, len(ids), 500):
                existing += c.execute(select(func.count()).select_from(t).where(
                    t.c.finding_id.in_(ids[i:i + 500]))).scalar_one()
            c.execute(stmt, rows)
            return len(rows) - existing

        if conn is not None:
            return _write(conn)
        with self.engine.begin() as c:
            return _write(c)

    @staticmethod
    def _metric_row(m: Metric) -> dict[str, Any]:
        return {"metric_id": m.metric_id, "run_id": m.run_id, "suite": m.suite, "name": m.name,
                "grp": m.group, "value": m.value, "n": m.n, "ci_low": m.ci_low,
                "ci_high": m.ci_high, "details": m.details}

    @staticmethod
    def _finding_row(f: Finding) -> dict[str, Any]:
        d = f.to_dict()
        return {"finding_id": f.finding_id, "run_id": f.run_id, "source": f.source,
                "suite": f.suite, "probe": f.probe, "case_id": f.case_id,
                "severity": f.severity, "grp": f.group, "evidence": f.evidence,
                "details": d["details"], "attribution": f.attribution,
                "created_at": f.created_at}

    # -- reads -----------------------------------------------------------------------------
    @staticmethod
    def _run(row: Any) -> Run:
        return Run(run_id=row.run_id, model=row.model, suites=tuple(row.suites), data=row.data,
                   seed=row.seed, config_hash=row.config_hash, config=row.config,
                   versions=row.versions, host=row.host, started_at=as_utc(row.started_at),
                   ended_at=as_utc(row.ended_at), status=row.status, timings=row.timings,
                   categories=dict(row.categories or {}))

    def runs(self, limit: int | None = None, model_sha256: str | None = None) -> list[Run]:
        """Runs, newest first."""
        q = select(schema.runs).order_by(schema.runs.c.started_at.desc())
        if model_sha256:
            q = q.where(schema.runs.c.model_sha256 == model_sha256)
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [self._run(r) for r in conn.execute(q)]

    def get_run(self, run_id: str) -> Run:
        """A run by id or unique id prefix; StoreError when absent or ambiguous."""
        t = schema.runs
        with self.engine.connect() as conn:
            rows = list(conn.execute(select(t).where(t.c.run_id.startswith(run_id)).limit(2)))
        if not rows:
            raise StoreError(f"no run {run_id!r} in {self.display_url}",
                             "list runs with `assay runs`")
        if len(rows) > 1 and rows[0].run_id != run_id:
            raise StoreError(f"run id prefix {run_id!r} is ambiguous", "give more characters")
        return self._run(rows[0])

    def latest_run(self, model_sha256: str | None = None, before: datetime | None = None) -> Run | None:
        q = select(schema.runs).order_by(schema.runs.c.started_at.desc()).limit(1)
        if model_sha256:
            q = q.where(schema.runs.c.model_sha256 == model_sha256)
        if before is not None:
            q = q.where(schema.runs.c.started_at < before)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return self._run(row) if row else None

    def metrics(self, run_id: str, suite: str | None = None) -> list[Metric]:
        t = schema.metrics
        q = select(t).where(t.c.run_id == run_id).order_by(t.c.suite, t.c.name, t.c.grp)
        if suite:
            q = q.where(t.c.suite == suite)
        with self.engine.connect() as conn:
            return [Metric(run_id=r.run_id, suite=r.suite, name=r.name, value=r.value, n=r.n,
                           ci_low=r.ci_low, ci_high=r.ci_high, group=r.grp, details=r.details)
                    for r in conn.execute(q)]

    def _finding_query(self, run_id: str | None, source: str | None, suite: str | None,
                       severity: str | None) -> Any:
        t = schema.findings
        q = select(t)
        if run_id:
            q = q.where(t.c.run_id == run_id)
        if source:
            q = q.where(t.c.source == source)
        if suite:
            q = q.where(t.c.suite == suite)
        if severity:
            q = q.where(t.c.severity == severity)
        return q

    def findings(self, run_id: str | None = None, source: str | None = None,
                 suite: str | None = None, severity: str | None = None,
                 limit: int | None = None, offset: int = 0) -> list[Finding]:
        """Findings, newest first, filtered and paginated in SQL."""
        t = schema.findings
        q = self._finding_query(run_id, source, suite, severity).order_by(
            t.c.created_at.desc(), t.c.finding_id)
        if limit:
            q = q.limit(limit)
        if offset:
            q = q.offset(offset)
        with self.engine.connect() as conn:
            return [Finding(run_id=r.run_id, source=r.source, suite=r.suite, probe=r.probe,
                            case_id=r.case_id, severity=r.severity, group=r.grp,
                            evidence=r.evidence, details=r.details, attribution=r.attribution,
                            created_at=as_utc(r.created_at)) for r in conn.execute(q)]

    def count_findings(self, run_id: str | None = None, source: str | None = None,
                       suite: str | None = None, severity: str | None = None) -> int:
        q = self._finding_query(run_id, source, suite, severity).subquery()
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(q)).scalar_one())

    # -- PII secret ------------------------------------------------------------------------
    def secret_fingerprint(self) -> str | None:
        """Fingerprint of the HMAC key this store's keyed hashes are made with (None: no key yet)."""
        t = schema.pii_secrets
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.fingerprint).order_by(
                t.c.first_seen.desc()).limit(1)).first()
        return row.fingerprint if row else None

    def record_secret_fingerprint(self, fingerprint: str, how: str) -> None:
        """Make `fingerprint` the store's current key (`how`: "first use" or "accepted new")."""
        row = {"fingerprint": fingerprint, "first_seen": utcnow(), "how": how}
        try:
            with self.engine.begin() as conn:
                stmt = dialect_insert(self.engine)(schema.pii_secrets).values(**row)
                # a key accepted again (switching back) becomes current again
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=["fingerprint"],
                    set_={"first_seen": row["first_seen"], "how": how}))
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record the PII secret fingerprint in {self.display_url}:"
                             f" {type(exc).__name__}", "check the store is writable") from exc

    def samples(self, run_id: str, suite: str | None = None) -> list[Any]:
        """Item-level samples of a run (audit.samples.Sample), of one suite if given."""
        from audit.store._samples import read_samples

        return read_samples(self.engine, run_id, suite)

    def sample_suites(self, run_id: str) -> dict[str, int]:
        """{suite: sample count} stored for a run."""
        from audit.store._samples import sample_suites

        return sample_suites(self.engine, run_id)

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    enable_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_store(url: str, create: bool = True) -> Store:
    """Open (and migrate) the store at `url`; StoreError with a one-line fix when it cannot."""
    raw = url
    try:
        parsed = make_url(_normalise_url(url))
    except ArgumentError:
        raise StoreError(f"store URL {raw!r} is not a database URL",
                         "use sqlite:///path/to/assay.db or postgresql://user@host/db") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        parent = Path(parsed.database).expanduser().resolve().parent
        if not parent.is_dir():
            raise StoreError(f"store directory {parent} does not exist",
                             "create it or pass another --store / ASSAY_STORE")
        if not create and not Path(parsed.database).exists():
            raise StoreError(f"no store at {parsed.database}",
                             "run `assay audit` first or pass --store")
    try:
        kwargs: dict[str, Any] = {}
        if backend == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 5}
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"unsupported store URL {raw!r}: {exc}",
                         "use a sqlite:// or postgresql:// URL") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(f"cannot open store {parsed.render_as_string(hide_password=True)}: "
                         f"{reason}", "check the URL, that the server is running and that you "
                         "may write there") from None
    return Store(engine, parsed.render_as_string(hide_password=False))
