"""Alert sinks: a log/stdout line, and an HTTP webhook with retry and exponential backoff."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import IO, Protocol

from audit.types import Alert, canonical_json
from monitors.rules import SinkSpec

__all__ = ["LogSink", "Sink", "WebhookSink", "build_sinks"]

log = logging.getLogger(__name__)


class Sink(Protocol):
    def send(self, alert: Alert) -> bool:
        """Deliver one alert; True when delivered."""


class LogSink:
    """One JSON line per alert on stdout (or `stream`), and a WARNING log record."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def send(self, alert: Alert) -> bool:
        log.warning("alert %s: %s", alert.rule, alert.message)
        stream = self.stream or sys.stdout
        stream.write(canonical_json({"alert": alert.to_dict()}) + "\n")
        stream.flush()
        return True


class WebhookSink:
    """POST the alert as JSON; retry network errors, 429 and 5xx with exponential backoff."""

    def __init__(self, url: str, retries: int = 3, backoff_s: float = 0.5,
                 timeout_s: float = 5.0, headers: dict[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.headers = dict(headers or {})
        self.sleep = sleep
        self.attempts = 0

    def send(self, alert: Alert) -> bool:
        import httpx

        body = canonical_json({"alert": alert.to_dict()}).encode()
        headers = {"content-type": "application/json", **self.headers}
        with httpx.Client(timeout=self.timeout_s) as client:
            for attempt in range(self.retries + 1):
                self.attempts += 1
                try:
                    r = client.post(self.url, content=body, headers=headers)
                    if r.status_code < 300:
                        return True
                    if r.status_code != 429 and r.status_code < 500:
                        log.error("webhook %s refused alert %s: HTTP %d", self.url, alert.rule,
                                  r.status_code)
                        return False
                    reason = f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    reason = type(exc).__name__
                if attempt < self.retries:
                    delay = self.backoff_s * (2 ** attempt)
                    log.info("webhook %s: %s; retry %d in %.2fs", self.url, reason,
                             attempt + 1, delay)
                    self.sleep(delay)
        log.error("webhook %s: alert %s not delivered after %d attempts (%s)", self.url,
                  alert.rule, self.retries + 1, reason)
        return False


def build_sinks(specs: Sequence[SinkSpec]) -> list[Sink]:
    """Sinks from the rules file's `sinks:` list."""
    out: list[Sink] = []
    for s in specs:
        if s.kind == "log":
            out.append(LogSink())
        else:
            out.append(WebhookSink(s.url or "", retries=s.retries, backoff_s=s.backoff_s,
                                   timeout_s=s.timeout_s, headers=s.headers))
    return out
