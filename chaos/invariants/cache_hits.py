"""``cache_hits``: a node cache never serves what it shouldn't.

For each node with a ``CachePolicy``, over the trial's whole history (cache hits are the
journal's ``cached`` records, streamed with ``__metadata__.cached``; each keeps the update it
served and the state streamed before it, the task's input):

- a failure is never served: a hit for an input whose latest body run failed (its task's last
  attempt raised or timed out) served what a failed attempt left (LangGraph's sync loop cached
  a failed task's writes before 1.2.15, langchain-ai/langgraph#7015): the same input right
  after a failure must run the node again;
- no node vanishes: in a run step where nothing failed and no fault fired, every cached node
  the fault-free baseline ran (or was served) in that step either ran or was served;
- (opt-in, ``cache_hit_values``: it reruns node bodies, whose side effects then repeat) a hit
  is what the body returns: on the first hit of each node, the body is run uncached on
  the hit's input (twice, to know it is deterministic; on simulated time, outside the run);
  a different update means the cache key missed a field that changes the output. The
  message names those fields, found by `key_blind_fields` (each field of the input varied on
  its own: the output changes, ``key_func`` does not).

Judged on streaming drives (``astream``/``stream``), the only ones whose output shows hits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation, where
from chaos.journal import AttemptRecord

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "cache_hits"
#: The opt-in half: a hit equals its body's output (reruns bodies, so side effects repeat).
VALUES = "cache_hit_values"
#: LangGraph's sync loop (``invoke``/``stream``) cached a failed task's writes before 1.2.15.
SYNC_FAILURE_FIXED_IN = (1, 2, 15)
_UNKNOWN = object()
_FAILED = ("error", "timeout", "cancelled", "aborted")


def _streaming(result: TrialResult) -> bool:
    return result.drive.split(":", 1)[0] in ("astream", "stream")


def _cached_sites(result: TrialResult) -> Iterator[tuple[str, Any, Any, list[AttemptRecord]]]:
    """(site, node info, CachePolicy, its attempts) of each top-level cached node, when the trial can tell
    hits (a cache, a streaming drive); subgraph nodes report no hits in the stream read."""
    inst = result.instrumented
    if inst is None or getattr(inst.graph, "cache", None) is None or not _streaming(result):
        return
    for site, info in inst.nodes.items():
        policy = info.cache_policy if info.spec is not None else None
        if policy is not None and "/" not in site:
            yield site, info, policy, [a for a in result.journal.attempts if a.node == site]


def check_cache_hits(result: TrialResult) -> Iterable[Violation]:
    """No failure served, no cached node vanished, every sampled hit equals its body's output."""
    for site, _info, policy, records in _cached_sites(result):
        yield from _served_failures(result, site, policy, records)
        yield from _vanished(result, site)
        yield from _skipped_on_resume(result, site)


def _key(policy: Any, state: Any) -> Any:
    try:
        return policy.key_func(state)
    except Exception:  # a key_func that cannot take the recorded input: do not guess
        return _UNKNOWN


def _served_failures(result: TrialResult, site: str, policy: Any, records: list[AttemptRecord]) -> Iterable[Violation]:
    latest: dict[Any, AttemptRecord] = {}  # key -> the last attempt of the latest body task
    tasks: dict[str, list[AttemptRecord]] = {}
    for rec in records:
        if rec.outcome != "cached":
            tasks.setdefault(rec.task, []).append(rec)
            key = _key(policy, rec.input) if rec.input is not None else _UNKNOWN
            if key is not _UNKNOWN:
                latest[key] = tasks[rec.task][-1]
            elif rec.outcome == "ok":
                # A body run whose input the journal does not know (a sync node that got no
                # fault) may have refreshed any entry: no failure is "latest" after it.
                latest = {k: a for k, a in latest.items() if a.outcome not in _FAILED}
            continue
        key = _key(policy, rec.input) if rec.input is not None else _UNKNOWN
        before = latest.get(key) if key is not _UNKNOWN else None
        if before is None or before.outcome not in _FAILED:
            continue
        yield violation(
            NAME, result,
            f"node {site!r} was served from the cache at t={rec.start:g}s (run step {rec.invocation}) for an "
            f"input whose latest run failed: {where(before, before.end)} ended {before.outcome} "
            f"({before.error}). A failed attempt's result must never be cached or served: the same "
            f"input right after a failure must run the node again, seen the cache serve "
            f"{_short(rec.output)}." + _sync_defect(result),
            rec,
        )
        return


