"""The model port's contract: every registered backend and every registered suite.

- Backends: `accepts`/`open` classmethods, declared capabilities, keyword-only `progress`,
  log-likelihoods that carry their token counts; options a backend does not take are refused.
- Suites: each declares `requires`, runs on a model offering exactly that, and the runner refuses
  (one line, exit 2, nothing stored) a model that lacks any of it.
"""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path

import pytest

from audit.errors import CapabilityError, ModelError, UsageError
from audit.model import Capability, FakeModel, LanguageModel, Loglikelihood
from audit.model.registry import (available_backends, backend_for, check_model, get_backend,
                                  open_model)
from audit.registry import BUILTIN_SUITES, get_suite
from audit.runner import AuditConfig, check_capabilities, run_audit
from audit.suite import SuiteContext
from audit.types import ModelIdentity
from tests.test_samples_contract import EVERY

# -- Loglikelihood -------------------------------------------------------------------------


def test_loglikelihood_is_a_float_with_its_token_count():
    x = Loglikelihood(-2.5, n_tokens=4, is_greedy=False)
    assert isinstance(x, float) and x == -2.5 and x + 1 == -1.5 and x / x.n_tokens == -0.625
    assert (x.n_tokens, x.is_greedy) == (4, False)
    back = pickle.loads(pickle.dumps(x))
    assert (float(back), back.n_tokens, back.is_greedy) == (-2.5, 4, False)
    assert f"{x}" == "-2.5" and f"{x:.1f}" == "-2.5"  # prints as the number it is
    with pytest.raises(ValueError):
        Loglikelihood(-1.0, n_tokens=-1)


def test_identity_extra_is_stored_but_not_compared():
    a = ModelIdentity("m", "http://h/v1", "", "?", "remote", "openai",
                      extra={"weights_hashed": False})
    assert a.to_dict()["extra"] == {"weights_hashed": False}
    assert ModelIdentity.from_dict(a.to_dict()).extra == {"weights_hashed": False}
    plain = ModelIdentity("m", "p", "abc", "float32", "cpu", "hf")
    assert "extra" not in plain.to_dict()  # runs without extras keep their stored model dict


# -- the registry and the factory ------------------------------------------------------------

class SchemeBackend:
    """A plug-in backend for `mem://NAME` specs: a generation-only FakeModel."""

    @classmethod
    def accepts(cls, spec: str) -> bool:
        return spec.startswith("mem://")

    @classmethod
    def open(cls, spec: str, *, model_options: dict[str, str] | None = None) -> FakeModel:
        caps = (model_options or {}).get("caps", "generation").split("+")
        return FakeModel(name=spec.removeprefix("mem://"),
                         capabilities=frozenset(Capability(c) for c in caps))


@pytest.fixture()
def plugin(monkeypatch):
    """Registers SchemeBackend through the `assay.models` entry-point group."""
    from importlib.metadata import EntryPoint

    import audit.model.registry as registry

    ep = EntryPoint("mem", "tests.test_model_port:SchemeBackend", registry.ENTRY_POINT_GROUP)
    real = registry.entry_points
    monkeypatch.setattr(registry, "entry_points",
                        lambda group: [ep] if group == registry.ENTRY_POINT_GROUP else real(group))
    return ep


def test_builtin_backends_and_selection_order(plugin):
    names = list(available_backends())
    assert names[:2] == ["openai", "hf"] and names[-1] == "mem"  # built-ins first, then plug-ins
    assert backend_for("default")[0] == "hf"
    assert backend_for("models/x.gguf")[0] == "hf"
    assert backend_for("mem://g")[0] == "mem"  # a plug-in's scheme is not a local path
    assert get_backend("hf").accepts("http://127.0.0.1:8000/v1") is False


def test_plugin_backend_opens_through_open_model(plugin):
    lm = open_model("mem://g", model_options={"caps": "generation+loglikelihood"})
    assert isinstance(lm, LanguageModel)
    assert lm.capabilities == {Capability.GENERATION, Capability.LOGLIKELIHOOD}


def test_unknown_backend_option_is_one_line(plugin):
    with pytest.raises(UsageError) as exc:
        open_model("mem://g", quantize="int8")
    msg = exc.value.one_line()
    assert "mem model backend takes no option 'quantize'" in msg and "\n" not in msg
    assert "model_options" in msg  # names what it does take
    with pytest.raises(UsageError, match="unknown model backend 'nope'"):
        open_model("default", backend="nope")
    with pytest.raises(UsageError, match="does not accept"):
        open_model("mem://g", backend="hf")


def test_unclaimed_scheme_is_refused_in_one_line():
    with pytest.raises(UsageError) as exc:
        check_model("ray://cluster")
    assert "no model backend accepts --model 'ray://cluster'" in exc.value.one_line()


def test_hf_checks_before_loading(tmp_path: Path):
    with pytest.raises(ModelError, match="does not exist"):
        check_model(str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelError, match="unknown quantization 'int3'"):
        check_model("default", quantize="int3")
    with pytest.raises(UsageError, match="--model-option colour is not an option of local"):
        check_model("default", model_options={"colour": "red"})


