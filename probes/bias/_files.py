"""Locating benchmark files (a file or a directory) with errors naming what was expected."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from audit.errors import DataError

__all__ = ["data_files", "require_path"]


def require_path(path: Path | None, suite: str, expected: str) -> Path:
    """`path` if it exists; DataError naming the expected input otherwise."""
    if path is None:
        raise DataError(f"{suite} needs data", f"pass --data {suite}=PATH: {expected}")
    if not path.exists():
        raise DataError(f"{suite}: data path not found: {path}",
                        f"check the path given to --data; expected {expected}")
    return path


def data_files(path: Path | None, suite: str, patterns: Sequence[str], expected: str) -> list[Path]:
    """[path] for a file, or the files matching `patterns` at the top of directory `path`."""
    path = require_path(path, suite, expected)
    if path.is_file():
        return [path]
    found = sorted({p for pat in patterns for p in path.glob(pat) if p.is_file()})
    if not found:
        raise DataError(f"{suite}: no data files in directory {path} "
                        f"(looked for {', '.join(patterns)})", f"expected {expected}")
    return found