def _vanished(result: TrialResult, site: str) -> Iterable[Violation]:
    base = result.baseline
    if base is None or base.outcome != "ok":
        return
    steps = [s for s in result.journal.steps if s.kind in ("invoke", "resume") and s.outcome != "skipped"]
    base_steps = [s for s in base.steps if s.kind in ("invoke", "resume") and s.outcome != "skipped"]
    for step, bstep in zip(steps, base_steps):
        same = step.detail == bstep.detail or "the trial's input" in step.detail + bstep.detail
        if step.kind != "invoke" or bstep.kind != "invoke" or not same:
            continue  # only the same invoke in both histories runs the same nodes
        mine = result.journal.attempts[step.first:step.last]
        theirs = base.attempts[bstep.first:bstep.last]
        if not any(a.node == site and a.outcome in ("ok", "cached") for a in theirs):
            continue
        if step.outcome != "ok" or any(a.fault or a.outcome in _FAILED for a in mine):
            continue  # faults change a run's path: judged only on a clean run step
        if any(a.node == site for a in mine):
            continue
        served = "was served from the cache" if any(a.node == site and a.outcome == "cached" for a in theirs) else "ran"
        yield violation(
            NAME, result,
            f"node {site!r} neither ran nor was served from the cache in step {step.index} ({step.detail}), "
            f"a run step with no fault and no failure, but in the fault-free baseline it {served} there: "
            "the cache skipped it without serving an update (an entry with no writes, as a cached "
            "failure leaves), so its output is missing downstream." + _sync_defect(result),
            node=site, t=step.start,
        )
        return


def _skipped_on_resume(result: TrialResult, site: str) -> Iterable[Violation]:
    """A cached node whose task failed must run again (or be served an update) when the thread
    is resumed: a resume that finishes without either skipped it on a cached failure."""
    steps = [s for s in result.journal.steps if s.kind in ("invoke", "resume") and s.outcome != "skipped"]
    for failed, resumed in zip(steps, steps[1:]):
        if failed.outcome != "error" or resumed.kind != "resume" or resumed.outcome != "ok":
            continue
        mine = result.journal.attempts[failed.first:failed.last]
        tasks = [a for a in mine if a.node == site and a.outcome != "cached"]
        if not tasks or tasks[-1].outcome not in _FAILED:
            continue
        if any(a.node.rsplit("/", 1)[-1].startswith(("__error_handler__", "__default_error_handler__"))
               and a.outcome == "ok" for a in mine):
            continue  # a handler took the failure over: the node is done
        if any(a.node == site for a in result.journal.attempts[resumed.first:resumed.last]):
            continue
        last = tasks[-1]
        yield violation(
            NAME, result,
            f"node {site!r} failed in step {failed.index} ({where(last, last.end)} ended {last.outcome}, "
            f"{last.error}), and step {resumed.index} ({resumed.detail}) finished the thread without "
            "running it again or serving it from the cache: the cache holds an entry for the failed "
            "attempt (no writes), so the resume skipped the node and its output is missing downstream. "
            "A failed attempt's result must never be cached." + _sync_defect(result),
            node=site, t=resumed.start,
        )
        return


