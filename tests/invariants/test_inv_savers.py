"""The checkpoint-reading invariants on every real saver: in-memory, SQLite and PostgreSQL.

The same broken components make them fire and the same correct twins keep them silent,
whichever checkpointer the graph is compiled with (PostgreSQL: a real server, see
``.ci/services.sh``). The history invariants too: fail-then-resume keeps a finished sibling
(``resume_exactly_once``), and an answer delivered before a failure is replayed on resume
(``interrupts_answered``), where a saver that drops ``__resume__`` writes asks again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from chaos import Chaos, faults
from chaos.engine import Invoke, Resume
from chaos.savers import ClockHeldSaver, postgres_saver, sqlite_saver_in
from tests.invariants.test_inv_delta_reconstruction import concat, counting, last_batch_only
from tests.invariants.test_inv_no_partial_writes import one_node

SAVERS = ["memory", "sqlite", "postgres"]


@pytest.fixture(params=SAVERS)
def saver(request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    made: list[Any] = []

    def make() -> Any:
        if request.param == "memory":
            made.append(InMemorySaver())
        elif request.param == "sqlite":
            made.append(sqlite_saver_in())
        else:
            made.append(postgres_saver(request.getfixturevalue("postgres_url")))
        return made[-1]

    yield make
    for s in made:  # database connections are closed, not left to the garbage collector
        close = getattr(s, "close", None) or getattr(getattr(s, "conn", None), "close", None)
        if close is not None:
            close()


def run(builder: Any, saver: Callable[[], Any], name: str) -> Any:
    # A fresh test id per saver: thread ids derive from it, and PostgreSQL outlives the test.
    return Chaos(seed=7, test_id=f"savers::{name}").run(
        builder.compile(checkpointer=saver()), {}, baseline=False, raise_on_violation=False
    )


def test_no_partial_writes_fires_on_a_write_kept_after_a_failure(saver, request):
    result = run(one_node(True), saver, request.node.name)
    [v] = result.violated("no_partial_writes")
    assert v.node == "export" and "kept in the checkpointer next to the error" in v.message


def test_no_partial_writes_is_silent_when_writes_come_only_from_the_return(saver, request):
    result = run(one_node(False), saver, request.node.name)
    assert result.violated("no_partial_writes") == []
    assert result.journal.error == "ConnectionError"


def test_delta_reconstruction_fires_on_a_reducer_that_is_not_batching_invariant(saver, request):
    result = run(counting(last_batch_only), saver, request.node.name)
    found = result.violated("delta_reconstruction")
    assert found and "batching-invariant" in found[0].message


def test_delta_reconstruction_is_silent_on_a_batching_invariant_reducer(saver, request):
    result = run(counting(concat), saver, request.node.name)
    assert result.violated("delta_reconstruction") == []
    assert result.output["items"] == [0, 1, 2, 3, 4]


def run_steps(graph: Any, name: str, steps: list[Any], inject: Callable[[Chaos], Any], *, baseline: bool = False) -> Any:
    harness = Chaos(seed=7, test_id=f"savers::{name}")
    inject(harness)
    return harness.run(graph, {}, steps=steps, baseline=baseline, raise_on_violation=False)


def notify_fails_once(harness: Chaos) -> Any:
    return harness.inject(faults.exception(ConnectionError("smtp down")), node="notify", attempts=1, times=1)


def pinned(graph: Any, thread: dict[str, Any]) -> dict[str, Any]:
    """A resume config that names the thread's latest checkpoint_id (a replay, not a resume)."""
    return dict(graph.get_state(thread).config)


def test_resume_exactly_once_is_silent_when_the_resume_passes_only_the_thread_id(saver, request):
    from tests.invariants.test_inv_resume_variants import fan_out

    graph = fan_out().compile(checkpointer=saver())
    result = run_steps(graph, request.node.name, [Invoke(), Resume()], notify_fails_once)
    assert [a.outcome for a in result.attempts("charge")] == ["ok"]  # the finished sibling kept its writes
    assert result.violated("resume_exactly_once") == [] and result.journal.outcome == "ok"


def test_resume_exactly_once_fires_when_the_resume_pins_the_checkpoint_id(saver, request):
    from tests.invariants.test_inv_resume_variants import fan_out

    graph = fan_out().compile(checkpointer=saver())
    result = run_steps(graph, request.node.name, [Invoke(), Resume(config=pinned)], notify_fails_once,
                       baseline=True)  # the rerun is counted against the fault-free baseline
    [v] = result.violated("resume_exactly_once")
    assert v.node == "charge" and "The resume config pinned a checkpoint_id" in v.message


def drops_answers(checkpointer: Any) -> Any:
    """The same saver, broken: it does not store the answer (``__resume__`` write) of an interrupt.

    A clock-held PostgreSQL saver delegates: its inner `PostgresSaver` is the one broken.
    """
    target = checkpointer.inner if isinstance(checkpointer, ClockHeldSaver) else checkpointer
    base = type(target)

    def put_writes(self: Any, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
        kept = [(c, v) for c, v in writes if c != "__resume__"]
        if kept:
            base.put_writes(self, config, kept, task_id, task_path)

    target.__class__ = type(f"DropsAnswers{base.__name__}", (base,), {"put_writes": put_writes})
    return checkpointer


def ask_fails_after_the_answer(harness: Chaos) -> Any:
    return harness.inject(faults.exception(ConnectionError("refund service dropped")), node="ask",
                          after_interrupt=1, times=1)


ANSWER_FAIL_RESUME = [Invoke(), Resume("yes"), Resume()]


@pytest.mark.parametrize("broken", [False, True], ids=["keeps_answers", "drops_answers"])
def test_interrupts_answered_across_a_failure_after_the_answer(saver, request, broken: bool):
    from tests.invariants.test_inv_interrupts import approval

    answers: list[Any] = []
    checkpointer = drops_answers(saver()) if broken else saver()
    graph = approval(answers, fail_once_after_answer=False, retry=False).compile(checkpointer=checkpointer)
    result = run_steps(graph, request.node.name, ANSWER_FAIL_RESUME, ask_fails_after_the_answer)
    found = result.violated("interrupts_answered")
    if broken:  # the answer is gone: the resume stops at the same question again
        [v] = found
        assert "step 2 (resume) stopped at interrupt " in v.message and "although step 1 answered it" in v.message
        assert answers == []
    else:  # the resume replays the answer the saver kept: the node finishes with it
        assert found == [] and answers == ["yes"] and result.journal.outcome == "ok"
