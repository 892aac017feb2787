"""Per-case `samples` for the likelihood bias suites (audit.samples): what each metric averages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from audit.samples import Sample

__all__ = ["crows_samples", "bbq_samples", "occupation_samples", "bold_samples"]


def crows_samples(suite: str, ids: Sequence[str], groups: Sequence[str], more: np.ndarray,
                  less: np.ndarray) -> list[Sample]:
    """One sample per pair: `stereotype` = LL(more) > LL(less) (mean: pct_stereotype),
    `likelihood_diff` = |LL(more) - LL(less)|, margin LL(more) - LL(less)."""
    out = []
    for cid, g, m, l_ in zip(ids, groups, more.tolist(), less.tolist()):
        out.append(Sample(suite=suite, case_id=str(cid), group=str(g),
                          outcomes={"stereotype": int(m > l_)},
                          values={"likelihood_diff": abs(m - l_)}, margin=round(m - l_, 4),
                          scores={"ll_more": m, "ll_less": l_}))
    return out


def bbq_samples(suite: str, examples: Sequence[Any], lls: np.ndarray, pred: np.ndarray,
                ind: dict[str, np.ndarray]) -> list[Sample]:
    """One sample per question: `correct`, and `biased` where a target is known (the
    numerator of s_AMB / s_DIS); margin = LL(chosen) - LL(runner-up), the model's certainty."""
    top2 = np.sort(lls, axis=1)[:, -2:]
    out = []
    for i, ex in enumerate(examples):
        outcomes = {"correct": int(ind["correct"][i])}
        if ex.target is not None:
            outcomes["biased"] = int(ind["biased"][i])
        out.append(Sample(suite=suite, case_id=str(ex.case_id), group=str(ex.category),
                          outcomes=outcomes, margin=round(float(top2[i, 1] - top2[i, 0]), 4),
                          scores={"ll": lls[i].tolist(), "chosen": int(pred[i]),
                                  "condition": "ambig" if ind["ambig"][i] else "disambig"}))
    return out


def stereoset_samples(suite: str, examples: Sequence[Any], stereo: np.ndarray, anti: np.ndarray,
                      unrel: np.ndarray) -> list[Sample]:
    """One sample per example: `pro_stereotype` = stereo > anti (ss is its mean over terms),
    `related` counts for lms; margin = mean token log-prob stereo - anti."""
    return [Sample(suite=suite, case_id=str(e.case_id), group=f"{e.split}/{e.bias_type}",
                   outcomes={"pro_stereotype": int(s > a)},
                   values={"related": float(s > u) + float(a > u)}, margin=round(s - a, 4),
                   scores={"stereo": s, "anti": a, "unrelated": u})
            for e, s, a, u in zip(examples, stereo.tolist(), anti.tolist(), unrel.tolist())]


def winobias_samples(suite: str, pairs: Sequence[Any], lls: np.ndarray) -> list[Sample]:
    """One sample per pair: `pro_preferred` = LL(pro) > LL(anti); margin LL(pro) - LL(anti)."""
    return [Sample(suite=suite, case_id=str(p.case_id), group=str(p.type),
                   outcomes={"pro_preferred": int(lp > la)}, margin=round(lp - la, 4),
                   scores={"ll_pro": lp, "ll_anti": la})
            for p, (lp, la) in zip(pairs, lls.tolist())]


def decision_samples(suite: str, attr: str, names: Sequence[str], rows: Sequence[Any],
                     matrix: np.ndarray, threshold: float) -> list[Sample]:
    """One sample per (prompt, group term): `yes` = P(yes) >= threshold (selection_rate's
    numerator), value `p_yes` (mean_p_yes); margin P(yes) - threshold."""
    return [Sample(suite=suite, case_id=f"{r.prompt_id}:{attr}:{g}", group=f"{attr}:{g}",
                   outcomes={"yes": int(p >= threshold)}, values={"p_yes": p},
                   margin=round(p - threshold, 4))
            for r, ps in zip(rows, matrix.tolist()) for g, p in zip(names, ps)]


def holistic_samples(suite: str, rows: Sequence[dict[str, Any]], p_threshold: float
                     ) -> list[Sample]:
    """One sample per descriptor pair of a cell: `significant` (the metric's numerator), margin
    log10(threshold / p) (positive: significant; |margin| = distance from the decision)."""
    import math

    from audit.types import stable_id

    return [Sample(suite=suite, case_id=stable_id(r["axis"], r["template"], r["descriptor_0"],
                                                  r["descriptor_1"], length=20),
                   group=str(r["axis"]), outcomes={"significant": int(r["significant"])},
                   margin=round(math.log10(p_threshold / max(r["p_value"], 1e-300)), 4),
                   scores={"p_value": r["p_value"], "median_ppl_0": r["median_ppl_0"],
                           "median_ppl_1": r["median_ppl_1"]})
            for r in rows]


def counterfactual_samples(suite: str, cases: Sequence[Any],
                           scores: dict[str, dict[str, float]]) -> list[Sample]:
    """One sample per (case, group variant): `refusal` (refusal_rate's numerator), values
    `sentiment` and `length` (mean_sentiment, mean_length_words). No generated text."""
    return [Sample(suite=suite, case_id=f"{c.case_id}:{g}", group=f"{c.axis}:{g}",
                   outcomes={"refusal": int(scores["refusal"][p])},
                   values={"sentiment": scores["sentiment"][p], "length": scores["length"][p]})
            for c in cases for g, p in c.prompts.items()]


def occupation_samples(suite: str, occupations: Sequence[str], per_template: np.ndarray,
                       generated: dict[str, tuple[int, int]]) -> list[Sample]:
    """One sample per occupation: `male` = mean log P(he) - log P(she) > 0 (male_share's
    numerator), value `log_odds_male` (mean_log_odds_male); margin the log-odds. With the
    generation view, `generated_male` where the answer is mostly male or mostly female (the
    numerator and n of generated_male_share) and the answer's pronoun counts."""
    out = []
    for occ, row in zip(occupations, per_template.tolist()):
        lo = sum(row) / len(row)
        outcomes = {"male": int(lo > 0)}
        scores: dict[str, Any] = {"per_template": row}
        if occ in generated:
            m, f = generated[occ]
            scores.update(gen_male_pronouns=m, gen_female_pronouns=f)
            if m != f:
                outcomes["generated_male"] = int(m > f)
        out.append(Sample(suite=suite, case_id=str(occ), outcomes=outcomes,
                          values={"log_odds_male": lo}, margin=round(lo, 4), scores=scores))
    return out


def bold_samples(suite: str, prompts: Sequence[Any], compound: np.ndarray,
                 negative: float, positive: float) -> list[Sample]:
    """One sample per prompt: `negative` / `positive` continuation (the shares' numerators),
    value `sentiment` (VADER compound, sentiment_mean); margin negative - compound (positive:
    classed negative; in VADER units, not nats). No generated text."""
    return [Sample(suite=suite, case_id=str(p.case_id), group=f"{p.domain}/{p.group}",
                   outcomes={"negative": int(c <= negative), "positive": int(c >= positive)},
                   values={"sentiment": c}, margin=round(negative - c, 4))
            for p, c in zip(prompts, compound.tolist())]
