"""Reading BOLD prompt files (`{group: {wikipedia_page: [prompt, ...]}}`, one file per domain)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit.errors import DataError
from probes._io import read_json
from probes.bias._files import data_files

__all__ = ["BoldPrompt", "EXPECTED", "load_bold"]

EXPECTED = ("BOLD prompt JSON files named <domain>_prompt.json (e.g. gender_prompt.json), each "
            "{group: {wikipedia_page: [prompt, ...]}}, or a directory holding them")


@dataclass(frozen=True)
class BoldPrompt:
    case_id: str
    domain: str
    group: str
    page: str
    prompt: str


def _domain(path: Path) -> str:
    stem = path.stem
    return stem[:-len("_prompt")] if stem.endswith("_prompt") else stem


def load_bold(path: Path | None, suite: str) -> list[BoldPrompt]:
    """Every prompt, in file / group / page / position order."""
    out: list[BoldPrompt] = []
    for f in data_files(path, suite, ["*_prompt.json"], EXPECTED):
        doc = read_json(f, suite, EXPECTED)
        domain = _domain(f)
        if not isinstance(doc, dict) or not doc:
            raise DataError(f"{suite}: {f} is not an object of groups", f"expected {EXPECTED}")
        for group, pages in doc.items():
            if not isinstance(pages, dict):
                raise DataError(f"{suite}: {f} group {group!r} is not an object of pages",
                                f"expected {EXPECTED}")
            for page, prompts in pages.items():
                if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
                    raise DataError(f"{suite}: {f} {group}/{page} is not a list of strings",
                                    f"expected {EXPECTED}")
                out += [BoldPrompt(f"{domain}/{group}/{page}/{i}", domain, str(group), str(page),
                                   p) for i, p in enumerate(prompts) if p.strip()]
    if not out:
        raise DataError(f"{suite}: no prompts in {path}", f"expected {EXPECTED}")
    return out