def _hit_differs(result: TrialResult, site: str, runnable: Any, policy: Any, hit: AttemptRecord,
                 records: list[AttemptRecord]) -> Iterable[Violation]:
    fresh = run_body(runnable, hit.input)
    if fresh is _UNKNOWN or fresh == hit.output or run_body(runnable, hit.input) != fresh:
        return  # the body could not run outside the graph, agrees, or is not deterministic
    key = _key(policy, hit.input)
    setter = next((a for a in records if a.outcome == "ok" and a.input is not None
                   and _key(policy, a.input) == key and a.start <= hit.start), None)
    fields = _differing_fields(setter.input, hit.input) if setter is not None else []
    if not fields:
        fields = key_blind_fields(runnable, policy.key_func, hit.input)
    by = f" (the entry set by {setter.task} at t={setter.end:g}s, whose input differs in {fields})" if setter else ""
    blind = f"fields {fields} change the output but not the cache key" if fields else "the cache key misses what changes the output"
    yield violation(
        VALUES, result,
        f"node {site!r} was served {_short(hit.output)} from the cache at t={hit.start:g}s{by}, but its body "
        f"returns {_short(fresh)} for that input (run uncached, twice, to compare): {blind}. Include them "
        "in CachePolicy(key_func=...), or do not cache the node.",
        hit,
    )


def run_body(runnable: Any, state: Any) -> Any:
    """The node's update for ``state``, run outside any graph (on simulated time); or a marker
    when the body cannot run there (it needs a runtime, a store, the network)."""
    from chaos.inject.boundary import call_node_body
    from chaos.simtime import run_async

    try:
        return run_async(lambda: call_node_body(runnable, state), mode="simulated")
    except BaseException:  # noqa: BLE001 - any failure means "cannot judge", never a verdict
        return _UNKNOWN


def key_blind_fields(runnable: Any, key_func: Callable[[Any], Any], state: Any) -> list[str]:
    """The input fields that change the node's output but not its cache key.

    Each top-level field of ``state`` (a dict) is varied on its own (a string gets a suffix, a
    number +1, a bool flips, a list gains or loses an item); a field is reported when the
    body's update changes while ``key_func`` returns the same key. The audit's probe: run it on
    an input a trial recorded.
    """
    if not isinstance(state, dict):
        return []
    base_out, base_key = run_body(runnable, state), _key_of(key_func, state)
    if base_out is _UNKNOWN or base_key is _UNKNOWN:
        return []
    out = []
    for name, value in state.items():
        varied = _vary(value)
        if varied is _UNKNOWN:
            continue
        other = {**state, name: varied}
        if _key_of(key_func, other) == base_key and run_body(runnable, other) not in (base_out, _UNKNOWN):
            out.append(name)
    return out


def _key_of(key_func: Callable[[Any], Any], state: Any) -> Any:
    try:
        return key_func(state)
    except Exception:
        return _UNKNOWN


def _vary(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "~"
    if isinstance(value, list):
        return value[:-1] if value else ["~"]
    return _UNKNOWN


def _differing_fields(a: Any, b: Any) -> list[str]:
    if not isinstance(a, dict) or not isinstance(b, dict):
        return []
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _sync_defect(result: TrialResult) -> str:
    from importlib.metadata import version

    from chaos.invariants.delta_culprit import langgraph_version

    if result.drive.startswith("stream") and langgraph_version() < SYNC_FAILURE_FIXED_IN:
        return (f" This langgraph ({version('langgraph')}) has the defect langchain-ai/langgraph#7015: its "
                "sync loop caches a failed task's writes (the async loop does not), fixed in langgraph "
                "1.2.15: upgrade langgraph, or drive the graph async.")
    return ""


def check_cache_hit_values(result: TrialResult) -> Iterable[Violation]:
    """Opt-in (it reruns node bodies, so their side effects happen again): the first hit of
    each cached node equals what its body returns for the hit's input."""
    for site, info, policy, records in _cached_sites(result):
        hits = [a for a in records if a.outcome == "cached" and a.input is not None]
        if hits:
            yield from _hit_differs(result, site, info.spec.runnable, policy, hits[0], records)


register_checker(NAME, check_cache_hits)
register_checker(VALUES, check_cache_hit_values, opt_in=True)
