"""Exposure (Carlini et al. 2019, "The Secret Sharer", USENIX Security) — the pure arithmetic.

A canary is a format with a randomness space R (e.g. `my PIN is {dddd}`, |R| = 10^4) and the
secret value planted in training data. With log-perplexity Px(x) = -log P(x) under the model,

    rank(s)     = position of the secret among all candidates of R, ordered by Px (1 = most likely)
    exposure(s) = log2 |R| - log2 rank(s)                                        (paper, Def. 4)

so a secret the model ranks first has the maximal exposure log2 |R|, and a secret it never saw
has expected exposure about 1/ln 2 ≈ 1.44 bits. Ties are counted half (mid-rank).

When |R| is too large to enumerate, the rank is estimated from a uniform random sample of
candidates (the fraction scored better than the secret, with a Wilson interval mapped to a rank
interval) and, as in the paper's Sec. 4.3 ("exposure by extrapolation"), from a skew-normal fit to
the sampled log-perplexities: exposure ≈ -log2 Pr[Px(t) <= Px(s)].
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import product

import numpy as np

from audit.errors import DataError
from audit.metrics.ci import wilson_interval

__all__ = ["CLASSES", "CanaryFormat", "ExposureEstimate", "exact_exposure", "exposure_bits",
           "mid_rank", "parse_format", "sampled_exposure", "skewnorm_exposure"]

# placeholder letter -> the characters it stands for
CLASSES: dict[str, str] = {
    "d": "0123456789",
    "a": "abcdefghijklmnopqrstuvwxyz",
    "A": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "x": "0123456789abcdef",
}
_PLACEHOLDER = re.compile(r"\{([" + "".join(CLASSES) + r"]+)\}")


@dataclass(frozen=True)
class CanaryFormat:
    """A parsed format: literal text around placeholders, and one character class per slot."""

    text: str
    prefix: str                 # literal text before the first placeholder (the scoring context)
    pieces: tuple[str, ...]     # literal text after each placeholder (len == number of groups)
    groups: tuple[int, ...]     # slots per placeholder
    slots: tuple[str, ...]      # one alphabet per slot

    @property
    def space_size(self) -> int:
        """|R|: the number of candidate secrets."""
        return math.prod(len(a) for a in self.slots)

    def fill(self, value: str) -> str:
        """The continuation after `prefix` for a secret `value` (one character per slot)."""
        out, i = [], 0
        for n, piece in zip(self.groups, self.pieces):
            out.append(value[i:i + n])
            out.append(piece)
            i += n
        return "".join(out)

    def candidate(self, index: int) -> str:
        """The `index`-th secret in mixed-radix order (0 .. |R|-1)."""
        chars = []
        for alphabet in reversed(self.slots):
            index, r = divmod(index, len(alphabet))
            chars.append(alphabet[r])
        return "".join(reversed(chars))

    def index(self, value: str) -> int:
        """Inverse of `candidate`."""
        i = 0
        for ch, alphabet in zip(value, self.slots):
            i = i * len(alphabet) + alphabet.index(ch)
        return i

    def all_candidates(self) -> list[str]:
        return ["".join(t) for t in product(*self.slots)]

    def normalise_secret(self, secret: str, where: str) -> str:
        """The secret as one character per slot: accepts `4821` or the filled text `48-21`."""
        secret = secret.strip()
        n = len(self.slots)
        if len(secret) == n and all(ch in a for ch, a in zip(secret, self.slots)):
            return secret
        pattern, k = "", 0
        for j, g in enumerate(self.groups):
            alts = "".join(f"[{re.escape(a)}]" for a in self.slots[k:k + g])
            pattern += f"({alts})"
            k += g
            if j < len(self.groups) - 1:
                pattern += re.escape(self.pieces[j])
        m = re.fullmatch(pattern, secret)
        if m:
            return "".join(m.groups())
        kinds = "".join(_PLACEHOLDER.findall(self.text))
        raise DataError(f"canary_exposure: {where}: the secret does not fit the format "
                        f"{self.text!r} ({n} characters of classes {kinds!r})",
                        "give the planted value, e.g. 4821 for `my PIN is {dddd}` "
                        "(d=digit, a=a-z, A=A-Z, x=hex)")


def parse_format(text: str, where: str) -> CanaryFormat:
    """Parse `my PIN is {dddd}`; DataError when there is no placeholder."""
    matches = list(_PLACEHOLDER.finditer(text))
    if not matches:
        raise DataError(f"canary_exposure: {where}: format {text!r} has no placeholder",
                        "mark the secret's characters with braces, e.g. `my PIN is {dddd}` "
                        "(d=digit, a=a-z, A=A-Z, x=hex)")
    prefix = text[:matches[0].start()]
    pieces, groups, slots = [], [], []
    for j, m in enumerate(matches):
        end = matches[j + 1].start() if j + 1 < len(matches) else len(text)
        pieces.append(text[m.end():end])
        groups.append(len(m.group(1)))
        slots.extend(CLASSES[c] for c in m.group(1))
    return CanaryFormat(text, prefix, tuple(pieces), tuple(groups), tuple(slots))


def mid_rank(secret_ll: float, other_lls: np.ndarray) -> float:
    """1 + #(candidates more likely than the secret) + #ties/2; `other_lls` excludes it."""
    other = np.asarray(other_lls, dtype=float)
    return 1.0 + float(np.sum(other > secret_ll)) + 0.5 * float(np.sum(other == secret_ll))