# -- every registered backend ------------------------------------------------------------------

# backend -> fixture giving an opened instance (here: the real default model), or why it has
# none in this file (its own tests open it against a loopback server)
OPENED = {"hf": "default_model"}
CLASS_ONLY = {"openai": "needs a server: tests/test_endpoint_*.py open it on loopback"}


def test_every_backend_is_covered():
    assert set(available_backends()) <= set(OPENED) | set(CLASS_ONLY)


@pytest.mark.parametrize("name", sorted(set(OPENED) | set(CLASS_ONLY)))
def test_backend_class_contract(name):
    try:
        cls = get_backend(name)
    except UsageError:
        if name in CLASS_ONLY:
            pytest.skip(f"{name} backend not importable in this checkout")
        raise
    assert inspect.ismethod(cls.accepts) and inspect.ismethod(cls.open)  # classmethods
    url, path = "http://127.0.0.1:9/v1", "default"
    assert cls.accepts(url) is (name == "openai") and cls.accepts(path) is (name == "hf")
    for method in ("loglikelihood", "generate", "choice_logprobs"):
        sig = inspect.signature(getattr(cls, method))
        assert sig.parameters["progress"].kind is inspect.Parameter.KEYWORD_ONLY, method


@pytest.mark.model
@pytest.mark.parametrize("name", sorted(OPENED))
def test_opened_backend_contract(request, name):
    lm = request.getfixturevalue(OPENED[name])
    assert isinstance(lm, LanguageModel)
    caps = lm.capabilities
    assert isinstance(caps, frozenset) and caps and all(isinstance(c, Capability) for c in caps)
    assert isinstance(lm.identity, ModelIdentity)
    seen: list[int] = []
    reqs = [("", "The nurse said."), ("The doctor said that", " he"), ("A", " b c d")]
    lls = lm.loglikelihood(reqs, progress=seen.append)
    assert sum(seen) == len(reqs)  # the suite's bar advances by exactly the requests
    assert all(isinstance(x, Loglikelihood) and x < 0 for x in lls)
    if hasattr(lm, "encode_pair"):  # local weights: the counts are the tokenizer's
        assert [x.n_tokens for x in lls] == [len(lm.encode_pair(c, x)[1]) for c, x in reqs]
    from audit.model import GenerationConfig

    seen.clear()
    out = lm.generate(["Hi"], GenerationConfig(max_new_tokens=2), progress=seen.append)
    assert len(out) == 1 and isinstance(out[0], str) and sum(seen) == 1
    lps = lm.choice_logprobs(["Is it?"], [["Yes", "No"]], progress=lambda n: None)
    assert len(lps) == 1 and len(lps[0]) == 2


@pytest.mark.model
def test_open_model_default_is_the_local_backend():
    lm = open_model("default", device="cpu")
    assert lm.identity.backend == "hf" and lm.capabilities == frozenset(Capability)


# -- every registered suite ------------------------------------------------------------------

def _prepared(suite_id: str, datasets: Path, tmp_path: Path):
    data, options = EVERY[suite_id]
    path = datasets / data if isinstance(data, str) else data(tmp_path) if data else None
    limit = 60 if suite_id == "holistic_bias" else 12
    suite = get_suite(suite_id)(data_path=path, limit=limit, seed=0, options=options)
    suite.prepare()
    return suite


@pytest.mark.parametrize("suite_id", sorted(BUILTIN_SUITES))
def test_suite_declares_what_it_needs(suite_id):
    cls = get_suite(suite_id)
    assert "requires" in vars(cls), f"{suite_id} inherits requires instead of declaring it"
    assert cls.requires and cls.requires <= set(Capability)
    assert Capability.GRADIENTS not in cls.requires  # every suite runs on a served model's API


@pytest.mark.parametrize("suite_id", sorted(BUILTIN_SUITES))
def test_suite_runs_on_exactly_what_it_declares(datasets, tmp_path, suite_id):
    suite = _prepared(suite_id, datasets, tmp_path)
    model = FakeModel(bonus={" he": 0.5}, capabilities=frozenset(suite.requires),
                      responses=lambda p: "She said he would email jo@example.org.")
    check_capabilities([suite], model)
    res = suite.run(SuiteContext(model=model, run_id="r", seed=0))  # CapabilityError if not
    assert res.n > 0
    method = {"loglikelihood": Capability.LOGLIKELIHOOD, "generate": Capability.GENERATION,
              "choice_logprobs": Capability.CHOICE_LOGPROBS}
    used = {method[kind] for kind, _ in model.calls}
    assert used and used <= suite.requires


@pytest.mark.parametrize("suite_id", sorted(BUILTIN_SUITES))
def test_runner_refuses_each_missing_capability(datasets, tmp_path, suite_id):
    suite = _prepared(suite_id, datasets, tmp_path)
    for cap in suite.requires:
        model = FakeModel(capabilities=frozenset(Capability) - {cap}, name="partial")
        with pytest.raises(CapabilityError) as exc:
            check_capabilities([suite], model)
        msg = exc.value.one_line()
        assert msg.startswith(f"{suite_id} needs {cap.value}; the fake model at fake://partial")
        assert "\n" not in msg and "local weights" in msg
        assert model.calls == []


