"""Settings of the redaction middleware and proxy (typed, passed down, no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from audit.errors import UsageError

__all__ = ["ALL_STRINGS", "OPENAI_REQUEST_FIELDS", "OPENAI_RESPONSE_FIELDS", "RedactionConfig"]

ALL_STRINGS = "**"  # a field path meaning: every string anywhere in the JSON document
OPENAI_REQUEST_FIELDS = ("messages.*.content", "messages.*.content.*.text", "prompt", "prompt.*",
                         "input", "input.*", "suffix")
OPENAI_RESPONSE_FIELDS = ("choices.*.message.content", "choices.*.message.content.*.text",
                          "choices.*.text",
                          "choices.*.message.tool_calls.*.function.arguments")


@dataclass(frozen=True)
class RedactionConfig:
    """What the middleware redacts and how it fails.

    Fail-closed by default: when detection raises or one redaction step exceeds
    `time_budget_s`, the request is refused (503) and nothing unredacted is forwarded; a stream
    that already started ends with an SSE `error` event. `fail_open=True` forwards the original
    text instead (and records the event as `failed_open`).
    """

    request_fields: tuple[str, ...] = (ALL_STRINGS,)
    response_fields: tuple[str, ...] = (ALL_STRINGS,)
    paths: tuple[str, ...] = ("/",)
    max_body_bytes: int = 4 << 20
    time_budget_s: float = 5.0
    fail_open: bool = False
    holdback_chars: int = 64
    context_chars: int = 64
    min_emit_chars: int = 1
    max_pending_chars: int = 4096
    reversible: bool = False
    redact_text_bodies: bool = True
    source: str = "middleware"

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1 or self.time_budget_s <= 0:
            raise UsageError("max_body_bytes and time_budget_s must be positive",
                             "pass e.g. --max-body-bytes 4194304 --time-budget 5")
        if self.holdback_chars < 1 or self.max_pending_chars < 2 * self.holdback_chars:
            raise UsageError("holdback_chars must be >= 1 and max_pending_chars >= twice it",
                             "raise --max-pending or lower --holdback")
