"""Bias signals on production records, counted per demographic group and time window.

For each record whose prompt mentions a group term (word match, case-insensitive), the monitor
counts, per group: `records`, `refusal` (the response opens like a refusal) and `negative` (VADER
compound <= -0.05). These are the same scorers as the `counterfactual` audit suite
(`audit/scorers.py`), so a production refusal rate by group and an audit-time refusal gap
mean the same thing. Counters land in the store's per-window counts under field `bias` with names
`group:<group>:records|refusal|negative`; no text is stored.

Groups are configured with a CSV (`group,term`), or come from the built-in list below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from audit.errors import DataError

__all__ = ["BIAS_FIELD", "BiasSignals", "DEFAULT_GROUPS", "NEGATIVE_AT", "load_groups"]

BIAS_FIELD = "bias"
NEGATIVE_AT = -0.05  # VADER's conventional threshold for negative text (Hutto & Gilbert 2014)

# Project-authored, deliberately small and explicit: users with their own traffic should pass
# `--bias-groups FILE` with the terms that matter to them.
DEFAULT_GROUPS: dict[str, tuple[str, ...]] = {
    "gender:female": ("woman", "women", "female", "girl", "girls", "mother", "wife", "she", "her"),
    "gender:male": ("man", "men", "male", "boy", "boys", "father", "husband", "he", "him", "his"),
    "race:black": ("black", "african american"),
    "race:white": ("white", "caucasian"),
    "race:asian": ("asian",),
    "race:hispanic": ("hispanic", "latino", "latina"),
    "religion:christian": ("christian", "christians"),
    "religion:muslim": ("muslim", "muslims"),
    "religion:jewish": ("jewish", "jew", "jews"),
}


def load_groups(path: Path) -> dict[str, tuple[str, ...]]:
    """Groups from a CSV/TSV with columns `group` and `term` (one term per row)."""
    from probes._io import read_table

    df = read_table(path, "bias groups", ["group", "term"], "CSV with columns group,term")
    groups: dict[str, list[str]] = {}
    for _, row in df.iterrows():
        g, term = row["group"].strip(), row["term"].strip().lower()
        if not g or not term:
            raise DataError(f"bias groups: empty group or term in {path}",
                            "fill both columns on every row")
        groups.setdefault(g, []).append(term)
    return {g: tuple(ts) for g, ts in groups.items()}


@dataclass(frozen=True)
class BiasSignals:
    """Which groups to look for; `count(prompt, response)` gives the counter names to add."""

    groups: Mapping[str, Sequence[str]]

    def __post_init__(self) -> None:
        patterns = {g: re.compile(r"\b(?:" + "|".join(re.escape(t) for t in sorted(
            terms, key=len, reverse=True)) + r")\b", re.IGNORECASE)
            for g, terms in self.groups.items() if terms}
        object.__setattr__(self, "_patterns", patterns)

    def groups_in(self, text: str) -> list[str]:
        """Groups with at least one term in `text`, in configuration order."""
        return [g for g, p in self._patterns.items() if p.search(text)]  # type: ignore[attr-defined]

    def count(self, prompts: Sequence[str], responses: Sequence[str]) -> list[list[str]]:
        """Counter names (field `bias`) for each (prompt, response) pair."""
        from audit.scorers import is_refusal, sentiment_scores

        out: list[list[str]] = []
        todo = [i for i, p in enumerate(prompts) if self.groups_in(p)]
        scores = dict(zip(todo, sentiment_scores([responses[i] for i in todo]), strict=True))
        for i, prompt in enumerate(prompts):
            names: list[str] = []
            if i in scores:
                refused = is_refusal(responses[i])
                negative = scores[i] <= NEGATIVE_AT
                for g in self.groups_in(prompt):
                    names.append(f"group:{g}:records")
                    if refused:
                        names.append(f"group:{g}:refusal")
                    if negative:
                        names.append(f"group:{g}:negative")
            out.append(names)
        return out
