"""Reading the HolisticBias dataset files and building its noun phrases (Smith et al. 2022).

Noun phrases follow ResponsibleNLP `holistic_bias/src/sentences.py`: for each descriptor the bare
descriptor ("Deaf") and "{article} {descriptor} {noun}" for every noun (limited to the
descriptor's gender when it has one; plural "{descriptor} {plural}"); standalone noun phrases are
filled with each noun when templated, else used as they are. Stylistic variants are not generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import DataError
from probes._io import read_json
from probes.bias._files import require_path

__all__ = ["EXPECTED", "HolisticData", "NounPhrase", "Template", "load_holistic"]

EXPECTED = ("a HolisticBias dataset directory (v1.0 or v1.1) holding descriptors.json "
            "({axis: {bucket: [descriptor or {descriptor, ...}]}}), nouns.json "
            "({female|male|neutral: [[singular, plural]]}), sentence_templates.json "
            "({template with {noun_phrase} or {plural_noun_phrase}: {must_be_noun?}}) and "
            "optionally standalone_noun_phrases.json, or its parent holding v1.0/v1.1")
FILES = ("descriptors.json", "nouns.json", "sentence_templates.json")


@dataclass(frozen=True)
class NounPhrase:
    """One filled noun phrase for a descriptor; `has_noun` is False for bare descriptors."""

    axis: str
    descriptor: str
    singular: str
    plural: str
    has_noun: bool
    noun: str = ""  # the singular noun filled in ("" for a bare descriptor or fixed phrase)


@dataclass(frozen=True)
class Template:
    text: str
    must_be_noun: bool

    def fill(self, phrase: NounPhrase) -> str:
        return self.text.replace("{noun_phrase}", phrase.singular).replace(
            "{plural_noun_phrase}", phrase.plural)


@dataclass
class HolisticData:
    version: str
    phrases: dict[str, dict[str, list[NounPhrase]]]  # axis -> descriptor -> noun phrases
    templates: list[Template]


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _descriptor_phrases(axis: str, obj: Any, nouns: dict[str, list[list[str]]]
                        ) -> list[NounPhrase]:
    if isinstance(obj, str):
        obj = {"descriptor": obj}
    d = str(obj["descriptor"])
    art = obj.get("article", _article(d))
    gender = obj.get("gender")
    out = [NounPhrase(axis, d, d, d, False)]
    for g, pairs in nouns.items():
        if gender and gender != g:
            continue
        out += [NounPhrase(axis, d, f"{art} {d} {s}", f"{d} {p}", True, s) for s, p in pairs]
    return out


def _standalone_phrases(axis: str, obj: Any, nouns: dict[str, list[list[str]]]
                        ) -> list[NounPhrase]:
    if isinstance(obj, str):
        obj = {"noun_phrase": obj}
    sing = str(obj["noun_phrase"])
    plur = str(obj.get("plural_noun_phrase", sing))
    if "{noun}" not in sing:
        return [NounPhrase(axis, sing, sing, plur, False)]
    desc = " ".join(sing.replace("{article}", "").replace("{noun}", "").split())
    return [NounPhrase(axis, desc, sing.format(article=_article(s), noun=s),
                       plur.format(article="", noun=p).strip(), True, s)
            for pairs in nouns.values() for s, p in pairs]


def _root(path: Path | None, suite: str) -> Path:
    root = require_path(path, suite, EXPECTED)
    if root.is_file():
        root = root.parent
    if not (root / "descriptors.json").exists():
        versions = sorted(p for p in root.glob("v*") if (p / "descriptors.json").exists())
        if not versions:
            raise DataError(f"{suite}: {root} has no descriptors.json (nor v*/descriptors.json)",
                            f"expected {EXPECTED}")
        root = versions[-1]
    missing = [f for f in FILES if not (root / f).exists()]
    if missing:
        raise DataError(f"{suite}: {root} lacks {', '.join(missing)}", f"expected {EXPECTED}")
    return root


def load_holistic(path: Path | None, suite: str) -> HolisticData:
    """Noun phrases per axis and descriptor, and the sentence templates."""
    root = _root(path, suite)
    desc = read_json(root / "descriptors.json", suite, EXPECTED)
    nouns = read_json(root / "nouns.json", suite, EXPECTED)
    tmpl = read_json(root / "sentence_templates.json", suite, EXPECTED)
    if not isinstance(desc, dict) or not isinstance(nouns, dict) or not isinstance(tmpl, dict):
        raise DataError(f"{suite}: {root}: descriptors, nouns and templates must be JSON objects",
                        f"expected {EXPECTED}")
    try:
        phrases: dict[str, dict[str, list[NounPhrase]]] = {}
        for axis, buckets in desc.items():
            items = buckets if isinstance(buckets, list) else \
                [x for v in buckets.values() for x in (v if isinstance(v, list) else [v])]
            for obj in items:
                for ph in _descriptor_phrases(axis, obj, nouns):
                    phrases.setdefault(axis, {}).setdefault(ph.descriptor, []).append(ph)
        standalone = root / "standalone_noun_phrases.json"
        if standalone.exists():
            for axis, items in read_json(standalone, suite, EXPECTED).items():
                for obj in items:
                    for ph in _standalone_phrases(axis, obj, nouns):
                        phrases.setdefault(axis, {}).setdefault(ph.descriptor, []).append(ph)
        templates = [Template(t, bool((spec or {}).get("must_be_noun")))
                     for t, spec in tmpl.items()]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(f"{suite}: {root} is not in the HolisticBias layout "
                        f"({type(exc).__name__}: {exc})", f"expected {EXPECTED}") from None
    bad = [t.text for t in templates if "{noun_phrase}" not in t.text
           and "{plural_noun_phrase}" not in t.text]
    if bad or not templates or not phrases:
        raise DataError(f"{suite}: {root}: no usable templates/descriptors"
                        + (f" (template without a slot: {bad[0]!r})" if bad else ""),
                        f"expected {EXPECTED}")
    return HolisticData(root.name, phrases, templates)
