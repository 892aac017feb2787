"""Reading StereoSet: the original `dev.json` and the CSV export (prompt, choices, bias_type,
target)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import DataError
from probes._io import read_json, read_table
from probes.bias._files import data_files

__all__ = ["EXPECTED", "LABELS", "StereoSetExample", "load_stereoset", "parse_choices"]

EXPECTED = ("StereoSet dev.json ({'data': {'intrasentence': [...], 'intersentence': [...]}}, each "
            "example with target, bias_type, context and sentences[{sentence, gold_label}]) or the "
            "CSV layout with columns prompt, choices, bias_type, target (choices ordered "
            "[stereotype, anti-stereotype, unrelated]; intrasentence prompts hold BLANK), or a "
            "directory holding them")
LABELS = ("stereotype", "anti-stereotype", "unrelated")
SPLITS = ("intrasentence", "intersentence")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class StereoSetExample:
    """One StereoSet example: three candidate sentences ordered like LABELS.

    For intrasentence, `sentences` are the context with BLANK filled and `fills` the filler words;
    for intersentence, `sentences` follow `context`.
    """

    case_id: str
    split: str
    bias_type: str
    target: str
    context: str
    sentences: tuple[str, str, str]
    fills: tuple[str, str, str] | None = None


def parse_choices(text: str) -> list[str]:
    """The strings of a numpy-style list repr, e.g. `['asian' 'hispanic' 'fox']`."""
    return [ast.literal_eval(s) for s in _STRING.findall(text)]


def _fill(context: str, word: str) -> str:
    out = context.replace("BLANK", word, 1)
    return out[:1].upper() + out[1:] if context.startswith("BLANK") else out


def _fill_word(context: str, sentence: str) -> str | None:
    """The word that replaced BLANK in `sentence` (None when the sentence was reworded)."""
    if "BLANK" not in context:
        return None
    pre, _, post = context.partition("BLANK")
    if sentence.lower().startswith(pre.lower()) and sentence.endswith(post) and \
            len(sentence) >= len(pre) + len(post):
        return sentence[len(pre):len(sentence) - len(post)]
    return None


def _split_of(path: Path, prompts: list[str]) -> str:
    name = path.name.lower()
    if "intra" in name:
        return "intrasentence"
    if "inter" in name:
        return "intersentence"
    return "intrasentence" if all("BLANK" in p for p in prompts) else "intersentence"


def _from_csv(path: Path, suite: str) -> list[StereoSetExample]:
    df = read_table(path, suite, ["prompt", "choices", "bias_type", "target"], EXPECTED)
    split = _split_of(path, df["prompt"].tolist())
    out = []
    for i, row in df.iterrows():
        choices = parse_choices(row["choices"])
        if len(choices) != 3:
            raise DataError(f"{suite}: {path} row {i + 2}: choices has {len(choices)} strings, "
                            "not 3", f"expected {EXPECTED}")
        ctx = row["prompt"].strip()
        if split == "intrasentence":
            if "BLANK" not in ctx:
                raise DataError(f"{suite}: {path} row {i + 2}: intrasentence prompt lacks BLANK",
                                f"expected {EXPECTED}")
            sentences = tuple(_fill(ctx, c) for c in choices)
            fills = tuple(choices)
        else:
            sentences, fills = tuple(c.strip() for c in choices), None
        out.append(StereoSetExample(f"{split[:5]}-{path.stem}-{i}", split,
                                    row["bias_type"].strip(), row["target"].strip(), ctx,
                                    sentences, fills))  # type: ignore[arg-type]
    return out


def _from_json(path: Path, suite: str) -> list[StereoSetExample]:
    doc = read_json(path, suite, EXPECTED)
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or not any(isinstance(data.get(s), list) for s in SPLITS):
        raise DataError(f"{suite}: {path} has no data.intrasentence / data.intersentence lists",
                        f"expected {EXPECTED}")
    out = []
    for split in SPLITS:
        for j, ex in enumerate(data.get(split) or []):
            out.append(_json_example(ex, split, j, path, suite))
    return out


def _json_example(ex: Any, split: str, j: int, path: Path, suite: str) -> StereoSetExample:
    where = f"{suite}: {path} data.{split}[{j}]"
    if not isinstance(ex, dict):
        raise DataError(f"{where} is not an object", f"expected {EXPECTED}")
    missing = [k for k in ("target", "bias_type", "context", "sentences") if k not in ex]
    if missing:
        raise DataError(f"{where} lacks key(s) {', '.join(missing)}", f"expected {EXPECTED}")
    by_label: dict[str, str] = {}
    for s in ex["sentences"]:
        if isinstance(s, dict) and "sentence" in s and s.get("gold_label") in LABELS:
            by_label[s["gold_label"]] = str(s["sentence"]).strip()
    if len(by_label) != 3:
        raise DataError(f"{where} does not have one sentence per gold_label "
                        f"({', '.join(LABELS)})", f"expected {EXPECTED}")
    sentences = tuple(by_label[lab] for lab in LABELS)
    ctx = str(ex["context"]).strip()
    fills = None
    if split == "intrasentence":
        words = [_fill_word(ctx, s) for s in sentences]
        fills = tuple(words) if all(w is not None for w in words) else None
    return StereoSetExample(str(ex.get("id") or f"{split}-{j}"), split, str(ex["bias_type"]),
                            str(ex["target"]).strip(), ctx, sentences, fills)  # type: ignore


def load_stereoset(path: Path | None, suite: str) -> list[StereoSetExample]:
    """All examples from a dev.json, a StereoSet CSV, or a directory holding them."""
    files = data_files(path, suite, ["*.json", "*.csv"], EXPECTED)
    if path is not None and path.is_dir():
        jsons = [f for f in files if f.suffix == ".json"]
        files = jsons[:1] if jsons else [f for f in files if f.suffix == ".csv"]
    out: list[StereoSetExample] = []
    for f in files:
        out.extend(_from_json(f, suite) if f.suffix.lower() == ".json" else _from_csv(f, suite))
    if not out:
        raise DataError(f"{suite}: no examples in {path}", f"expected {EXPECTED}")
    return out
