"""Broken twins of the history invariants as scenario-file targets (``MODULE:ATTR``).

Factories: each trial gets a fresh graph (and a fresh broken saver or cache).
"""

from __future__ import annotations

from typing import Any

from langgraph.types import TimeoutPolicy

from tests.invariants import test_inv_cache_hits as ch
from tests.invariants import test_inv_cancellation as cn
from tests.invariants import test_inv_exactly_once as eo
from tests.invariants import test_inv_handler_contract as hc
from tests.invariants import test_inv_interrupts as ia
from tests.invariants import test_inv_partial_streamed as ps


def handler_with_default_timeout() -> Any:
    return hc.timed(True)


def saver_drops_siblings() -> Any:
    return eo.fan_out(eo.DropsSiblingsOnError())


def saver_drops_answers() -> Any:
    return ia.approval([], fail_once_after_answer=False, retry=False).compile(checkpointer=ia.DropsResumeWrites())


def swallows_cancellation() -> Any:
    return cn.chain(cn.swallows, timeout=TimeoutPolicy(run_timeout=5))


def negative_cache() -> Any:
    return ch.quotes(ch.NegativeCache(), sync=False)


def mid_node_writes() -> Any:
    """export sends a progress write mid-node (as ChannelWrite does), then returns."""
    from langgraph._internal._constants import CONF, CONFIG_KEY_SEND
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.config import get_config
    from langgraph.graph import END, START, StateGraph

    async def export(state: ps.S) -> dict[str, Any]:
        get_config()[CONF][CONFIG_KEY_SEND]([("log", ["exported rows 1-100"])])
        return {"log": ["exported"]}

    g = StateGraph(ps.S)
    g.add_node("export", export)
    g.add_edge(START, "export")
    g.add_edge("export", END)
    return g.compile(checkpointer=InMemorySaver())
