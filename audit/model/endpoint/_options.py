"""`--model-option KEY=VALUE` for an endpoint, parsed once into a typed, validated record."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

from audit.errors import UsageError

__all__ = ["EndpointOptions", "parse_options"]

MODES = ("auto", "chat", "completions")


@dataclass(frozen=True)
class EndpointOptions:
    """What a user can set for an OpenAI-compatible endpoint (all optional)."""

    model: str = ""  # served model name; "" = the first one /v1/models lists
    api_key_env: str = "OPENAI_API_KEY"  # the environment variable holding the key (never stored)
    mode: str = "auto"  # auto: probe both routes; chat / completions: use only that one
    timeout: float = 120.0  # seconds per request before it counts as a timeout
    max_concurrency: int = 64  # hard cap on requests in flight (adaptive below it)
    concurrency: int = 0  # 0: adaptive (AIMD); N: exactly N in flight
    batch_size: int = 8  # prompts per /v1/completions request when the probe finds batches work
    max_retries: int = 6  # per request, for 429/503/5xx/timeouts/connection errors
    cache: bool = True  # persistent response cache (resume, free reruns)
    cache_path: str = ""  # "" = <Assay cache dir>/endpoint-responses.sqlite
    prefix_token: str | None = None  # text of the token an empty context becomes (BOS)
    top_logprobs: int = 20  # alternatives asked for when choices come from a chat reply
    tolerance: float = 0.1  # nats: prompt vs next-token log-prob disagreement the probe allows

    def api_key(self, explicit: bool) -> str | None:
        """The key from the environment; a named variable that is unset is an error."""
        value = os.environ.get(self.api_key_env)
        if explicit and not value:
            raise UsageError(f"--model-option api_key_env={self.api_key_env}: that environment "
                             "variable is not set", f"export {self.api_key_env}=... first")
        return value or None


def _bool(key: str, value: str) -> bool:
    v = value.strip().lower()
    if v in ("on", "true", "1", "yes"):
        return True
    if v in ("off", "false", "0", "no"):
        return False
    raise UsageError(f"--model-option {key}={value}: expected on or off")


def _number(key: str, value: str, kind: type, low: float) -> Any:
    try:
        n = kind(value)
    except ValueError:
        raise UsageError(f"--model-option {key}={value}: expected a {kind.__name__}") from None
    if n < low:
        raise UsageError(f"--model-option {key}={value}: must be >= {low}")
    return n


def parse_options(raw: dict[str, str] | None) -> tuple[EndpointOptions, bool]:
    """(options, whether api_key_env was given explicitly); UsageError in one line otherwise."""
    raw = dict(raw or {})
    names = [f.name for f in fields(EndpointOptions)]
    out: dict[str, Any] = {}
    for key, value in raw.items():
        value = str(value)
        if key not in names:
            raise UsageError(f"--model-option {key} is not an option of an endpoint",
                             f"use one of: {', '.join(names)}")
        if key == "mode":
            if value not in MODES:
                raise UsageError(f"--model-option mode={value}: use one of {', '.join(MODES)}")
            out[key] = value
        elif key == "cache":
            out[key] = _bool(key, value)
        elif key in ("timeout", "tolerance"):
            out[key] = _number(key, value, float, 0.001)
        elif key in ("max_concurrency", "batch_size", "top_logprobs"):
            out[key] = _number(key, value, int, 1)
        elif key in ("concurrency", "max_retries"):
            out[key] = _number(key, value, int, 0)
        else:
            out[key] = value
    opts = EndpointOptions(**out)
    if opts.concurrency > opts.max_concurrency:
        opts = EndpointOptions(**{**out, "max_concurrency": opts.concurrency})
    return opts, "api_key_env" in raw
