"""Dialect-aware INSERT helpers shared by `Store` and `MonitoringStore` (no imports of either)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert

__all__ = ["dialect_insert", "insert_ignore", "upsert_add", "upsert_max"]


def dialect_insert(engine: Any) -> Any:
    """The dialect's `insert` (it has ON CONFLICT); SQLite's for anything not PostgreSQL."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as ins
    else:
        from sqlalchemy.dialects.sqlite import insert as ins
    return ins


def insert_ignore(engine: Any, table: Any) -> Any:
    """INSERT that skips rows whose primary key exists (idempotent writes)."""
    if engine.dialect.name in ("postgresql", "sqlite"):
        return dialect_insert(engine)(table).on_conflict_do_nothing()
    return insert(table).prefix_with("IGNORE")


def upsert_add(engine: Any, table: Any, keys: list[str], add: str) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET add = add + excluded.add."""
    stmt = dialect_insert(engine)(table)
    return stmt.on_conflict_do_update(index_elements=keys,
                                      set_={add: table.c[add] + stmt.excluded[add]})


def upsert_max(engine: Any, table: Any, keys: list[str], col: str) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET col = greatest(col, excluded.col)."""
    biggest = func.greatest if engine.dialect.name == "postgresql" else func.max
    stmt = dialect_insert(engine)(table)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={col: biggest(table.c[col], stmt.excluded[col]),
                                   "updated_at": stmt.excluded.updated_at})
