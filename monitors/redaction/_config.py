"""Settings of the redaction middleware and proxy (typed, passed down, no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from audit.errors import UsageError

__all__ = ["RedactionConfig"]


@dataclass(frozen=True)
class RedactionConfig:
    """How the boundary redacts and how it fails.

    There is no list of fields to redact: every string of a body is text unless it is an
    allow-listed id or enum (`monitors.redaction.NOT_TEXT_KEYS`). Fail-closed by default: a
    body that cannot be interpreted, a detector error, or a redaction step over `time_budget_s`
    refuses the exchange and nothing unredacted is forwarded; a stream that already started
    ends with an SSE `error` event. `fail_open=True` forwards the original instead (and records
    the event as `failed_open`). Reversible sessions live `session_ttl_s` after their last use;
    at most `max_sessions` are kept.
    """

    paths: tuple[str, ...] = ("/",)
    max_body_bytes: int = 4 << 20
    time_budget_s: float = 5.0
    fail_open: bool = False
    holdback_chars: int = 64
    context_chars: int = 64
    min_emit_chars: int = 1
    max_pending_chars: int = 4096
    reversible: bool = False
    session_ttl_s: float = 3600.0
    max_sessions: int = 10_000
    token_style: str = "angle"  # reversible placeholders: `<PERSON_1>` or `[PERSON_1]`
    source: str = "middleware"

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1 or self.time_budget_s <= 0:
            raise UsageError("max_body_bytes and time_budget_s must be positive",
                             "pass e.g. --max-body-bytes 4194304 --time-budget 5")
        if self.holdback_chars < 1 or self.max_pending_chars < 2 * self.holdback_chars:
            raise UsageError("holdback_chars must be >= 1 and max_pending_chars >= twice it",
                             "raise --max-pending or lower --holdback")
        if self.session_ttl_s <= 0 or self.max_sessions < 1:
            raise UsageError("session_ttl_s and max_sessions must be positive",
                             "e.g. session_ttl_s=3600, max_sessions=10000")
        if self.token_style not in ("angle", "square"):
            raise UsageError(f"token_style {self.token_style!r} is not known", "use angle or square")