def test_occupations_without_generation_view_needs_loglikelihood_only():
    suite = get_suite("occupations")(limit=3, options={"generate_tokens": 0})
    suite.prepare()
    assert suite.requires == {Capability.LOGLIKELIHOOD}
    check_capabilities([suite], FakeModel(capabilities=frozenset({Capability.LOGLIKELIHOOD})))


def test_token_counts_come_from_the_backend_not_words():
    """stereoset/holistic_bias average per token with the backend's count; bare floats are
    refused instead of being averaged over whitespace words."""
    from probes.bias._lm import mean_token_logprobs

    class Counted(FakeModel):
        def loglikelihood(self, requests, *, progress=None):
            return [Loglikelihood(-6.0, n_tokens=3) for _ in requests]

    avg, total = mean_token_logprobs(Counted(), [("", "one two")])  # 2 words, 3 tokens
    assert list(avg) == [-2.0] and list(total) == [-6.0]

    class Bare(FakeModel):
        def loglikelihood(self, requests, *, progress=None):
            return [-6.0 for _ in requests]

    with pytest.raises(ModelError, match="without token counts"):
        mean_token_logprobs(Bare(), [("", "one two")])


# -- the refusal end to end: exit 2, one line, nothing stored -------------------------------

def test_audit_cli_refuses_before_running(plugin, tmp_path, capsys):
    from audit.cli import main
    from audit.store import open_store

    url = f"sqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(SystemExit) as exc:
        main(["audit", "--model", "mem://chat-only", "--suite", "occupations", "--limit", "3",
              "--store", url, "--no-progress"])
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "occupations needs loglikelihood; the fake model at fake://chat-only offers only " \
           "generation" in lines[0]
    st = open_store(url)
    try:  # metrics and findings are only ever written with their run, in one transaction
        assert st.runs() == []
    finally:
        st.close()


def test_run_audit_refuses_before_anything_runs(store):
    model = FakeModel(capabilities=frozenset({Capability.GENERATION}))
    with pytest.raises(CapabilityError) as exc:
        run_audit(AuditConfig(suites=("counterfactual", "occupations", "decisions"), limit=3),
                  model, store)
    assert exc.value.one_line() == (
        "occupations needs loglikelihood; the fake model at fake://fake offers only generation; "
        "also refused: decisions (choice_logprobs); drop --suite occupations --suite decisions, "
        "or audit local weights (--model default, a .gguf file or a model directory), which "
        "offer every capability")
    assert model.calls == []  # counterfactual (first, servable) did not run either
    assert store.runs() == []


def test_run_stores_each_suites_category(store):
    res = run_audit(AuditConfig(suites=("occupations",), limit=3), FakeModel(), store)
    run = store.get_run(res.run.run_id)
    assert run.categories == {"occupations": "bias"} and run.category("occupations") == "bias"
    assert run.category("my_pii_plugin") == "pii"  # older runs: the name guess


def test_backend_options_keep_config_hash_meaning():
    """A default run's hash does not change when its options come through the backend."""
    model = FakeModel()
    plain = run_audit(AuditConfig(suites=("occupations",), limit=3), model).run.config_hash
    on_cpu = run_audit(AuditConfig(suites=("occupations",), limit=3,
                                   backend_options={"device": "cpu"}), model).run.config_hash
    q = run_audit(AuditConfig(suites=("occupations",), limit=3,
                              backend_options={"quantize": "int8"}), model).run.config_hash
    timeout = run_audit(AuditConfig(suites=("occupations",), limit=3, backend_options={
        "model_options": {"timeout": "30"}}), model).run.config_hash
    served = run_audit(AuditConfig(suites=("occupations",), limit=3, backend_options={
        "model_options": {"model": "other"}}), model).run.config_hash
    assert plain == on_cpu == timeout and len({plain, q, served}) == 3


def test_migration_0006_backfills_categories_of_stored_runs(any_store_url):
    """A store made before 0006 gets its runs' categories (built-ins known, others guessed)."""
    import json

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from audit.store import _MIGRATIONS, _normalise_url, open_store

    engine = create_engine(_normalise_url(any_store_url))
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        conn.execute(text(
            "INSERT INTO runs (run_id, model_name, model_sha256, model, suites, data, seed, "
            "config_hash, config, versions, host, started_at, status, timings) VALUES "
            "('old', 'm', 's', '{}', :suites, '{}', 0, 'h', '{}', '{}', 'h', "
            "'2026-01-01T00:00:00+00:00', 'completed', '{}')"),
            {"suites": json.dumps(["crows_pairs", "canary_exposure", "my_plugin"])})
    engine.dispose()
    st = open_store(any_store_url)
    try:
        run = st.get_run("old")
    finally:
        st.close()
    assert run.categories == {"crows_pairs": "bias", "canary_exposure": "pii"}
    assert [run.category(s) for s in run.suites] == ["bias", "pii", "bias"]
