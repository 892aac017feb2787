"""A readable terminal view of an `Attribution`: one heat line of tokens (rich)."""

from __future__ import annotations

from rich.text import Text

from audit.explain.attribution import Attribution

__all__ = ["heat_line", "summary_lines"]


def _shade(value: float, scale: float) -> str:
    """Red for tokens that push towards the target, blue for against; stronger = more saturated."""
    a = min(1.0, abs(value) / scale) if scale > 0 else 0.0
    fade = int(255 - 175 * a)
    rgb = (255, fade, fade) if value > 0 else (fade, fade, 255)
    return f"black on rgb({rgb[0]},{rgb[1]},{rgb[2]})"


def heat_line(att: Attribution) -> Text:
    """The prompt's features, each on a background shaded by its score."""
    scale = max((abs(s) for s in att.scores), default=0.0)
    line = Text()
    for tok, s in zip(att.tokens, att.scores):
        shown = tok.replace("\n", "⏎").replace("\t", "⇥") or "∅"
        line.append(shown, style=_shade(s, scale))
    return line


def _listing(pairs: list[tuple[str, float]]) -> str:
    return ", ".join(f"{t!r} {s:+.3f}" for t, s in pairs) or "none"


def summary_lines(att: Attribution, k: int = 3) -> list[str]:
    """Plain-text lines: what was explained, the score, the strongest token, then the tokens
    that push towards the target (positive scores only) and those that push away from it.

    A token listed "towards the target" must have a positive score: the old top-k by score
    named tokens with negative scores when none was positive, and hid the token that moved the
    score most (` mechanic` -0.195 for " he" vs " she").
    """
    what = f"log P({att.target!r})"
    if att.foil is not None:
        what += f" - log P({att.foil!r})"
    lines = [f"{att.method}: {what} = {att.score:.3f}"
             + (f" (baseline {att.baseline_score:.3f})" if att.baseline_score is not None else "")
             + (f", convergence delta {att.convergence_delta:.3g}"
                if att.convergence_delta is not None else "")]
    pairs = list(zip(att.tokens, att.scores))
    away = "towards the foil" if att.foil is not None else "against the target"
    if pairs:
        tok, s = max(pairs, key=lambda ts: abs(ts[1]))
        side = "towards the target" if s > 0 else away if s < 0 else "neutral"
        lines.append(f"strongest token: {tok!r} {s:+.3f} ({side})")
    pos = sorted((ts for ts in pairs if ts[1] > 0), key=lambda ts: -ts[1])[:k]
    neg = sorted((ts for ts in pairs if ts[1] < 0), key=lambda ts: ts[1])[:k]
    lines.append(f"towards the target: {_listing(pos)}")
    lines.append(f"{away}: {_listing(neg)}")
    return lines
