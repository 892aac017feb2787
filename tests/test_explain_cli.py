"""`assay explain`: JSON contract, the terminal heat line, one-line errors with exit 2."""

from __future__ import annotations

import json

import pytest

from audit.cli import main


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture()
def reuse_model(monkeypatch, default_model):
    """The CLI's open_model(...) gets the session's already loaded real model (one thread)."""
    import torch

    from audit.model.hf import HFModel

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    monkeypatch.setattr(HFModel, "open", classmethod(lambda cls, spec, **kw: default_model))
    yield default_model
    torch.set_num_threads(n)


@pytest.mark.model
def test_json_contract(capsys, reuse_model) -> None:
    code, out, err = run_main(capsys, "explain", "--prompt", "The password is apple. The "
                              "password is", "--target", " apple", "--foil", " pear",
                              "--method", "ablation", "--json")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert doc["method"] == "ablation" and doc["target"] == " apple" and doc["foil"] == " pear"
    assert len(doc["tokens"]) == len(doc["scores"]) == 8
    assert doc["score"] == pytest.approx(doc["target_logprob"] - doc["foil_logprob"], abs=1e-6)
    assert doc["tokens"][max(range(8), key=lambda i: doc["scores"][i])] == " apple"
    assert doc["parameters"]["perturbations_per_eval"] >= 1


@pytest.mark.model
def test_terminal_heat_line(capsys, reuse_model) -> None:
    code, out, err = run_main(capsys, "explain", "-p", "The nurse said that", "-t", " she",
                              "-f", " he", "--method", "ig", "--steps", "8")
    assert code == 0, err
    assert "log P(' she') - log P(' he')" in out
    assert "The nurse said that" in out  # the heat line spells the prompt, token by token
    assert "strongest token:" in out and "towards the target:" in out


@pytest.mark.model
def test_target_longer_than_context_window(capsys, reuse_model) -> None:
    code, _, err = run_main(capsys, "explain", "-p", "Hello", "-t", " a" * 9000)
    assert code == 2
    last = err.strip().splitlines()[-1]  # after the "loading model" progress line
    assert last.startswith("assay: error: the target (1 + 9000 tokens) is longer than the "
                           "model's context window (8192 tokens)")


@pytest.mark.parametrize("args,needle", [
    (["-p", "", "-t", " he"], "the prompt is empty"),
    (["-p", "  ", "-t", " he"], "the prompt is empty"),
    (["-p", "The nurse said that", "-t", ""], "the target is empty"),
    (["-p", "x", "-t", " he", "--method", "lime"], "unknown explanation method 'lime'"),
    (["-p", "x", "-t", " he", "-f", " he"], "same as the target"),
])
def test_bad_input_one_line_exit_2(capsys, monkeypatch, args, needle) -> None:
    def no_load(*a, **k):
        raise AssertionError("bad input must fail before the model loads")

    from audit.model.hf import HFModel

    monkeypatch.setattr(HFModel, "load", no_load)
    monkeypatch.setattr(HFModel, "open", classmethod(no_load))
    code, out, err = run_main(capsys, "explain", *args)
    assert code == 2 and out == ""
    assert err.startswith("assay: error: ") and err.count("\n") == 1 and needle in err


def test_audit_rejects_unknown_explain_method(capsys, tmp_path) -> None:
    code, _, err = run_main(capsys, "audit", "--explain-method", "lime", "--store",
                            f"sqlite:///{tmp_path / 'a.db'}")
    assert code == 2 and "unknown explanation method 'lime'" in err
    assert not (tmp_path / "a.db").exists()


def test_steps_help_states_the_config_default(capsys) -> None:
    """`--steps` help reads ExplainConfig's default; its minimum is the config's validation's."""
    from audit.explain import ExplainConfig

    cfg = ExplainConfig()
    code, out, _ = run_main(capsys, "explain", "--help")
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    assert f"Integrated-gradients steps (default {cfg.ig_steps} " in flat
    assert f"(default {cfg.shapley_samples})" in flat
    lowest = 1 if cfg.ig_method == "gausslegendre" else 2
    with pytest.raises(Exception):  # noqa: B017, PT011 - UsageError below the CLI minimum
        ExplainConfig(ig_steps=lowest - 1)
    ExplainConfig(ig_steps=lowest)
    code, _, err = run_main(capsys, "explain", "-p", "x", "-t", " he", "--steps",
                            str(lowest - 1))
    assert code == 2 and "steps" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_main(capsys, "explain", "-p", "x", "-t", " he", "--samples", "0")
    assert code == 2 and "shapley_samples" in err
