"""The built-in fault suite that ``pytest --chaos --chaos-target=MODULE:ATTR`` runs.

One trial per target x fault kind x trial number. The node a fault lands on is chosen by a
hash of (seed, target, kind, trial) among the nodes the fault makes sense for, so the suite
covers different nodes across trials and seeds while every trial replays exactly.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

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


def reachable_sites(
    inst: InstrumentedGraph,
    input: Any,
    *,
    config: dict[str, Any] | None = None,
    around: Sequence[Any] = (),
    context: Any = None,
) -> frozenset[str]:
    """The nodes that run when ``input`` meets no fault (one simulated run, memoised).

    A fault aimed at a node the input never reaches (a fallback behind an error handler, a
    branch not taken) could never fire: the suite aims only at nodes that run.
    """
    from chaos.engine.baseline import run_baseline
    from chaos.engine.run import thread_id_for
    from chaos.engine.spec import TrialSpec

    key = ("reachable", json.dumps(input, sort_keys=True, default=repr), json.dumps(config, sort_keys=True, default=repr))
    if key not in inst.memo:
        # The fault-free baseline of seed 0, the one the engine memoises for such trials.
        spec = TrialSpec(graph=inst, input=input, test_id="chaos-suite-reachability", config=config, context=context,
                         around=tuple(around), source=inst)
        journal = run_baseline(spec, thread_id_for(key[1], "reachability", 0))
        inst.memo[key] = frozenset(a.node for a in journal.attempts)
    sites: frozenset[str] = inst.memo[key]
    return sites


def plan_case(
    inst: InstrumentedGraph,
    *,
    target: str,
    kind: str,
    trial: int,
    seed: int,
    reachable: Collection[str] | None = None,
) -> SuiteCase:
    """Choose the node for one suite trial (first attempt of that node's first task).

    ``reachable`` (see `reachable_sites`) limits the choice to nodes the input makes run.
    """
    if kind not in FAULT_KINDS:
        raise KeyError(kind)
    nodes = eligible_nodes(inst, kind)
    if reachable is not None:
        nodes = [n for n in nodes if n.site in reachable]
    if not nodes:
        reason = (
            "no async node that runs on this input has an idle_timeout, so a stall cannot be observed"
            if kind == "stall"
            else "no node runs on this input, so there is nowhere to put a fault"
        )
        return SuiteCase(kind, trial, None, reason)
    pick = nodes[int(unit_interval(seed, target, kind, trial) * len(nodes))]
    return SuiteCase(kind, trial, Injection.of(FAULT_KINDS[kind], pick.site, attempts=1, times=1))
