"""Inline PII redaction: ASGI middleware (JSON bodies and SSE streams) and its building blocks."""

from monitors.redaction._config import (ALL_STRINGS, OPENAI_REQUEST_FIELDS, OPENAI_RESPONSE_FIELDS,
                                        RedactionConfig)
from monitors.redaction._events import EventRecorder
from monitors.redaction._middleware import RedactionFailed, RedactionMiddleware
from monitors.redaction._sse import SSEParser, SSERewriter
from monitors.redaction._stream import TextStream

__all__ = ["ALL_STRINGS", "EventRecorder", "OPENAI_REQUEST_FIELDS", "OPENAI_RESPONSE_FIELDS",
           "RedactionConfig", "RedactionFailed", "RedactionMiddleware", "SSEParser",
           "SSERewriter", "TextStream"]
