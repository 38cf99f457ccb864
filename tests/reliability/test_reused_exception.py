"""A fault that raises one exception instance, trial after trial, keeps no trial alive.

Python extends the traceback an exception object already carries each time it is raised
again, so one instance (``faults.exception(MyError(...))``, or the suite's own "fails for good"
error) raised in trial after trial carried a traceback chain through every earlier trial's
frames: their event loops, graphs and journals never died (12 of 12 loops of a zero-code run
were still alive at its end). Each raise now starts a fresh traceback.
"""

from __future__ import annotations

import asyncio
import gc

from chaos import Chaos, faults
from chaos.examples import support

TRIALS = 30


def _chain_length(exc: BaseException) -> int:
    n, tb = 0, exc.__traceback__
    while tb is not None:
        n, tb = n + 1, tb.tb_next
    return n


def _live_event_loops() -> int:
    gc.collect()
    return sum(isinstance(o, asyncio.AbstractEventLoop) for o in gc.get_objects())


def test_one_instance_raised_in_many_trials_keeps_no_trial_alive() -> None:
    error = RuntimeError("the same instance every time")
    before = _live_event_loops()  # other tests in this process may keep theirs
    harness = Chaos(3, "reused-exception", keep_results=0)
    harness.inject(faults.exception(error), node="search", attempts=[1])
    lengths = []
    for _ in range(TRIALS):
        harness.run(support.builder, {"question": "q"}, raise_on_violation=False)
        lengths.append(_chain_length(error))
    harness.close()
    # The traceback is one raise deep, not one raise per trial so far.
    assert max(lengths) == lengths[0], lengths
    assert _live_event_loops() - before <= 1  # at most the last trial's, until the next raise
