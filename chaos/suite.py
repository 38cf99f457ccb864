"""The built-in fault suite that ``pytest --chaos --chaos-target=MODULE:ATTR`` runs.

One trial per target x fault kind x trial number. The node a fault lands on is chosen by a
hash of (seed, target, kind, trial) among the nodes the fault makes sense for, so the suite
covers different nodes across trials and seeds while every trial replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from chaos.decide import unit_interval
from chaos.faults import FAULT_KINDS, Injection
from chaos.inject import InstrumentedGraph, NodeInfo

#: The fault kinds of the built-in suite, in item order.
SUITE_KINDS: tuple[str, ...] = tuple(FAULT_KINDS)


@dataclass(frozen=True)
class SuiteCase:
    """One generated trial: what to inject where, or why it cannot run on this graph."""

    kind: str
    trial: int
    injection: Injection | None
    skip_reason: str | None = None


def eligible_nodes(inst: InstrumentedGraph, kind: str) -> list[NodeInfo]:
    """The user nodes a fault kind is meaningful for (subgraph container nodes excluded)."""
    from langgraph.pregel import Pregel

    nodes = [
        info
        for info in inst.nodes.values()
        if not info.site.rsplit("/", 1)[-1].startswith("__")
        and not isinstance(getattr(info.spec, "runnable", None), Pregel)
    ]
    if kind == "stall":
        # A stall is only observable through an idle_timeout on an async node.
        nodes = [n for n in nodes if n.is_async and n.timeout is not None and n.timeout.idle_timeout]
    return nodes


def plan_case(inst: InstrumentedGraph, *, target: str, kind: str, trial: int, seed: int) -> SuiteCase:
    """Choose the node for one suite trial (first attempt of that node's first task)."""
    if kind not in FAULT_KINDS:
        raise KeyError(kind)
    nodes = eligible_nodes(inst, kind)
    if not nodes:
        reason = (
            "no async node has an idle_timeout, so a stall cannot be observed"
            if kind == "stall"
            else "the graph has no nodes to put faults into"
        )
        return SuiteCase(kind, trial, None, reason)
    pick = nodes[int(unit_interval(seed, target, kind, trial) * len(nodes))]
    return SuiteCase(kind, trial, Injection.of(FAULT_KINDS[kind], pick.site, attempts=1, times=1))
