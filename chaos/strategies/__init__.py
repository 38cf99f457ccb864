"""Hypothesis strategies for chaos testing: policies, faults, fault plans, one-line trials.

    from hypothesis import given
    from chaos import strategies as cst

    @given(plan=cst.fault_plans(builder))
    def test_every_plan_keeps_the_invariants(plan):
        cst.run_plan(builder, {"query": "q"}, plan)

Every strategy here is valid by construction (no ``assume``/filtering) and says in its
docstring how its values shrink, so a failure ends on a small, readable example: a fault plan
shrinks to the fewest faults, aimed at the earliest node and attempt, of the simplest kind.
`run_plan` runs one chaos trial of a plan on simulated time, reusing one instrumented copy of
the graph across examples, and on a violated invariant fails with the plan as copy-pasteable
``chaos.inject(...)`` lines and the seeds that replay it (also recorded with `note`).

DeltaChannel reducers: `batching_counterexample` and `reducer_property` check
``r(r(s, xs), ys) == r(s, xs + ys)`` and that the checkpointer rebuilds the value the run held
(semantics §6); `as_batch_reducer` adapts a one-update reducer such as ``add_messages``.

The package is split by concept: `policies` (retry, timeout and cache policies), `faults`
(node and transport faults, fault plans), `plan` (`FaultPlan` and fault source, no hypothesis),
`trial` (`run_plan`) and `delta` (DeltaChannel reducers). Every name is importable from
``chaos.strategies`` itself and loaded on first use: hypothesis (an optional extra, ``pip
install 'langgraph-chaos[hypothesis]'``) is imported only when a strategy is, and nothing else
in ``chaos`` imports this package, so the rest of the package never pays for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaos.strategies.delta import (
        BatchingCounterexample,
        as_batch_reducer,
        batching_counterexample,
        check_batching,
        check_reconstruction,
        message_updates,
        reducer_property,
    )
    from chaos.strategies.faults import HTTP_FAULT_KINDS, NODE_FAULT_KINDS, fault_plans, http_faults, node_faults
    from chaos.strategies.plan import FaultPlan, fault_source
    from chaos.strategies.policies import RETRY_ON, cache_policies, retry_policies, retry_transient, timeout_policies
    from chaos.strategies.trial import PlanViolation, instrumented, replay_text, run_plan

#: Each public name and the module that defines it (imported on first access).
_HOME: dict[str, str] = {
    **dict.fromkeys(
        ["BatchingCounterexample", "as_batch_reducer", "batching_counterexample", "check_batching",
         "check_reconstruction", "message_updates", "reducer_property"], "delta"),
    **dict.fromkeys(["HTTP_FAULT_KINDS", "NODE_FAULT_KINDS", "fault_plans", "http_faults", "node_faults"], "faults"),
    **dict.fromkeys(["FaultPlan", "fault_source"], "plan"),
    **dict.fromkeys(["RETRY_ON", "cache_policies", "retry_policies", "retry_transient", "timeout_policies"], "policies"),
    **dict.fromkeys(["PlanViolation", "instrumented", "replay_text", "run_plan"], "trial"),
}

__all__ = [
    "BatchingCounterexample",
    "FaultPlan",
    "HTTP_FAULT_KINDS",
    "NODE_FAULT_KINDS",
    "PlanViolation",
    "RETRY_ON",
    "as_batch_reducer",
    "batching_counterexample",
    "cache_policies",
    "check_batching",
    "check_reconstruction",
    "fault_plans",
    "fault_source",
    "http_faults",
    "instrumented",
    "message_updates",
    "node_faults",
    "reducer_property",
    "replay_text",
    "retry_policies",
    "retry_transient",
    "run_plan",
    "timeout_policies",
]


assert sorted(_HOME) == __all__  # one list of names, two spellings (mypy reads the literal)


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'chaos.strategies' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"chaos.strategies.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