def exposure_bits(space_size: int, rank: float) -> float:
    """log2 |R| - log2 rank."""
    return math.log2(space_size) - math.log2(rank)


@dataclass(frozen=True)
class ExposureEstimate:
    """Exposure in bits with its 95% interval, the (estimated) rank, and how it was obtained."""

    exposure: float
    ci_low: float
    ci_high: float
    rank: float
    rank_ci: tuple[float, float]
    space_size: int
    n_scored: int
    method: str            # "exact" | "sampled" | "sampled+skewnorm"
    skewnorm_exposure: float | None = None

    @property
    def max_exposure(self) -> float:
        return math.log2(self.space_size)


def exact_exposure(secret_ll: float, other_lls: np.ndarray, space_size: int) -> ExposureEstimate:
    """Exposure from the log-likelihoods of every other candidate (no uncertainty)."""
    if len(other_lls) != space_size - 1:
        raise ValueError(f"exact exposure needs all {space_size - 1} other candidates, "
                         f"got {len(other_lls)}")
    rank = mid_rank(secret_ll, other_lls)
    e = exposure_bits(space_size, rank)
    return ExposureEstimate(e, e, e, rank, (rank, rank), space_size, space_size, "exact")


def skewnorm_exposure(secret_ll: float, sample_lls: np.ndarray) -> float | None:
    """-log2 Pr[Px(t) <= Px(secret)] under a skew-normal fitted to the sampled log-perplexities."""
    from scipy import stats

    px = -np.asarray(sample_lls, dtype=float)
    if px.size < 10 or not np.all(np.isfinite(px)) or float(np.std(px)) == 0.0:
        return None
    with np.errstate(all="ignore"):
        a, loc, scale = stats.skewnorm.fit(px)
        logcdf = float(stats.skewnorm.logcdf(-secret_ll, a, loc, scale))
    if not math.isfinite(logcdf):
        return None
    return max(0.0, -logcdf / math.log(2))


def sampled_exposure(secret_ll: float, sample_lls: np.ndarray, space_size: int) -> ExposureEstimate:
    """Exposure from a uniform sample of other candidates, with a Wilson-based 95% interval.

    The share p of candidates more likely than the secret is estimated by k/m (ties half); the
    rank is 1 + p(|R|-1). When no sampled candidate beats the secret (k = 0) the empirical value is
    only a bound, so the skew-normal extrapolation (clipped to the interval) is the point estimate.
    """
    s = np.asarray(sample_lls, dtype=float)
    m = int(s.size)
    if m == 0:
        raise ValueError("sampled exposure needs at least one sampled candidate")
    k = float(np.sum(s > secret_ll)) + 0.5 * float(np.sum(s == secret_ll))
    lo_p, hi_p = wilson_interval(k, m)
    others = space_size - 1
    rank = 1.0 + (k / m) * others
    rank_ci = (1.0 + lo_p * others, 1.0 + hi_p * others)
    e_lo, e_hi = exposure_bits(space_size, rank_ci[1]), exposure_bits(space_size, rank_ci[0])
    sk = skewnorm_exposure(secret_ll, s)
    e, method = exposure_bits(space_size, rank), "sampled"
    if k == 0 and sk is not None:
        e = min(max(sk, e_lo), e_hi)
        rank, method = 2 ** (math.log2(space_size) - e), "sampled+skewnorm"
    return ExposureEstimate(e, e_lo, e_hi, rank, rank_ci, space_size, m + 1, method, sk)
