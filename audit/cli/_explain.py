"""`assay explain`: why did the model produce (or prefer) a target after a prompt?"""

from __future__ import annotations

import typer
from rich.markup import escape

from audit.cli import app
from audit.cli._common import err, out, print_json
from audit.cli._model import (MODEL_HELP, backend_options, check_cli_model, model_option_flag,
                              no_cache_flag, open_cli_model, with_no_cache)
from audit.explain.config import ExplainConfig

_CONFIG = ExplainConfig()
# as ExplainConfig validates: the Riemann rules need 2 nodes, Gauss-Legendre 1
_MIN_STEPS = 1 if _CONFIG.ig_method == "gausslegendre" else 2
_RULE = {"gausslegendre": "Gauss-Legendre nodes", "riemann_middle": "midpoint-rule nodes",
         "riemann_trapezoid": "trapezoid-rule nodes"}.get(_CONFIG.ig_method,
                                                         f"{_CONFIG.ig_method} nodes")


@app.command("explain")
def explain_cmd(
    prompt: str = typer.Option(..., "--prompt", "-p", help="The text the model was given."),
    target: str = typer.Option(..., "--target", "-t",
                               help="The continuation to explain (mind the leading space: ' he')."),
    foil: str = typer.Option(None, "--foil", "-f",
                             help="An alternative: explain log P(target) - log P(foil)."),
    method: str = typer.Option("ablation", "--method",
                               help="ig (integrated gradients), ablation, shapley or shap."),
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    model_option: list[str] = model_option_flag(),
    no_cache: bool = no_cache_flag(),
    device: str = typer.Option("auto", help="auto (CUDA bf16 if present, else CPU fp32), cpu, cuda."),
    quantize: str = typer.Option("none", "--quantize",
                                 help="none, or int8: decoder weights as int8 with per-channel "
                                      "scales (for models that do not fit; scores move slightly)."),
    # no typer `min=`: ExplainConfig validates (one line, exit 2, before the model loads)
    steps: int = typer.Option(None,
                              help=f"Integrated-gradients steps (default {_CONFIG.ig_steps} "
                                   f"{_RULE}; at least {_MIN_STEPS})."),
    samples: int = typer.Option(None, help="Shapley permutations (default "
                                                  f"{_CONFIG.shapley_samples})."),
    seed: int = typer.Option(0, help="Seed for sampled methods (shapley)."),
    json_out: bool = typer.Option(False, "--json", help="Print the attribution as one JSON object."),
) -> None:
    """Attribute a target's log-probability (or target vs foil) to the prompt's tokens.

    Example: assay explain --prompt 'The nurse said that' --target ' she' --foil ' he' --method ig
    """
    from dataclasses import replace

    from audit.explain import get_explainer
    from audit.explain.request import ExplainRequest

    config = replace(_CONFIG, seed=seed)
    if steps is not None:
        config = replace(config, ig_steps=steps)
    if samples is not None:
        config = replace(config, shapley_samples=samples)
    explainer = get_explainer(method, config)  # unknown method: one line, before loading
    foil = ExplainRequest.check(prompt, target, foil)  # empty input fails before loading
    model_opts = with_no_cache(model, backend_options(device, quantize, "none", model_option),
                               no_cache)
    check_cli_model(model, model_opts)  # bad path or option: one line, before loading
    if not json_out:
        err.print(f"loading model {model!r} …")
    lm = open_cli_model(model, model_opts)
    att = explainer.explain(lm, prompt, target, foil)
    if json_out:
        print_json(att.to_dict())
        return
    from audit.explain.render import heat_line, summary_lines

    lines = summary_lines(att)
    out.print(escape(lines[0]))
    out.print(heat_line(att))
    for line in lines[1:]:
        out.print(escape(line))
    out.print(f"[dim]red: pushes towards {escape(repr(att.target))}"
              + (f", blue: towards {escape(repr(att.foil))}" if att.foil else ", blue: against")
              + f"; {att.seconds:.1f}s[/dim]")
