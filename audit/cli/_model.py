"""How every command opens its model: the CLI's model flags -> `open_model` options."""

from __future__ import annotations

from typing import Any

import typer

from audit.errors import UsageError

__all__ = ["MODEL_HELP", "MODEL_OPTION_HELP", "backend_options", "check_cli_model",
           "no_cache_flag", "open_cli_model", "parse_model_options", "with_no_cache"]

MODEL_HELP = ("'default' (bundled SmolLM2-135M-Instruct), a .gguf file, a local Hugging Face model "
              "directory, or an OpenAI-compatible endpoint http(s)://HOST:PORT/v1 (several "
              "replicas of one model: comma-separated URLs, balanced by the client).")
MODEL_OPTION_HELP = ("KEY=VALUE option of the model backend (repeatable): for an endpoint e.g. "
                     "model=NAME, api_key_env=VAR, mode=chat|completions, timeout=S, "
                     "max_concurrency=N, cache=off; for local weights max_batch_tokens=N.")


def model_option_flag() -> Any:
    """The repeatable `--model-option KEY=VALUE` flag, the same on every command."""
    return typer.Option(None, "--model-option", help=MODEL_OPTION_HELP)


def no_cache_flag() -> Any:
    """`--no-cache`: an endpoint's answers are asked again, not read from the response cache."""
    return typer.Option(False, "--no-cache", help="For an endpoint: ask the server again instead "
                        "of reading its response cache (= --model-option cache=off).")


def with_no_cache(spec: str, options: dict[str, Any], no_cache: bool) -> dict[str, Any]:
    """`options` with the endpoint's cache off when `--no-cache` was given."""
    if not no_cache:
        return options
    from audit.model.registry import is_url

    if not is_url(spec):
        raise UsageError("--no-cache applies to an endpoint (--model http(s)://HOST/v1)",
                         "local weights have no response cache; drop --no-cache")
    return {**options, "model_options": {**options.get("model_options", {}), "cache": "off"}}


def parse_model_options(values: list[str] | None) -> dict[str, str]:
    """`KEY=VALUE` strings -> {key: value}; a malformed one or a repeated key is a UsageError."""
    out: dict[str, str] = {}
    for v in values or []:
        key, sep, value = v.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--model-option {v!r} is not KEY=VALUE",
                             "write e.g. --model-option model=llama-3-8b")
        if key in out:
            raise UsageError(f"--model-option {key} given twice", "keep one of them")
        out[key] = value.strip()
    return out


def backend_options(device: str = "auto", quantize: str = "none", prune: str = "none",
                    model_option: list[str] | None = None, dtype: str | None = None
                    ) -> dict[str, Any]:
    """The `open_model` keywords for the flags a user set (defaults left out, so an endpoint
    is not refused for a --device it was never given, and config hashes keep their meaning)."""
    opts: dict[str, Any] = {}
    if device != "auto":
        opts["device"] = device
    if dtype:
        opts["dtype"] = dtype
    if quantize != "none":
        opts["quantize"] = quantize
    if prune != "none":
        opts["prune"] = prune
    parsed = parse_model_options(model_option)
    if parsed:
        opts["model_options"] = parsed
    return opts


def check_cli_model(spec: str, options: dict[str, Any]) -> None:
    """Everything about --model a user can get wrong that needs no weights or network."""
    from audit.model.registry import check_model

    check_model(spec, **options)


def open_cli_model(spec: str, options: dict[str, Any]) -> Any:
    """The model, loaded or connected (the endpoint probes its capabilities here)."""
    from audit.model.registry import open_model

    return open_model(spec, **options)
