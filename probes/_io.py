"""Reading user data files with errors that say what was expected."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from audit.errors import DataError

__all__ = ["read_text", "read_table", "read_jsonl", "read_json"]


def read_text(path: Path, suite: str) -> str:
    """The file's text, or DataError for missing / empty / not UTF-8."""
    if not path.exists():
        raise DataError(f"{suite}: data file not found: {path}", "check the path given to --data")
    if path.is_dir():
        raise DataError(f"{suite}: {path} is a directory, not a file",
                        f"pass a file: --data {suite}=FILE")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{suite}: data file is empty: {path}", "pass a file with data rows")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{suite}: {path} is not UTF-8 text (byte {exc.start})",
                        "re-encode it as UTF-8, e.g. `iconv -t utf-8`") from None


def read_table(path: Path, suite: str, required: Sequence[str], expected: str) -> pd.DataFrame:
    """A CSV or TSV (delimiter sniffed from the header) with at least the `required` columns."""
    text = read_text(path, suite)
    header = text.splitlines()[0]
    sep = "\t" if header.count("\t") > header.count(",") else ","
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                         quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{suite}: cannot parse {path} as CSV/TSV: {str(exc).splitlines()[0]}",
                        f"expected {expected}") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"{suite}: {path} lacks column(s) {', '.join(missing)} "
                        f"(has: {', '.join(c for c in df.columns if c) or 'none'})",
                        f"expected {expected}")
    if df.empty:
        raise DataError(f"{suite}: {path} has a header but no rows", "add data rows")
    return df


def read_jsonl(path: Path, suite: str, expected: str) -> list[dict[str, Any]]:
    rows = []
    for i, line in enumerate(read_text(path, suite).splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{suite}: {path} line {i} is not JSON ({exc.msg})",
                            f"expected {expected}") from None
        if not isinstance(obj, dict):
            raise DataError(f"{suite}: {path} line {i} is not a JSON object", f"expected {expected}")
        rows.append(obj)
    if not rows:
        raise DataError(f"{suite}: {path} has no records", f"expected {expected}")
    return rows


def read_json(path: Path, suite: str, expected: str) -> Any:
    try:
        return json.loads(read_text(path, suite))
    except json.JSONDecodeError as exc:
        raise DataError(f"{suite}: {path} is not valid JSON ({exc.msg} at line {exc.lineno})",
                        f"expected {expected}") from None
