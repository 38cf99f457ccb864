"""no_partial_writes fires on kept partial writes, dropped and doubled sibling writes."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langgraph._internal._constants import CONF, CONFIG_KEY_SEND
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_config
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from chaos import Chaos, faults
from tests import graphs


class S(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def one_node(mid_node_write: bool) -> StateGraph:
    async def export(state: S) -> dict[str, Any]:
        if mid_node_write:
            # A progress write sent while working (as ChannelWrite/low-level nodes do) ...
            get_config()[CONF][CONFIG_KEY_SEND]([("log", "exported rows 1-100")])
        raise ConnectionError("lost the database")  # ... then the export fails for good.

    g = StateGraph(S)
    g.add_node("export", export, retry_policy=RetryPolicy(max_attempts=2, jitter=False))
    g.add_edge(START, "export")
    g.add_edge("export", END)
    return g


def test_a_write_sent_before_a_failure_is_kept_and_makes_it_fire(harness: Chaos):
    result = harness.run(one_node(True), {}, baseline=False, raise_on_violation=False)
    [v] = result.violated("no_partial_writes")
    assert (v.node, v.task, v.attempt) == ("export", "export#1", 2)
    assert "the attempt failed (\"ConnectionError('lost the database')\") but its writes to ['log'] are kept" in v.message


def test_a_node_that_writes_only_on_return_is_silent(harness: Chaos):
    result = harness.run(one_node(False), {}, baseline=False, raise_on_violation=False)
    assert result.journal.error == "ConnectionError"
    assert result.violated("no_partial_writes") == []


class DropsSiblingsOnError(InMemorySaver):
    """Broken: treats a superstep as a transaction and discards its writes when a task fails."""

    def put_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        conf = config["configurable"]
        key = (conf["thread_id"], conf["checkpoint_ns"], conf["checkpoint_id"])
        if any(ch == "__error__" for ch, _ in writes):
            self.writes[key] = {k: w for k, w in self.writes.get(key, {}).items() if w[1].startswith("__")}
        elif any(w[1] == "__error__" for w in self.writes.get(key, {}).values()):
            return  # the superstep already failed: "roll back" this sibling too
        super().put_writes(config, writes, task_id, task_path)


class WritesTwice(InMemorySaver):
    """Broken: retries put_writes without idempotency, storing every write a second time."""

    def put_writes(self, config: Any, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        super().put_writes(config, writes, task_id, task_path)
        super().put_writes(config, [(c, v) for c, v in writes if not c.startswith("__")] * 2, task_id, task_path)


def fanout(saver: InMemorySaver) -> Any:
    return graphs.fanout_builder().compile(checkpointer=saver)


def test_a_saver_that_drops_a_failed_siblings_writes_makes_it_fire(harness: Chaos, calls):
    harness.inject(faults.exception(ValueError("bad part")), node="work", attempts=1, times=1)
    result = harness.run(fanout(DropsSiblingsOnError()), {}, baseline=False, raise_on_violation=False)
    lost = result.violated("no_partial_writes")
    assert lost and all("holds none of its writes: they are lost" in v.message for v in lost)
    assert {v.node for v in lost} == {"work"}


def test_a_saver_that_stores_writes_twice_makes_it_fire(harness: Chaos, calls):
    result = harness.run(fanout(WritesTwice()), {}, baseline=False, raise_on_violation=False)
    doubled = result.violated("no_partial_writes")
    assert doubled and all("the task's writes are applied twice: the same write to [" in v.message for v in doubled)
    assert "'log'" in doubled[0].message


def test_the_same_fanout_on_a_correct_saver_is_silent(harness: Chaos, calls):
    harness.inject(faults.exception(ValueError("bad part")), node="work", attempts=1, times=1)
    result = harness.run(fanout(InMemorySaver()), {}, baseline=False, raise_on_violation=False)
    assert result.journal.error == "ValueError"
    assert result.violated("no_partial_writes") == []


def test_a_partial_write_of_a_task_missing_from_the_journal_still_names_its_node(harness: Chaos):
    from chaos.invariants.no_partial_writes import check_no_partial_writes

    result = harness.run(one_node(True), {}, baseline=False, raise_on_violation=False)
    # The journal lost the task's records (as a killed child's journal can): the checkpointer
    # still knows which node the task ran.
    result.journal.attempts = [a for a in result.journal.attempts if a.node != "export"]
    [v] = list(check_no_partial_writes(result))
    assert v.node == "export" and v.attempt is None
    assert "the attempt failed" in v.message and "task " in v.message
