"""Item flips: two runs of the same cases paired item by item (`assay compare`), e.g. a model and
its quantized or pruned variant. Shows what an aggregate comparison hides: flipped items."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import _data
from dashboard._widgets import pick_run, require_runs


@st.cache_data(ttl=_data.METRICS_TTL, show_spinner=False)
def _compare(url: str, run_a: str, run_b: str) -> dict[str, Any] | str:
    """The compare object, or the one-line reason the runs cannot be paired."""
    from audit.compare import compare_samples
    from audit.errors import AssayError

    st_ = _data.load_store(url)
    try:
        return compare_samples(run_a, run_b, st_.samples(run_a), st_.samples(run_b),
                               data_a=st_.get_run(run_a).data, data_b=st_.get_run(run_b).data)
    except AssayError as exc:
        return exc.one_line()


@st.cache_data(ttl=_data.METRICS_TTL, show_spinner=False)
def _sample_suites(url: str, run_id: str) -> frozenset[str]:
    return frozenset(_data.load_store(url).sample_suites(run_id))


def _default_pair(url: str, runs: list[Any], window: int = 20) -> tuple[int, int]:
    """(A, B) indexes of the newest run with item samples and the newest earlier run sharing a
    suite's samples with it: the two newest runs are often not a pair (a PII run after a bias
    run), and the page then opened on an empty comparison."""
    for j, b in enumerate(runs[:window]):
        mine = _sample_suites(url, b.run_id)
        if mine:
            for i in range(j + 1, min(len(runs), j + 1 + window)):
                if mine & _sample_suites(url, runs[i].run_id):
                    return i, j
    return 1, 0


st.title("Item flips")
url, runs = require_runs()
if len(runs) < 2:
    st.info("Pairing needs two runs of the same cases, e.g.\n\n```\nassay audit ...\n"
            "assay audit ... --quantize int4\n```")
    st.stop()
left, right = st.columns(2)
ia, ib = _default_pair(url, runs)
with left:
    a = pick_run(runs, "fa", "Original (run A)", ia)
with right:
    b = pick_run(runs, "fb", "Variant (run B)", ib)
result = _compare(url, a.run_id, b.run_id)
if isinstance(result, str):
    st.warning(result)
    st.stop()
for w in result["warnings"]:
    st.warning(w)
rows = [{"suite": s, "outcome": name, "n": o["n"], "A": o["a"], "B": o["b"], "diff": o["diff"],
         "diff CI": f"[{o['diff_ci'][0]:+.3f}, {o['diff_ci'][1]:+.3f}]", "flips": o["flips"],
         "flip rate": o["flip_rate"],
         "flip CI": f"[{o['flip_ci'][0]:.3f}, {o['flip_ci'][1]:.3f}]",
         "McNemar p": o["mcnemar_p"]}
        for s, sr in result["suites"].items() for name, o in sr["outcomes"].items()]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
suite = st.selectbox("Suite", list(result["suites"]), key="flips_suite")
outcomes = result["suites"][suite]["outcomes"]
name = st.selectbox("Outcome", list(outcomes), key="flips_outcome")
o = outcomes[name]
st.subheader("By group (Holm-adjusted McNemar p)")
st.dataframe(pd.DataFrame([{k: g[k] for k in ("group", "n", "a", "b", "diff", "flips",
                                              "flip_rate", "p_holm")} for g in o["groups"]]),
             hide_index=True, width="stretch")
if o.get("strata"):
    st.subheader("By the original's certainty (|margin| quartiles, Q1 least certain)")
    st.dataframe(pd.DataFrame([{"stratum": f"Q{x['stratum']}",
                                "|margin|": f"{x['abs_margin'][0]:.3f}–{x['abs_margin'][1]:.3f}",
                                "n": x["n"], "flips": x["flips"], "flip rate": x["flip_rate"]}
                               for x in o["strata"]]), hide_index=True, width="stretch")
