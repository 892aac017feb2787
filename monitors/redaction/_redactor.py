"""The detector bound to one exchange: redact texts, documents and bodies; streams for SSE.

Detection runs in a worker thread under the time budget (`call`); any error or overrun is a
`RedactionFailed` for the failure policy. Requests are redacted (or pseudonymised with the
session's vault); responses are redacted and, in reversible mode, get the session's values back
(pseudonyms are guarded from the detector so that `restore` sees them whole).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import anyio

from monitors.detector import Detector
from monitors.redaction._config import RedactionConfig
from monitors.redaction._fields import rename_keys, text_slots
from monitors.redaction._shape import Body, Uninterpretable
from monitors.redaction._sse import SSERewriter
from monitors.redaction._stream import TextStream
from monitors.redaction._tokens import TokenStream, redact_logprobs

__all__ = ["RedactionFailed", "Redactor"]

log = logging.getLogger("monitors.redaction")


class RedactionFailed(Exception):
    """Redaction could not run (error or time budget): the exchange must not pass unredacted."""


class Redactor:
    """detector + config + (reversible) vault for one exchange."""

    def __init__(self, detector: Detector, config: RedactionConfig, vault: Any = None) -> None:
        self.det = detector
        self.cfg = config
        self.vault = vault
        self.seconds = 0.0

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn` off the event loop under the time budget."""
        t0 = time.perf_counter()
        try:
            with anyio.fail_after(self.cfg.time_budget_s):
                return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True)
        except TimeoutError:
            raise RedactionFailed(f"PII redaction exceeded its time budget of "
                                  f"{self.cfg.time_budget_s:g}s") from None
        except (RedactionFailed, Uninterpretable):
            raise  # the failure policy decides; not a detector failure
        except Exception as exc:
            log.exception("PII redaction failed")
            raise RedactionFailed(f"PII redaction failed ({type(exc).__name__})") from exc
        finally:
            self.seconds += time.perf_counter() - t0

    def analyze_one(self, text: str) -> list:
        return self.det.analyze([text])[0]

    # -- texts ---------------------------------------------------------------------------------
    def request_texts(self, texts: list[str]) -> tuple[list[str], Counter[str]]:
        counts: Counter[str] = Counter()
        if not texts:
            return texts, counts
        out = []
        for text, spans in zip(texts, self.det.analyze(texts), strict=True):
            counts.update(s.entity_type for s in spans)
            if self.vault is not None:
                out.append(self.vault.pseudonymise(text, spans) if spans else text)
            else:
                out.append(self.det.render(text, spans) if spans else text)
        return out, counts

    def response_texts(self, texts: list[str]) -> tuple[list[str], Counter[str]]:
        """Redact whole texts; in reversible mode keep the session's pseudonyms and restore them."""
        counts: Counter[str] = Counter()
        if not texts:
            return texts, counts
        out = []
        for text, spans in zip(texts, self.det.analyze(texts), strict=True):
            if self.vault is not None:
                guarded = self.vault.protect(text)
                spans = [s for s in spans if not any(gs < s.end and s.start < ge
                                                     for gs, ge in guarded)]
            counts.update(s.entity_type for s in spans)
            new = self.det.render(text, spans) if spans else text
            out.append(self.vault.restore(new) if self.vault is not None else new)
        return out, counts

    def response_text(self, text: str) -> tuple[str, Counter[str]]:
        out, counts = self.response_texts([text])
        return out[0], counts

    # -- documents and bodies ------------------------------------------------------------------
    def doc(self, doc: Any, request: bool) -> Counter[str]:
        """Redact every text string (and non-identifier key) of a JSON document in place."""
        values, keys, logprobs = text_slots(doc)
        texts = [c[k] for c, k in values] + [k for _d, k in keys]
        new, counts = (self.request_texts if request else self.response_texts)(texts)
        for (c, k), v in zip(values, new[:len(values)], strict=True):
            c[k] = v
        rename_keys(keys, new[len(values):])
        for lp in logprobs:
            counts.update(redact_logprobs(lp, self.analyze_one))
        return counts

    def body(self, body: Body, request: bool) -> Counter[str]:
        """Redact an interpreted body in place; returns the entity counts."""
        if body.kind in ("json", "ndjson"):
            holder = [body.value]  # a bare string is a document too
            counts = self.doc(holder, request)
            body.value = holder[0]
            return counts
        redact = self.request_texts if request else self.response_texts
        if body.kind == "form":
            flat = [x for pair in body.value for x in pair]
            new, counts = redact(flat)
            body.value = list(zip(new[0::2], new[1::2], strict=True))
            return counts
        if body.kind == "text":
            new, counts = redact([body.value])
            body.value = new[0]
            return counts
        return Counter()

    # -- streams -------------------------------------------------------------------------------
    def text_stream(self) -> TextStream:
        v = self.vault
        return TextStream(self.analyze_one, self.det.render, holdback=self.cfg.holdback_chars,
                          context=self.cfg.context_chars, min_emit=self.cfg.min_emit_chars,
                          max_pending=self.cfg.max_pending_chars,
                          protect=v.protect if v is not None else None,
                          restore=v.restore if v is not None else None)

    def token_stream(self) -> TokenStream:
        return TokenStream(self.analyze_one, holdback=self.cfg.holdback_chars,
                           context=self.cfg.context_chars)

    def rewriter(self, ndjson: bool) -> SSERewriter:
        return SSERewriter(self.text_stream, self.response_text, make_tokens=self.token_stream,
                           redact_many=self.response_texts, ndjson=ndjson)
