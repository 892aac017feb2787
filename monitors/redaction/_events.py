"""Record redaction events in the store off the request path (a queue and one writer thread)."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from audit.types import RedactionEvent

__all__ = ["EventRecorder"]

log = logging.getLogger(__name__)


class EventRecorder:
    """Batches RedactionEvents into the store from a daemon thread; `flush()` waits for them."""

    def __init__(self, store: Any, batch: int = 256) -> None:
        self.store = store
        self.batch = batch
        self.q: queue.Queue[RedactionEvent | None] = queue.Queue()
        self.written = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name="assay-redaction-events",
                                        daemon=True)
        self._thread.start()

    def record(self, event: RedactionEvent) -> None:
        self.q.put(event)

    def _run(self) -> None:
        while True:
            item = self.q.get()
            items = [item]
            while len(items) < self.batch:
                try:
                    items.append(self.q.get_nowait())
                except queue.Empty:
                    break
            events = [e for e in items if e is not None]
            try:
                if events:
                    self.written += self.store.write_redaction_events(events)
            except Exception:  # the store being down must not break the traffic
                self.failed += len(events)
                log.exception("could not record %d redaction events", len(events))
            finally:
                for _ in items:
                    self.q.task_done()
            if None in items:
                return

    def flush(self) -> None:
        """Block until every queued event is written (or failed)."""
        self.q.join()

    def close(self) -> None:
        self.q.put(None)
        self._thread.join(timeout=10)
