"""Reading project variant tables (CSV with `#` comment lines) and user `{group}` templates."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from audit.errors import DataError

__all__ = ["SLOT", "fill", "parse_variants", "read_project_csv"]

SLOT = "{group}"


def read_project_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a project-authored CSV; lines starting with `#` are comments."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(io.StringIO("\n".join(lines)))]


def fill(template: str, term: str) -> str:
    """The template with `{group}` replaced by `term`; a leading slot is capitalised."""
    text = template.replace(SLOT, term)
    if template.startswith(SLOT) and text:
        text = text[0].upper() + text[1:]
    return text


def parse_variants(value: str, where: str, suite: str, expected: str) -> dict[str, str]:
    """`female=Emily; male=Greg` -> {"female": "Emily", "male": "Greg"} (at least two groups)."""
    out: dict[str, str] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        group, sep, term = part.partition("=")
        if not sep or not group.strip() or not term.strip():
            raise DataError(f"{suite}: {where}: variant {part.strip()!r} is not GROUP=TERM",
                            f"expected {expected}")
        if group.strip() in out:
            raise DataError(f"{suite}: {where}: group {group.strip()!r} appears twice",
                            "give each group once per row")
        out[group.strip()] = term.strip()
    if len(out) < 2:
        raise DataError(f"{suite}: {where}: needs at least two variants, got {len(out)}",
                        f"expected {expected}")
    return out
