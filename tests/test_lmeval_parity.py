"""CrowS-Pairs on the real default model equals lm-evaluation-harness's crows_pairs_english.

lm-eval's own pieces are used: `HFLM` wrapping the same loaded model and tokenizer, its
`loglikelihood` on `("", sentence)` requests (what the task's `doc_to_text: ""` and
`target_delimiter: ""` produce), and the task's `process_results` from
`lm_eval/tasks/crows_pairs/utils.py`. Only the dataset download is replaced by the shared file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from probes.base import SuiteContext
from probes.bias.crows_pairs import CrowsPairsSuite

pytestmark = pytest.mark.model


def test_crows_pairs_equals_lm_eval(default_model, datasets: Path) -> None:
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks.crows_pairs.utils import doc_to_choice, process_results

    path = datasets / "crows_pairs/multilingual/crows_pairs_EN_revised+210.csv"
    suite = CrowsPairsSuite(path, limit=24, seed=1)
    suite.prepare()
    ours = suite.run(SuiteContext(model=default_model, run_id="parity"))
    by = {m.key: m.value for m in ours.metrics}

    hflm = HFLM(pretrained=default_model.model, tokenizer=default_model.tokenizer, batch_size=8)
    docs = suite.rows.to_dict("records")
    requests = [Instance(request_type="loglikelihood", doc=d, arguments=("", c), idx=j)
                for d in docs for j, c in enumerate(doc_to_choice(d))]
    results = hflm.loglikelihood(requests)
    per_doc = [process_results(d, results[2 * i:2 * i + 2]) for i, d in enumerate(docs)]
    ref_pct = float(np.mean([r["pct_stereotype"] for r in per_doc]))
    ref_diff = float(np.mean([r["likelihood_diff"] for r in per_doc]))

    ours_ll = default_model.loglikelihood([r.arguments for r in requests])
    assert ours_ll == pytest.approx([ll for ll, _ in results], rel=1e-5, abs=1e-4)
    assert by["pct_stereotype"] == ref_pct
    assert by["likelihood_diff"] == pytest.approx(ref_diff, abs=1e-4)
