"""Who is at fault when a ``DeltaChannel`` reads back a different value than the run held.

Two causes, told apart by evidence:

- **the user's reducer** is not batching-invariant (``r(r(s, xs), ys) != r(s, xs + ys)``):
  shown by a counterexample, first from the very writes the thread stored (the seed and two
  consecutive supersteps' batches), else from the audit's generated search (LGC301's
  `chaos.audit.delta.find_counterexample`, the deterministic cousin of
  `batching_counterexample`);
- **the runtime or the saver**: the reducer is batching-invariant on these writes, so the
  divergence comes from how LangGraph applied or replayed them, or how the saver stored them.
  The message names the superstep and the writes involved, and a known LangGraph defect when
  the shape matches one (an ``Overwrite`` next to a plain write in one superstep; parallel
  writes replayed in another order than the live run applied them).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from langgraph._internal._typing import MISSING
from langgraph.channels.binop import _get_overwrite

#: langgraph 1.2.2-1.2.6 applied plain writes on top of an Overwrite in the same superstep in a
#: DeltaChannel's live update(), while its checkpoint replay dropped them; 1.2.7 made Overwrite
#: bypass the reducer for the whole superstep (as BinaryOperatorAggregate does) and forced a
#: snapshot after an Overwrite (langchain-ai/langgraph#8125).
OVERWRITE_FIXED = (1, 2, 7)
OVERWRITE_ISSUE = "langchain-ai/langgraph#8125 (fixed in langgraph 1.2.7)"
#: Before langgraph-checkpoint 4.3.0 the savers returned one superstep's parallel writes in
#: storage order, not in the order the live run applied them; 4.3.0 sorts them by
#: ``writes_sort_key`` (task path, task id, index). See langchain-ai/langgraph#8382.
ORDER_FIXED = (4, 3, 0)
ORDER_ISSUE = "langchain-ai/langgraph#8382 (fixed in langgraph-checkpoint 4.3.0: writes_sort_key)"

Reducer = Callable[[Any, list[Any]], Any]


@dataclass(frozen=True)
class Batch:
    """The writes one superstep made to the field, in the order the saver returned them."""

    step: Any
    values: list[Any]

    def describe(self) -> str:
        return f"superstep {self.step}: {show_writes(self.values)}"

    @property
    def overwrite_with_others(self) -> bool:
        return len(self.values) > 1 and any(_get_overwrite(v)[0] for v in self.values)


def langgraph_version(dist: str = "langgraph") -> tuple[int, ...]:
    """The installed release of ``dist`` as a tuple, ``(1, 2, 24)``."""
    out = []
    for piece in version(dist).split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


def culprit(reducer: Reducer, typ: Any, seed: Any, batches: Sequence[Batch]) -> str:
    """One sentence (or two) saying who is at fault for a divergence over ``batches``."""
    mixed = next((b for b in batches if b.overwrite_with_others), None)
    if mixed is not None:
        fixed = langgraph_version() >= OVERWRITE_FIXED
        known = (
            f"LangGraph defect {OVERWRITE_ISSUE}: this langgraph ({version('langgraph')}) applies "
            "the other writes on top of the Overwrite live but not on replay; upgrade langgraph"
            if not fixed else
            "LangGraph applies an Overwrite's superstep differently live and on replay "
            "(see langchain-ai/langgraph#8821)"
        )
        return (
            f"Not the reducer: an Overwrite next to a plain write in one superstep "
            f"({mixed.describe()}). {known}. Until then, do not write to the field in the "
            "superstep that overwrites it."
        )
    found = observed_counterexample(reducer, typ, seed, batches)
    if found is None:
        found = generated_counterexample(reducer, typ, batches)
    if found is not None:
        return (
            f"The reducer {_name(reducer)} is at fault: it is not batching-invariant, {found}. "
            "Make it batching-invariant (concatenate the batch's writes in order, or fold them "
            "one by one), or use a plain Annotated[list, reducer] channel."
        )
    parallel = next((b for b in batches if len(b.values) > 1), None)
    where = "; ".join(b.describe() for b in batches[-3:]) or "no writes"
    order = ""
    if parallel is not None:
        old = langgraph_version("langgraph-checkpoint") < ORDER_FIXED
        order = (
            f" {parallel.describe()} holds several tasks' writes, and this langgraph-checkpoint "
            f"({version('langgraph-checkpoint')}) replays them in storage order, not in the order "
            f"the live run applied them: LangGraph defect {ORDER_ISSUE}; upgrade langgraph-checkpoint."
            if old else
            f" {parallel.describe()} holds several tasks' writes: check that the saver returns "
            "them in writes_sort_key order (task path, task id, index)."
        )
    return (
        f"Not the reducer: {_name(reducer)} is batching-invariant on these writes (and no "
        "counterexample turned up in generated writes either), so the runtime or the saver "
        f"rebuilt a different value: a LangGraph or checkpointer defect. Writes involved: {where}.{order}"
    )


def observed_counterexample(reducer: Reducer, typ: Any, seed: Any, batches: Sequence[Batch]) -> str | None:
    """``r(r(s, xs), ys) != r(s, xs + ys)`` for the stored seed and two consecutive batches."""
    state = _empty(typ) if seed is MISSING or seed is None else seed
    for xs, ys in zip(batches, batches[1:]):
        try:
            stepwise = reducer(reducer(copy.deepcopy(state), list(xs.values)), list(ys.values))
            batched = reducer(copy.deepcopy(state), list(xs.values) + list(ys.values))
        except Exception:
            return None
        if stepwise != batched:
            return (
                f"from the stored state {_short(state)}, superstep {xs.step}'s writes "
                f"{show_writes(xs.values)} then superstep {ys.step}'s {show_writes(ys.values)} give "
                f"{_short(stepwise)} one superstep at a time but {_short(batched)} in one batch"
            )
        try:
            state = reducer(copy.deepcopy(state), list(xs.values))
        except Exception:
            return None
    return None


def generated_counterexample(reducer: Reducer, typ: Any, batches: Sequence[Batch]) -> str | None:
    """The audit's deterministic search (LGC301's families of writes, smallest first).

    Deterministic and without hypothesis (an optional extra): the same search
    `chaos.audit.delta.find_counterexample` runs for LGC301.
    """
    from chaos.audit.delta import find_counterexample

    try:
        found = find_counterexample(reducer, typ)
    except Exception:
        return None
    if found is None:
        return None
    return (
        f"generated {found.family} writes: from {_short(found.state)}, {show_writes(found.xs)} then "
        f"{show_writes(found.ys)} give {_short(found.stepwise)} step by step but {_short(found.batched)} "
        "in one batch"
    )


def show_writes(values: Sequence[Any]) -> str:
    shown = []
    for v in values:
        is_ow, inner = _get_overwrite(v)
        shown.append(f"Overwrite({_short(inner)})" if is_ow else _short(v))
    return "[" + ", ".join(shown) + "]"


def _empty(typ: Any) -> Any:
    try:
        return typ()
    except Exception:
        return []


def _name(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def _short(value: Any, limit: int = 80) -> str:
    if isinstance(value, list) and value and hasattr(value[0], "content"):
        text = repr([getattr(m, "id", None) or m.content for m in value])
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
