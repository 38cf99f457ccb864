"""resume_exactly_once: after fail-then-resume only the failed and un-started tasks run again."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from chaos import Chaos, faults
from chaos.engine import Invoke, Resume


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def writer(name: str) -> Any:
    async def node(state: S) -> dict[str, Any]:
        return {"log": [name]}

    return node


def fan_out(saver: InMemorySaver) -> Any:
    """START -> (charge, notify) -> after; notify fails for good on its first run."""
    g = StateGraph(S)
    for name in ("charge", "notify", "after"):
        g.add_node(name, writer(name))
    g.add_edge(START, "charge")
    g.add_edge(START, "notify")
    g.add_edge(["charge", "notify"], "after")
    g.add_edge("after", END)
    return g.compile(checkpointer=saver)


class DropsSiblingsOnError(InMemorySaver):
    """Broken: treats a superstep as a transaction and discards its writes when a task fails."""

    def put_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        conf = config["configurable"]
        key = (conf["thread_id"], conf["checkpoint_ns"], conf["checkpoint_id"])
        if any(ch == "__error__" for ch, _ in writes):
            self.writes[key] = {k: w for k, w in self.writes.get(key, {}).items() if w[1].startswith("__")}
        super().put_writes(config, writes, task_id, task_path)


STEPS = [Invoke(), Resume()]


def test_a_finished_sibling_that_reruns_on_resume_makes_it_fire(harness: Chaos):
    harness.inject(faults.exception(ConnectionError("smtp down")), node="notify", attempts=1, times=1)
    result = harness.run(fan_out(DropsSiblingsOnError()), {}, steps=STEPS, raise_on_violation=False)
    assert [a.outcome for a in result.attempts("charge")] == ["ok", "ok"]  # charged twice
    found = result.violated("resume_exactly_once")
    [v] = [v for v in found if v.node == "charge"]
    assert "finished ok in step 0 (invoke, the run ended error), and its body ran again when step 1 (resume)" in v.message
    assert "rerun only the failed and the un-started tasks" in v.message


def test_a_resume_that_reruns_only_the_failed_task_is_silent(harness: Chaos):
    harness.inject(faults.exception(ConnectionError("smtp down")), node="notify", attempts=1, times=1)
    result = harness.run(fan_out(InMemorySaver()), {}, steps=STEPS)
    assert [a.outcome for a in result.attempts("charge")] == ["ok"]
    assert [a.outcome for a in result.attempts("notify")] == ["error", "ok"]
    assert result.output["log"].count("charge") == 1
    assert "resume_exactly_once" in result.checked and result.violated("resume_exactly_once") == []


def test_a_trial_without_a_resume_does_not_check_it(harness: Chaos):
    result = harness.run(fan_out(InMemorySaver()), {})
    assert "resume_exactly_once" not in result.checked
