"""The fault-free baseline: the trial's steps with every fault and signal removed, memoised.

A baseline carries no faults and its jitter comes from the seed, so two trials with the same
graph, steps, input, config, drive, clock and seed have the same baseline: it is run once and
reused (issue #18). The memo is keyed by the user's graph object (held weakly: a new object,
even an equal one, is a new key) and checked against a structural fingerprint of it (nodes,
edges, branches, policies, channels), so a builder changed after a trial gets a new baseline.
``baseline="fresh"`` opts out, for graphs whose outside state changes between runs. Trials with
``around`` hooks (an HTTP router with its routes) are not memoised: their answers are not part
of the key. The second fault-free run ``steady_state`` asks for (`run_fault_free_again`) is
memoised the same way, under its own key.

The instrumented copy of a compiled graph is shared the same way (`shared_instrumentation`):
a parametrized suite gets a fresh ``chaos`` fixture per test, and re-instrumenting the same
graph per test cost a compile plus LangGraph's cold per-graph caches (about a third of a
repeated ``chaos.run`` on a 10-node chain). Its `InstrumentedGraph.memo` (the delta shadow's
values, reachable nodes) is shared with it.
"""

from __future__ import annotations

import copy
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from chaos.context import RunContext
from chaos.engine.executor import Executor
from chaos.engine.spec import TrialSpec
from chaos.engine.steps import baseline_steps
from chaos.inject import InstrumentedGraph
from chaos.journal import Journal

_MEMO: OrderedDict[tuple[Any, ...], tuple[Any, str, Journal]] = OrderedDict()
MAX_ENTRIES = 512


def _name(obj: Any) -> str:
    fn = getattr(obj, "func", None) or getattr(obj, "afunc", None) or obj
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__name__)}@{id(fn):x}"


def fingerprint(graph: Any) -> str:
    """Nodes (function, policies), edges, branches and channels of a builder or compiled graph."""
    builder = getattr(graph, "builder", graph)
    parts: list[str] = [type(graph).__name__]
    nodes = getattr(builder, "nodes", None)
    if isinstance(nodes, dict):
        for name, spec in sorted(nodes.items()):
            parts.append("node:" + "|".join(str(x) for x in (
                name, _name(getattr(spec, "runnable", spec)), getattr(spec, "retry_policy", None),
                getattr(spec, "cache_policy", None), getattr(spec, "timeout", None),
                getattr(spec, "error_handler", None) and _name(spec.error_handler), getattr(spec, "defer", None),
            )))
    parts.append(f"edges:{sorted(getattr(builder, 'edges', set()) or set())!r}")
    for src, branches in sorted((getattr(builder, "branches", {}) or {}).items()):
        for bname, br in sorted(branches.items()):
            parts.append(f"branch:{src}:{bname}:{_name(getattr(br, 'path', br))}:{getattr(br, 'ends', None)!r}")
    for cname, ch in sorted((getattr(builder, "channels", {}) or {}).items()):
        parts.append(f"channel:{cname}:{type(ch).__name__}:{_name(getattr(ch, 'operator', getattr(ch, 'reducer', None)))}")
    parts.append(f"waiting:{sorted(getattr(builder, 'waiting_edges', set()) or set())!r}")
    for attr in ("interrupt_before_nodes", "interrupt_after_nodes", "retry_policy", "cache_policy", "step_timeout"):
        if hasattr(graph, attr):
            parts.append(f"{attr}:{getattr(graph, attr)!r}")
    return "\n".join(parts)


def _key(spec: TrialSpec) -> tuple[Any, ...] | None:
    if spec.around or spec.source is None:
        return None
    try:
        data = repr((spec.input, spec.config, spec.context, baseline_steps(spec.steps)))
    except Exception:  # an input without a repr cannot be compared: no memo
        return None
    g = spec.graph.graph
    return (id(spec.source), type(g.checkpointer).__name__, type(g.cache).__name__, data,
            spec.drive.token, spec.clock, spec.seed)


def run_baseline(spec: TrialSpec, thread_id: str) -> Journal:
    """The fault-free baseline of ``spec``: memoised unless ``spec.baseline == "fresh"``."""
    return _memoised(spec, thread_id, "baseline", 0.0)


#: Where the second fault-free run's clock starts (simulated seconds): a day and a bit later,
#: so values read from the clock (timestamps, ``time.time()``-derived ids) differ between the
#: two fault-free runs as they differ between a baseline and a chaos run delayed by retries.
AGAIN_START_AT = 86_400.125


