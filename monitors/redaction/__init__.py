"""Inline PII redaction: ASGI middleware (every body shape, SSE/NDJSON streams) and its parts."""

from monitors.redaction._config import RedactionConfig
from monitors.redaction._events import EventRecorder
from monitors.redaction._fields import NOT_TEXT_KEYS
from monitors.redaction._middleware import RedactionFailed, RedactionMiddleware
from monitors.redaction._policy import Failure, FailurePolicy
from monitors.redaction._reversible import SESSION_HEADER, SessionRegistry
from monitors.redaction._sse import LineParser, SSEParser, SSERewriter
from monitors.redaction._stream import TextStream
from monitors.redaction._tokens import TokenStream

__all__ = ["EventRecorder", "Failure", "FailurePolicy", "LineParser", "NOT_TEXT_KEYS",
           "RedactionConfig", "RedactionFailed", "RedactionMiddleware", "SESSION_HEADER",
           "SSEParser", "SSERewriter", "SessionRegistry", "TextStream", "TokenStream"]
