"""The one place that decides what a failure means: refuse (fail-closed) or pass (fail-open).

Every failure of the boundary is a `Failure` (what failed, where, the HTTP status and code a
refusal carries) and `FailurePolicy.decide` is asked once about it. Fail-closed (the default)
refuses everything it cannot check; fail-open passes the original on and the event is
recorded as `failed_open`. An oversized request is refused either way (it was never read whole).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

__all__ = ["Failure", "FailurePolicy", "error_body"]

log = logging.getLogger("monitors.redaction")


@dataclass(frozen=True)
class Failure:
    """What went wrong: `kind` is detector, uninterpretable or too_large."""

    direction: str
    kind: str
    status: int
    code: str
    message: str


def error_body(message: str, code: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "pii_redaction_error",
                                 "code": code}}).encode()


@dataclass(frozen=True)
class FailurePolicy:
    """`decide(failure)` -> (forward the original?, outcome to record)."""

    fail_open: bool = False

    def decide(self, failure: Failure) -> tuple[bool, str]:
        if failure.kind == "too_large" and failure.direction == "request":
            return False, "too_large"
        if self.fail_open:
            log.warning("%s; passing the %s on unredacted (fail-open)", failure.message,
                        failure.direction)
            return True, "failed_open"
        if failure.kind == "detector":
            log.warning("%s; the %s was refused (fail-closed)", failure.message,
                        failure.direction)
        return False, "too_large" if failure.kind == "too_large" else "refused"

    def refusal(self, failure: Failure) -> str:
        """The message a refused exchange carries."""
        what = ("the request was refused so that no unredacted PII reaches the model"
                if failure.direction == "request" else
                "the response was withheld so that no unredacted PII reaches the client")
        return f"{failure.message}; {what}"
