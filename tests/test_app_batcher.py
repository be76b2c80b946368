"""The app's Batcher: concurrent requests are decoded together, each caller gets its own
outcome and sees the batch's progress, and a failing batch still answers everybody."""

import threading
import time

from multimodal.web.batcher import Batcher
from multimodal.web.decode import Outcome, Request


def _run_together(batcher, items, progress_log=None):
    results = [None] * len(items)

    def call(i):
        def report(done, total):
            if progress_log is not None:
                progress_log.append((i, done, total))

        results[i] = batcher.submit(Request(items[i]), report)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(items))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return results


def test_simultaneous_requests_share_one_batch_and_get_their_own_outcomes():
    batches = []

    def decode(requests, progress):
        batches.append([r.raw for r in requests])
        for done in range(1, 4):
            progress(done, 3)
            time.sleep(0.3)  # long enough for waiting callers to refresh their bars
        return [Outcome(notice=f"did {r.raw}") for r in requests]

    log = []
    results = _run_together(Batcher(decode, max_batch=8, wait=0.2), list("abcde"), log)
    assert [r.notice for r in results] == [f"did {x}" for x in "abcde"]
    assert sorted(x for b in batches for x in b) == list("abcde")
    assert len(batches) < 5  # at least some of them were decoded together
    assert {i for i, *_ in log} == set(range(5))  # every caller saw progress on its own bar
    assert all(0 < done <= total == 3 for _, done, total in log)


def test_batches_never_exceed_the_limit():
    sizes = []

    def decode(requests, progress):
        sizes.append(len(requests))
        time.sleep(0.05)
        return [Outcome(notice=r.raw) for r in requests]

    results = _run_together(Batcher(decode, max_batch=3, wait=0.1), [str(i) for i in range(10)])
    assert [r.notice for r in results] == [str(i) for i in range(10)]
    assert max(sizes) <= 3 and sum(sizes) == 10


def test_a_crashing_batch_answers_every_caller_and_the_next_batch_runs():
    calls = []

    def decode(requests, progress):
        calls.append(len(requests))
        if len(calls) == 1:
            raise RuntimeError("out of memory")
        return [Outcome(notice="ok") for _ in requests]

    batcher = Batcher(decode, wait=0.1)
    first = _run_together(batcher, ["x", "y"])
    assert all("out of memory" in r.error for r in first)
    assert batcher.submit(Request("z")).notice == "ok"


def test_an_interrupted_batch_releases_its_waiters():
    calls = []

    def decode(requests, progress):
        calls.append(len(requests))
        if len(calls) == 1:
            time.sleep(0.2)
            raise KeyboardInterrupt  # not an Exception: it ends the leading thread
        return [Outcome(notice="ok") for _ in requests]

    batcher = Batcher(decode, wait=0.1)
    results = {}

    def call(name):
        try:
            results[name] = batcher.submit(Request(name))
        except KeyboardInterrupt:
            results[name] = "leader interrupted"

    threads = [threading.Thread(target=call, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert list(results.values()).count("leader interrupted") == 1
    assert any(isinstance(r, Outcome) and "interrupted" in r.error for r in results.values())
    assert batcher.submit(Request("c")).notice == "ok"  # the batcher still serves
