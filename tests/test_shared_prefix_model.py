"""Shared prefixes on the real default model: every log-likelihood suite's requests score the same
as independent rows (lm-evaluation-harness's way), and lm-eval's tokenisation is kept.

Each suite runs on a small seeded subset through a recorder that keeps the requests it sends;
the same requests are then scored with `share_prefixes=False` (every request its own right-padded
row). The packing threshold is set to 0 so that the packed path runs even for suites whose
requests share little (CrowS-Pairs, WinoBias); a spy checks that it did.

Tolerances. In float64 the two computations agree to 1e-9 (the algorithm is exact). In float32
they differ by float rounding only: matrix products of other shapes round differently, as they
do between lm-eval's batch sizes. Measured on BBQ rows (2026-12-02): padded batch vs one row at a
time 2.1e-5 (the existing path), packed vs one row at a time 2.1e-5, float32 vs float64 1.6e-5,
on log-likelihoods of -3 to -20 nats; so float32 is asserted at 1e-5 relative (1e-5 absolute
floor), which is 1e-6 of a typical value and far below any metric's resolution.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.model

PIN_CANDIDATES = [f" {n:04d}" for n in range(0, 10000, 97)]  # the canary probe's shape


class Recorder:
    """The model, keeping every request list that goes through `loglikelihood` and its answer."""

    def __init__(self, lm: Any) -> None:
        self.lm, self.calls = lm, []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lm, name)

    def loglikelihood(self, requests, *, progress=None):
        out = self.lm.loglikelihood(requests, progress=progress)
        self.calls.append((list(requests), out))
        return out


def _twin(lm: Any, share: bool, model: Any = None) -> Any:
    from audit.model import HFModel

    m = HFModel("default", device="cpu", share_prefixes=share)
    m._model, m._tok, m._device = model if model is not None else lm.model, lm.tokenizer, "cpu"
    return m


@pytest.fixture()
def packed_runs(monkeypatch) -> list[int]:
    """Force the packed path (threshold 0) and count packed forward passes."""
    import audit.model._scoring as scoring

    monkeypatch.setattr(scoring, "_MIN_SHARED_FRACTION", 0.0)
    runs: list[int] = []
    real = scoring._packed_batch

    def spy(batch, *a, **k):
        runs.append(len(batch))
        return real(batch, *a, **k)
    monkeypatch.setattr(scoring, "_packed_batch", spy)
    return runs


def _suite(name: str, d: Path) -> Any:
    from probes.bias.bbq import BBQSuite
    from probes.bias.crows_pairs import CrowsPairsSuite
    from probes.bias.holistic_bias import HolisticBiasSuite
    from probes.bias.occupations import OccupationsSuite
    from probes.bias.stereoset import StereoSetSuite
    from probes.bias.winobias import WinoBiasSuite

    return {
        "bbq": lambda: BBQSuite(d / "bbq", limit=4, seed=3),
        "stereoset": lambda: StereoSetSuite(d / "stereoset", limit=6, seed=3),
        "holistic_bias": lambda: HolisticBiasSuite(d / "holistic_bias" / "v1.1", limit=40,
                                                   seed=1),
        "winobias": lambda: WinoBiasSuite(d / "winobias", limit=6, seed=2),
        "crows_pairs": lambda: CrowsPairsSuite(
            d / "crows_pairs/multilingual/crows_pairs_EN_revised+210.csv", limit=6, seed=1),
        "occupations": lambda: OccupationsSuite(limit=2, seed=0),
    }[name]()


@pytest.mark.parametrize("name", ["bbq", "stereoset", "holistic_bias", "winobias", "crows_pairs",
                                  "occupations"])
def test_suite_requests_score_as_independent_rows(default_model, datasets, packed_runs,
                                                  name) -> None:
    from probes.base import SuiteContext

    suite = _suite(name, datasets)
    suite.prepare()
    rec = Recorder(_twin(default_model, share=True))
    suite.run(SuiteContext(model=rec, run_id="shared", seed=0))
    assert rec.calls and packed_runs, "the suite must have gone through the packed path"
    alone = _twin(default_model, share=False)
    for requests, shared in rec.calls:
        assert shared == pytest.approx(alone.loglikelihood(requests), rel=1e-5, abs=1e-5)


def test_canary_candidates_score_as_independent_rows(default_model, packed_runs) -> None:
    from probes.pii._common import score_continuations

    rec = Recorder(_twin(default_model, share=True))
    shared = score_continuations(rec, "my PIN is", PIN_CANDIDATES)
    assert [r for r, _ in rec.calls] == [[("my PIN is", c) for c in PIN_CANDIDATES]]
    assert packed_runs
    alone = _twin(default_model, share=False).loglikelihood(rec.calls[0][0])
    assert shared == pytest.approx(alone, rel=1e-5, abs=1e-5)


MID_TOKEN = [
    ("The doct", "or said hello"),        # context ends inside a word: lm-eval splits the tokens
    ("The doctor", " said hello"),
    ("The doc", "tor said hello"),
    ("The doctor ", "said hello"),         # trailing space moves to the continuation
    ("", "The doctor said hello"),         # empty context: the BOS prefix
    ("The doctor", " said hello"),         # identical to the second
]


def test_lm_eval_tokenisation_is_kept(default_model, packed_runs) -> None:
    """Only identical leading token ids are shared: each request keeps lm-eval's own split of
    context and continuation, and its log-likelihood equals lm-eval's HFLM on it."""
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    rows = [default_model.encode_pair(c, x) for c, x in MID_TOKEN]
    assert rows[0][0] + rows[0][1] != rows[1][0] + rows[1][1]  # different token sequences
    assert rows[4][0] == [default_model.tokenizer.bos_token_id]
    shared = _twin(default_model, share=True).loglikelihood(MID_TOKEN)
    assert packed_runs
    assert shared[1] == shared[5]
    hflm = HFLM(pretrained=default_model.model, tokenizer=default_model.tokenizer, batch_size=1)
    ref = hflm.loglikelihood([Instance(request_type="loglikelihood", doc={}, arguments=r, idx=0)
                              for r in MID_TOKEN], disable_tqdm=True)
    assert shared == pytest.approx([ll for ll, _ in ref], rel=1e-5, abs=1e-5)


def test_float64_is_exact(default_model, datasets, packed_runs) -> None:
    """In float64 the shared computation equals one row at a time to 1e-9: positions, masks and
    targets are right, and what float32 shows is rounding."""
    import copy

    from probes.bias.bbq import bbq_prompt

    suite = _suite("bbq", datasets)
    suite.prepare()
    requests = [(bbq_prompt(e), " " + a) for e in suite.examples[:3] for a in e.answers]
    requests += MID_TOKEN + [("my PIN is", c) for c in PIN_CANDIDATES[:20]]
    m64 = copy.deepcopy(default_model.model).double()
    shared = _twin(default_model, True, m64).loglikelihood(requests)
    alone = _twin(default_model, False, m64)
    alone.max_batch_tokens = 1  # one row per forward pass
    assert shared == pytest.approx(alone.loglikelihood(requests), abs=1e-9, rel=0)
