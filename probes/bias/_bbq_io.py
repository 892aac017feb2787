"""Reading BBQ jsonl files and deriving each example's stereotyped target and UNKNOWN answer."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import DataError
from probes._io import read_jsonl, read_table
from probes.bias._files import data_files

__all__ = ["BBQExample", "EXPECTED", "REQUIRED", "answer_groups", "load_bbq", "target_index"]

REQUIRED = ("context", "question", "ans0", "ans1", "ans2", "label", "context_condition",
            "question_polarity", "category", "answer_info", "additional_metadata")
EXPECTED = ("BBQ jsonl (one example per line with keys " + ", ".join(REQUIRED) +
            "; additional_metadata.stereotyped_groups lists the stereotyped group labels), "
            "a pandas CSV dump with those columns (dict cells as Python reprs), "
            "or a directory of the category files such as Age.jsonl")
# answer strings the BBQ templates use for "cannot be determined" (nyu-mll/BBQ, as in HELM/lm-eval)
UNKNOWN_ANSWERS = frozenset(s.lower() for s in (
    "Unknown", "Cannot answer", "Can't be determined", "Cannot be determined", "Can't answer",
    "Not known", "Not enough info", "Not enough information", "Not answerable", "Undetermined"))
# intersectional labels in answer_info join the parts with "-" after these prefixes
_PREFIXES = ("M-", "F-", "lowSES-", "highSES-")


@dataclass(frozen=True)
class BBQExample:
    """One BBQ question: three answers, the gold label, and the derived target / UNKNOWN indices.

    `target` is the answer that names the stereotyped group (None when answer_info does not pick
    out exactly one); `unknown` is the "can't be determined" answer.
    """

    case_id: str
    category: str
    condition: str  # ambig | disambig
    polarity: str  # neg | nonneg
    context: str
    question: str
    answers: tuple[str, str, str]
    label: int
    unknown: int
    target: int | None


def answer_groups(info: Any) -> set[str]:
    """Lower-cased group labels of one answer_info entry, split like the BBQ analysis does.

    "F-Black" -> {"f", "black", "f-black"}; a gendered word adds its sex label ("woman" -> "f"),
    because `stereotyped_groups` uses F/M for gender.
    """
    parts = [str(x) for x in (info if isinstance(info, list | tuple) else [info]) if x]
    out: set[str] = set()
    for p in parts:
        out.add(p.lower())
        for pre in _PREFIXES:
            if p.startswith(pre):
                out.update({pre[:-1].lower(), p[len(pre):].lower()})
        words = p.lower().split()
        if {"woman", "girl"} & set(words):
            out.add("f")
        elif {"man", "boy"} & set(words):
            out.add("m")
    return out


def _is_unknown(answer: str, info: Any) -> bool:
    groups = [str(x).lower() for x in (info if isinstance(info, list | tuple) else [info])]
    return "unknown" in groups or answer.strip().lower() in UNKNOWN_ANSWERS


def target_index(row: dict[str, Any]) -> tuple[int | None, int | None]:
    """(target, unknown) answer indices derived from answer_info and stereotyped_groups.

    The official `supplemental/additional_metadata.csv` gives `target_loc`; without it the target
    is the one non-UNKNOWN answer whose answer_info labels meet
    additional_metadata.stereotyped_groups (the dataset README's recipe).
    """
    meta = row.get("additional_metadata") or {}
    stereo = {str(g).lower() for g in (meta.get("stereotyped_groups") or [])}
    info = row.get("answer_info") or {}
    unknown, hits = None, []
    for i in range(3):
        a_info = info.get(f"ans{i}", [])
        if _is_unknown(str(row[f"ans{i}"]), a_info):
            unknown = i if unknown is None else unknown
            continue
        if answer_groups(a_info) & stereo:
            hits.append(i)
    if "target_loc" in row and row["target_loc"] not in (None, ""):
        return int(row["target_loc"]), unknown
    return (hits[0] if len(hits) == 1 else None), unknown


def _example(row: dict[str, Any], path: Path, line: int, suite: str) -> BBQExample:
    where = f"{suite}: {path} record {line}"
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        raise DataError(f"{where} lacks key(s) {', '.join(missing)}", f"expected {EXPECTED}")
    if not isinstance(row["answer_info"], dict) or not isinstance(row["additional_metadata"], dict):
        raise DataError(f"{where}: answer_info and additional_metadata must be objects",
                        f"expected {EXPECTED}")
    try:
        label = int(row["label"])
    except (TypeError, ValueError):
        label = -1
    if label not in (0, 1, 2):
        raise DataError(f"{where}: label {row['label']!r} is not 0, 1 or 2", f"expected {EXPECTED}")
    condition = str(row["context_condition"])
    if condition not in ("ambig", "disambig"):
        raise DataError(f"{where}: context_condition {condition!r} is not ambig/disambig",
                        f"expected {EXPECTED}")
    target, unknown = target_index(row)
    if unknown is None:
        raise DataError(f"{where}: no answer is the UNKNOWN option (answer_info '...unknown')",
                        f"expected {EXPECTED}")
    case = f"{row['category']}-{row.get('example_id', line)}"
    return BBQExample(case, str(row["category"]), condition, str(row["question_polarity"]),
                      str(row["context"]), str(row["question"]),
                      (str(row["ans0"]), str(row["ans1"]), str(row["ans2"])), label, unknown,
                      target)


_NP_ARRAY = re.compile(r"array\((\[.*?\])(?:,\s*dtype=\w+)?\)", re.S)


def _csv_rows(path: Path, suite: str) -> list[dict[str, Any]]:
    """Rows of a pandas CSV dump of BBQ (answer_info etc. as Python/numpy reprs)."""
    df = read_table(path, suite, list(REQUIRED), EXPECTED)
    rows = []
    for i, rec in enumerate(df.to_dict("records"), 2):
        for key in ("answer_info", "additional_metadata"):
            try:
                rec[key] = ast.literal_eval(_NP_ARRAY.sub(r"\1", rec[key]))
            except (ValueError, SyntaxError):
                raise DataError(f"{suite}: {path} row {i}: {key} is not a dict literal",
                                f"expected {EXPECTED}") from None
        rows.append(rec)
    return rows


def load_bbq(path: Path | None, suite: str) -> list[BBQExample]:
    """Examples from a BBQ jsonl (or CSV dump) file, or every *.jsonl at the top of a directory."""
    out = []
    for f in data_files(path, suite, ["*.jsonl"], EXPECTED):
        rows = _csv_rows(f, suite) if f.suffix.lower() == ".csv" else \
            read_jsonl(f, suite, EXPECTED)
        for i, row in enumerate(rows, 1):
            out.append(_example(row, f, i, suite))
    return out
