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
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

__all__ = ["MAX_SPAN_WORDS", "pair_artefact"]

MAX_SPAN_WORDS = 4
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
