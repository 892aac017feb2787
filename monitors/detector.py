"""The detector the monitors and the middleware share: batch analyze, render redacted text, hash.

Production uses the project's presidio engine (`audit.pii.get_engine`), the same one the audits
use, so an audit-time rate and a production-time rate count the same entities. Other detectors
can be plugged in as `module:callable` returning a `Detector`.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audit.errors import UsageError
from audit.types import Span

__all__ = ["Analyze", "Detector", "Render", "load_detector", "presidio_detector",
           "replace_spans"]

Analyze = Callable[[Sequence[str]], list[list[Span]]]
Render = Callable[[str, Sequence[Span]], str]


def replace_spans(text: str, spans: Sequence[Span]) -> str:
    """Replace each span (overlaps merged) with `<ENTITY_TYPE>`."""
    out: list[str] = []
    pos = 0
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.end <= pos:
            continue
        start = max(s.start, pos)
        out.append(text[pos:start])
        out.append(f"<{s.entity_type}>")
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Detector:
    """analyze(texts) -> spans per text; render(text, spans) -> redacted text; hash(value)."""

    analyze: Analyze
    render: Render = replace_spans
    hasher: Callable[[str], str] | None = None
    name: str = "custom"

    def redact(self, texts: Sequence[str]) -> list[str]:
        """Detect and redact a batch."""
        return [self.render(t, s) for t, s in zip(texts, self.analyze(texts), strict=True)]


def presidio_detector(config: Any = None, operator: str = "replace") -> Detector:
    """The project's presidio engine (loaded lazily, cached) with `operator` redaction."""
    from audit.pii import get_engine
    from audit.pii.secret import keyed_hash

    engine = get_engine(config)

    def render(text: str, spans: Sequence[Span]) -> str:
        return engine.redact_spans(text, list(spans), operator)

    return Detector(analyze=engine.analyze, render=render, hasher=keyed_hash, name="presidio")


def load_detector(spec: str) -> Detector:
    """`presidio` (default) or `package.module:factory` returning a Detector."""
    if spec in ("", "presidio"):
        return presidio_detector()
    if ":" not in spec:
        raise UsageError(f"detector {spec!r} is not known",
                         "use presidio or module:factory (a callable returning a Detector)")
    mod_name, _, attr = spec.partition(":")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like uvicorn: modules in the working directory load
    try:
        factory = getattr(importlib.import_module(mod_name), attr)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"cannot load detector {spec!r}: {exc}",
                         "check the module path and that it is importable") from None
    det = factory() if callable(factory) else factory
    if not isinstance(det, Detector):
        raise UsageError(f"detector {spec!r} returned {type(det).__name__}, not a Detector",
                         "return monitors.detector.Detector(analyze=...)")
    return det
