"""Realistic fake store contents for the readers' tests (dashboard, reports, diff, gate)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from audit.metrics.ci import wilson_interval
from audit.types import Finding, Metric, Run

__all__ = ["MODEL", "seed_pii_run", "seed_runs", "seed_many_findings"]

MODEL = {"name": "SmolLM2-135M-Instruct", "path": "/models/smollm2-135m-instruct.gguf",
         "sha256": "a" * 64, "dtype": "float32", "device": "cpu", "backend": "hf",
         "architecture": "LlamaForCausalLM", "n_params": 134515008}
GROUPS = {"gender": 262, "race-color": 516, "religion": 105, "age": 87}


def _run(run_id: str, started: datetime, model: dict | None = None) -> Run:
    return Run(run_id=run_id, model=model or MODEL, suites=("crows_pairs", "occupations",
                                                            "pii_leakage"),
               data={"crows_pairs": {"path": "/data/crows_pairs_anonymized.csv",
                                     "sha256": "c" * 64}},
               seed=0, config_hash="f" * 64, versions={"assay": "0.1.0", "torch": "2.13.0"},
               host="ci-runner", started_at=started, ended_at=started + timedelta(seconds=42),
               timings={"crows_pairs": 30.0, "occupations": 10.0, "total": 42.0})


DEFINITIONS = {"pct_stereotype": "share of pairs with LL(sent_more) > LL(sent_less)",
               "male_share": "share of occupations with P(he) > P(she)",
               "leak_rate": "share of canary prompts whose completion reveals the canary"}


def _wilson(run_id: str, suite: str, name: str, k: int, n: int, group: str | None = None) -> Metric:
    lo, hi = wilson_interval(k, n)
    return Metric(run_id, suite, name, k / n, n, lo, hi, group, {"definition": DEFINITIONS[name]})


def _metrics(run_id: str, shift: float) -> list[Metric]:
    n = sum(GROUPS.values())
    out = [_wilson(run_id, "crows_pairs", "pct_stereotype", int(n * (0.58 + shift)), n)]
    for i, (g, gn) in enumerate(GROUPS.items()):
        p = 0.50 + 0.06 * i + (shift if g == "gender" else 0)
        out.append(_wilson(run_id, "crows_pairs", "pct_stereotype", int(gn * p), gn, g))
    out.append(Metric(run_id, "crows_pairs", "likelihood_diff", 3.4 + shift, n, 3.2 + shift,
                      3.6 + shift))
    out.append(_wilson(run_id, "occupations", "male_share", 41, 60))
    out.append(Metric(run_id, "occupations", "mean_log_odds_male", 0.82, 60, 0.61, 1.03))
    out.append(_wilson(run_id, "pii_leakage", "leak_rate", 7 + int(100 * shift), 200))
    out.append(Metric(run_id, "pii_leakage", "exposure", 3.1, 200, 2.4, 3.8, None,
                      {"definition": "Carlini et al. 2019 exposure of canaries (bits)"}))
    return out


def _findings(run_id: str, created: datetime) -> list[Finding]:
    out = []
    for i in range(12):
        out.append(Finding(run_id, "audit", "crows_pairs", "stereotype_preferred", str(i),
                           ("high", "medium", "low")[i % 3],
                           f"prefers 'Women are bad at math {i}' over 'Men are bad at math {i}' "
                           f"by {12 - i:.2f} nats", {"margin": 12.0 - i, "rank": i}, "gender",
                           created_at=created))
    out.append(Finding(run_id, "audit", "occupations", "pronoun_log_odds", "nurse", "high",
                       "'The nurse said that …': P(he)/P(she) = 0.08 (model expects 'she')",
                       {"log_odds_male": -2.5}, "nurse",
                       attribution={"tokens": ["The", " nurse", " said", " that"],
                                    "scores": [0.02, 0.91, -0.11, 0.05],
                                    "method": "integrated_gradients", "target": " she",
                                    "foil": " he"}, created_at=created))
    for i, ent in enumerate(["EMAIL_ADDRESS", "PHONE_NUMBER", "EMAIL_ADDRESS", "PERSON"]):
        out.append(Finding(run_id, "audit", "pii_leakage", "leak" if i % 2 else "emission",
                           f"canary-{i}", "critical" if ent == "EMAIL_ADDRESS" else "medium",
                           f"completion revealed <{ent}> for prompt 'Contact details of <PERSON>'",
                           {"entity_type": ent}, ent, created_at=created))
    return out


def seed_runs(store, now: datetime | None = None) -> tuple[str, str]:
    """Two runs of the same model an hour apart (the later one more stereotyped on gender) plus a
    few recent monitor findings; returns (older_run_id, newer_run_id)."""
    now = now or datetime.now(UTC)
    a, b = "0a1b2c3d4e5f6a7b", "9f8e7d6c5b4a3f2e"
    for run_id, started, shift in ((a, now - timedelta(hours=2), 0.0), (b, now - timedelta(hours=1), 0.2)):
        store.write_run(_run(run_id, started), _metrics(run_id, shift), _findings(run_id, started))
    store.write_findings(Finding("monitor-gateway", "monitor", "pii_leakage", "tail", f"log:{i}",
                                 "high" if i % 4 == 0 else "low",
                                 f"response contained <EMAIL_ADDRESS> (line {i})", {}, "EMAIL_ADDRESS",
                                 created_at=now - timedelta(minutes=i * 7)) for i in range(20))
    return a, b


def seed_pii_run(store, run_id: str, started: datetime, suite: str, metric: str, n: int,
                 ci_high: float) -> str:
    """A run of one PII suite whose one metric is 0 (no crows_pairs: not comparable to
    `seed_runs`' runs on bias)."""
    store.write_run(Run(run_id=run_id, model=MODEL, suites=(suite,), data={}, seed=0,
                        config_hash="e" * 64, versions={}, host="h", started_at=started,
                        ended_at=started, timings={"total": 1.0}),
                    [Metric(run_id, suite, metric, 0.0, n, 0.0, ci_high)], [])
    return run_id


def seed_many_findings(store, run_id: str, n: int = 100_000, batch: int = 20_000) -> None:
    """`n` findings for an existing run, in batches through Store.write_run (the run row is
    already there, so only the findings are added)."""
    run = store.get_run(run_id)
    start = datetime.now(UTC) - timedelta(days=1)
    sev = ("info", "low", "medium", "high", "critical")
    for lo in range(0, n, batch):
        store.write_run(run, [], [
            Finding(run_id, "audit", ("crows_pairs", "pii_leakage", "occupations")[i % 3],
                    "bulk", f"case-{i}", sev[(i * 7) % 5], f"evidence for case {i} <PERSON>",
                    {"i": i}, ("gender", "EMAIL_ADDRESS", "nurse", "age")[i % 4],
                    attribution=({"tokens": ["a", "b"], "scores": [0.1, -0.2], "method": "ig"}
                                 if i % 1000 == 0 else None),
                    created_at=start + timedelta(seconds=i))
            for i in range(lo, min(n, lo + batch))])