def run_fault_free_again(spec: TrialSpec, thread_id: str) -> Journal:
    """A second fault-free run of ``spec``, its clock started `AGAIN_START_AT` later: what
    ``steady_state`` compares the baseline with to find volatile values by experiment.
    Memoised like the baseline (repeated trials of one spec pay it once)."""
    return _memoised(spec, thread_id, "again", AGAIN_START_AT)


#: Each spec's key, computed once, before its first run: a run may mutate the input (LangGraph's
#: ``add_messages`` assigns ids to the input's messages in place), which would give the second
#: fault-free run of the same spec another key than its baseline.
_SPEC_KEYS: weakref.WeakKeyDictionary[TrialSpec, tuple[Any, ...] | None] = weakref.WeakKeyDictionary()


def _spec_key(spec: TrialSpec) -> tuple[Any, ...] | None:
    if spec not in _SPEC_KEYS:
        _SPEC_KEYS[spec] = _key(spec) if spec.baseline == "memo" else None
    return _SPEC_KEYS[spec]


def _memoised(spec: TrialSpec, thread_id: str, role: str, start_at: float) -> Journal:
    key = _spec_key(spec)
    if key is not None:
        key = (*key, role)
    fp = ""
    if key is not None:
        fp = fingerprint(spec.source)
        hit = _MEMO.get(key)
        if hit is not None:
            ref, old_fp, journal = hit
            if ref() is spec.source and old_fp == fp:
                _MEMO.move_to_end(key)
                return _copy(journal)
            del _MEMO[key]
    ctx = RunContext(spec.seed, spec.test_id, ())
    journal = Executor(
        spec.graph, ctx, input=spec.input, thread_id=thread_id, drive=spec.drive, clock=spec.clock,
        seed=spec.seed, config=spec.config, context=spec.context, around=spec.around, start_at=start_at,
    ).execute(baseline_steps(spec.steps))
    if key is not None:
        try:
            ref = weakref.ref(spec.source)
        except TypeError:
            return journal
        _MEMO[key] = (ref, fp, journal)
        while len(_MEMO) > MAX_ENTRIES:
            _MEMO.popitem(last=False)
        return _copy(journal)
    return journal


def _copy(journal: Journal) -> Journal:
    """A copy whose lists a trial may extend without touching the memo's entry."""
    out = copy.copy(journal)
    out.attempts, out.events, out.http = list(journal.attempts), list(journal.events), list(journal.http)
    out.steps, out.repeat_states = list(journal.steps), list(journal.repeat_states)
    return out


#: id(user graph) -> (weak ref to it, its fingerprint, the shared instrumented copy).
_SHARED: dict[int, tuple[Any, str, InstrumentedGraph]] = {}


def shared_instrumentation(graph: Any, make: Callable[[], InstrumentedGraph]) -> InstrumentedGraph:
    """The instrumented copy of ``graph`` shared by every `chaos.Chaos` of this process.

    ``make()`` builds one when there is none, when the graph's structure changed since
    (`fingerprint`), or when the shared copy is running a trial right now (its run slot is
    taken). Only copies that own nothing are shared (a compiled graph keeps the user's own
    checkpointer): a builder's copy owns an embedded SQLite database, which its `Chaos`
    closes, so each `Chaos` makes its own.
    """
    fp = fingerprint(graph)
    held = _SHARED.get(id(graph))
    if held is not None:
        ref, old_fp, inst = held
        if ref() is graph and old_fp == fp:
            if inst.active.context is None:
                return inst
            return make()  # in use (a trial inside a trial's node): a private copy
        del _SHARED[id(graph)]
    inst = make()
    if inst.cleanups or inst.owns_checkpointer:
        return inst
    key = id(graph)

    def forget(_ref: Any) -> None:  # the graph is gone: so is its copy
        _SHARED.pop(key, None)

    try:
        ref = weakref.ref(graph, forget)
    except TypeError:
        return inst
    _SHARED[key] = (ref, fp, inst)
    return inst


def is_shared(inst: InstrumentedGraph) -> bool:
    """True for a copy `shared_instrumentation` keeps (its `Chaos` must not close it)."""
    return any(held[2] is inst for held in _SHARED.values())


def clear() -> None:
    """Forget every memoised baseline and shared instrumented copy."""
    _MEMO.clear()
    _SHARED.clear()
