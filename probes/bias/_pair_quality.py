"""Which minimal pairs are real minimal pairs: the data-quality rule for CrowS-Pairs findings.

Blodgett et al. (ACL 2021, "Stereotyping Norwegian Salmon") show that many CrowS-Pairs and
StereoSet pairs differ in more than the demographic term: an added "not", a changed verb, a
rewritten clause. A likelihood gap on such a pair measures the edit, not the group, and ranking
findings by raw nats puts exactly these pairs on top. The rule here, on lower-cased word tokens:

* a clean pair differs in one contiguous span, replaced on both sides, of at most
  `MAX_SPAN_WORDS` words each (the group term: "women"/"men", "African Americans"/"White people");
* anything else is flagged, with the reason: several differing spans, words only added or only
  removed, or a span longer than a group term.

Typos that change one word into a near-identical word are not detected: "he"/"she" or
"men"/"women" look the same to a string measure.

StereoSet (`stereoset_artefact`) compares the stereotype and anti-stereotype candidates.
Intrasentence candidates are one context with BLANK filled, so they must differ in one span of at
most `MAX_SPAN_WORDS` words (the fill), as above. Intersentence candidates are whole different
continuations, so the group-term rule cannot apply; a pair is flagged when its contrast is not the
attribute: words only added or removed (an edit such as an added "not"), gendered words that
name men in one candidate and women in the other ("He is dark and moody." / "She is a lovely and
gifted doctor.": the preference then also measures which person the context names), or one
candidate more than `MAX_LENGTH_RATIO` times as long as the other in words (per-token averages of
very different lengths are not comparable).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

__all__ = ["MAX_LENGTH_RATIO", "MAX_SPAN_WORDS", "pair_artefact", "stereoset_artefact"]

MAX_SPAN_WORDS = 4
MAX_LENGTH_RATIO = 2.0
_MALE = frozenset("he him his himself man men boy boys father husband son brother".split())
_FEMALE = frozenset("she her hers herself woman women girl girls mother wife daughter "
                    "sister".split())
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def pair_artefact(a: str, b: str) -> str | None:
    """Why `a`/`b` is not a minimal pair (one line), or None when it differs in one group span."""
    wa, wb = _words(a), _words(b)
    ops = [op for op in SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not ops:
        return "the two sentences have the same words"
    if len(ops) > 1:
        spans = "; ".join(f"{' '.join(wa[i1:i2]) or '∅'} / {' '.join(wb[j1:j2]) or '∅'}"
                          for _, i1, i2, j1, j2 in ops)
        return f"differs in {len(ops)} places ({spans})"
    tag, i1, i2, j1, j2 = ops[0]
    if tag == "delete":
        return f"only the first sentence has {' '.join(wa[i1:i2])!r}"
    if tag == "insert":
        return f"only the second sentence has {' '.join(wb[j1:j2])!r}"
    if max(i2 - i1, j2 - j1) > MAX_SPAN_WORDS:
        return (f"the differing span is {max(i2 - i1, j2 - j1)} words long "
                f"(more than a group term of {MAX_SPAN_WORDS})")
    return None


def _genders(words: list[str]) -> set[str]:
    return ({"male"} if _MALE.intersection(words) else set()) | \
        ({"female"} if _FEMALE.intersection(words) else set())


def stereoset_artefact(split: str, stereo: str, anti: str) -> str | None:
    """Why a StereoSet stereotype/anti-stereotype pair does not contrast only the attribute (one
    line), or None; the rule is in the module docstring."""
    if split != "intersentence":
        return pair_artefact(stereo, anti)
    reason = pair_artefact(stereo, anti)
    if reason is not None and reason.startswith(("only the", "the two sentences")):
        return reason
    wa, wb = _words(stereo), _words(anti)
    # only when one names men and the other women, not when a "him" or "her" is merely added
    # ("He had assistants with him." / "He and the lawyer were friends." is one person)
    sa, sb = _genders(wa), _genders(wb)
    if sa and sb and sa.isdisjoint(sb):
        ga = sorted(set(wa) & (_MALE | _FEMALE))
        gb = sorted(set(wb) & (_MALE | _FEMALE))
        return f"the candidates refer to different people ({'/'.join(ga)} / {'/'.join(gb)})"
    short, long_ = sorted((max(len(wa), 1), max(len(wb), 1)))
    if long_ > MAX_LENGTH_RATIO * short:
        return (f"one candidate is {long_ / short:.1f}x as long as the other "
                f"({len(wa)} / {len(wb)} words)")
    return None
