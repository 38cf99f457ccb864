"""``cache_ttl``: a node's cache serves identical inputs within the TTL, never after, never errors.

For each node with a ``CachePolicy``, the successful runs of its body (the last attempt of a
task that succeeded) are the entries a correct cache holds, keyed by the policy's ``key_func``
applied to the input the body received, from the time the body ended until ``ttl`` later:

- a cache hit (journal outcome ``cached``) needs a live entry of that node at that time; a hit
  when none is live was served after its TTL, or was an error served from the cache;
- a body run in a later superstep than a live entry with the same key should have been a hit.

The TTL boundary itself is allowed both ways: InMemoryCache misses at exactly ``ttl``, SqliteCache
still hits (semantics §5). Only top-level nodes report hits in the stream the journal reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.invariants._common import EPS, violation, where
from chaos.journal import AttemptRecord

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "cache_ttl"
_UNKNOWN = object()


@dataclass(frozen=True)
class Entry:
    """What a correct cache holds after one successful body run."""

    key: Any
    since: float
    until: float | None  # None: ttl=None, never expires
    step: int | None
    rec: AttemptRecord

    def live_at(self, t: float) -> bool:
        return self.since <= t + EPS and (self.until is None or t <= self.until + EPS)


def check_cache_ttl(result: TrialResult) -> Iterable[Violation]:
    """Cached nodes hit within their TTL for an identical key, miss after it, never cache errors."""
    inst = result.instrumented
    if inst is None or getattr(inst.graph, "cache", None) is None:
        return
    if _server_clock_cache(inst.graph.cache) and result.clock == "simulated":
        # RedisCache expires entries on the Redis server's own clock (SETEX), which simulated
        # time cannot move: journal times and the server's TTL do not share a clock. Say so
        # rather than judge; with --chaos-clock=real (short TTLs) the check runs as usual.
        note = (
            f"cache_ttl not checked: {type(inst.graph.cache).__name__} expires entries on the Redis "
            "server's clock, which simulated time cannot move; run with --chaos-clock=real and short "
            "TTLs to check expiry"
        )
        if not any(e.kind == "note" and e.detail == note for e in result.journal.events):
            from chaos.journal import EventRecord

            result.journal.events.append(EventRecord("note", 0.0, None, note))
        return
    for site, info in inst.nodes.items():
        policy = info.cache_policy if info.spec is not None else None
        if policy is None:
            continue
        yield from _check_node(result, site, policy)


def _server_clock_cache(cache: Any) -> bool:
    """True for caches whose TTLs run on a server's clock (LangGraph's RedisCache)."""
    try:
        from langgraph.cache.redis import RedisCache
    except ImportError:  # pragma: no cover - redis extra not installed
        return False
    return isinstance(cache, RedisCache)


def _key(policy: Any, rec: AttemptRecord) -> Any:
    try:
        return policy.key_func(rec.input)
    except Exception:  # a key_func that cannot take the recorded input: do not guess
        return _UNKNOWN


def _check_node(result: TrialResult, site: str, policy: Any) -> Iterable[Violation]:
    ttl = policy.ttl
    entries: list[Entry] = []
    records = [a for a in result.journal.attempts if a.node == site]
    tasks: dict[str, list[AttemptRecord]] = {}
    for rec in records:
        tasks.setdefault(rec.task, []).append(rec)
    # Runs of one trial happen in order: a hit of a later run (same simulated time: nodes take
    # none) comes after the entries an earlier run set, whatever its outcome.
    for rec in sorted(records, key=lambda a: (a.start, a.invocation, a.outcome != "cached")):
        if rec.outcome == "cached":
            if not any(e.live_at(rec.start) for e in entries):
                if not entries and rec.input is not None and any(a.outcome in ("error", "timeout") for a in records):
                    continue  # a served failure, with the input known: `cache_hits` names it
                yield _stale_hit(result, rec, entries, ttl)
            continue
        if rec.attempt != 1:
            continue
        key = _key(policy, rec)
        if key is not _UNKNOWN:
            for e in entries:
                if e.key == key and e.step is not None and rec.step is not None and e.step < rec.step \
                        and (e.until is None or rec.start < e.until - EPS):
                    expires = "never" if e.until is None else f"at t={e.until:g}s"
                    yield violation(
                        NAME, result,
                        f"{where(rec)}: the body ran although an identical input (same key_func "
                        f"key) was cached by {e.rec.task} at t={e.since:g}s with ttl={ttl} "
                        f"(expires {expires}): expected a cache hit, seen the body run. Is the "
                        "cache dropping entries before their TTL?",
                        rec,
                    )
                    break
        last = tasks[rec.task][-1]
        if last.outcome == "ok" and last.end is not None:
            entries.append(Entry(key, last.end, None if ttl is None else last.end + ttl, last.step, last))


def _stale_hit(result: TrialResult, rec: AttemptRecord, entries: list[Entry], ttl: Any) -> Violation:
    if not entries:
        failed = [a for a in result.journal.attempts if a.node == rec.node and a.outcome in ("error", "timeout")]
        seen = f"only failed runs ({failed[-1].error} at t={failed[-1].start:g}s)" if failed else "no run of the body at all"
        why = (f"no run of the body succeeded before it ({seen}): an error or a value from "
               "another run was served from the cache. Errors must never be cached.")
    else:
        last = max(entries, key=lambda e: e.since)
        why = (f"the latest entry was set by {last.rec.task} at t={last.since:g}s with ttl={ttl}, so it "
               f"expired at t={last.until:g}s: expected the body to run again, seen a cache hit "
               f"{rec.start - (last.until or 0):g}s after expiry. Does the cache ignore TTLs?")
    return violation(NAME, result, f"node {rec.node!r} was served from the cache at t={rec.start:g}s but {why}", rec)


register_checker(NAME, check_cache_ttl)
