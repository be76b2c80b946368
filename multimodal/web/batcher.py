"""Requests from concurrent page events -> batches for the decoder, with progress for each.

Gradio's own batching (`batch=True`) runs a batch with no event id, so neither gr.Progress
nor gr.Warning reaches the page (queueing.py in Gradio 6.31). Each event is therefore an
ordinary handler that hands its request to the task's Batcher: requests arriving within
WAIT seconds of each other, up to MAX_BATCH, are decoded together by one of their handlers
(one batched search), while the others wait. Every waiting handler reports the shared
batch's progress on its own page, from its own thread, as Gradio requires.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .decode import Outcome, Request

log = logging.getLogger(__name__)
MAX_BATCH = 8  # requests decoded together: bounds memory with one batch per task at a time
WAIT = 0.03  # seconds a batch waits for company before it starts
POLL = 0.2  # how often a waiting handler refreshes its progress bar


@dataclass
class _Job:
    request: Request
    outcome: Outcome | None = None
    progress: tuple[int, int] = field(default=(0, 0))  # (segments done, of total)


class Batcher:
    """`decode_batch(requests, progress)` -> one Outcome per request; `progress(done, total)`
    is called as segments finish. One batch runs at a time."""

    def __init__(self, decode_batch: Callable[..., list[Outcome]], max_batch: int = MAX_BATCH,
                 wait: float = WAIT):
        self._decode, self.max_batch, self.wait = decode_batch, max_batch, wait
        self._pending: list[_Job] = []
        self._busy = False
        self._cond = threading.Condition()

    def submit(self, request: Request,
               progress: Callable[[int, int], None] | None = None) -> Outcome:
        """Decode `request` with whatever else arrives now; blocks until its outcome."""
        job = _Job(request)
        with self._cond:
            self._pending.append(job)
        while True:
            with self._cond:
                self._cond.wait_for(lambda: job.outcome is not None or not self._busy,
                                    timeout=POLL)
                if job.outcome is not None:
                    return job.outcome
                lead = not self._busy
                if lead:
                    self._busy = True
            if lead:
                self._lead(progress)
            elif progress and job.progress[1]:
                progress(*job.progress)

    def _lead(self, progress: Callable[[int, int], None] | None) -> None:
        """Run the next batch (this caller's job is in it unless many were queued first)."""
        batch: list[_Job] = []
        outcomes: list[Outcome] = []
        try:
            time.sleep(self.wait)  # let requests sent at the same moment join
            with self._cond:
                batch = self._pending[:self.max_batch]
                del self._pending[:self.max_batch]

            def report(done: int, total: int) -> None:
                for j in batch:
                    j.progress = (done, total)
                if progress:  # the leader's own page, from its own thread
                    progress(done, total)

            outcomes = self._decode([j.request for j in batch], report)
        except Exception as err:  # noqa: BLE001 - decode isolates inputs; this is a last guard
            log.exception("batch failed")
            outcomes = [Outcome(error=f"decoding failed ({type(err).__name__}: {err})")]
            outcomes *= len(batch)
        finally:  # whatever happened, nobody is left waiting and the next batch may run
            with self._cond:
                stopped = Outcome(error="decoding was interrupted; please try again")
                # outcomes is short only when decoding was interrupted
                for j, outcome in zip(batch, outcomes + [stopped] * len(batch), strict=False):
                    j.outcome = outcome
                self._busy = False
                self._cond.notify_all()
