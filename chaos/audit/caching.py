"""Cache findings: keys that never repeat, keys that miss a field, and skipped side effects.

LangGraph 1.2.22 facts (langgraph-semantics §5): the key is ``key_func(node_input)`` (by default
a pickle of the whole input, i.e. the full state); a hit is resolved before the runner, so the
node does not execute at all: no retries, no timeout, and none of its side effects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from chaos.audit.context import WRITES, AuditContext
from chaos.audit.findings import Finding


def volatile_cache_keys(ctx: AuditContext) -> Iterator[Finding]:
    """LGC302: the cache key changes when only a volatile field changes."""
    if not ctx.volatile_fields:
        return
    for info in ctx.user_nodes():
        policy = info.cache_policy
        if policy is None:
            continue
        changed = [f for f in ctx.volatile_fields if _key_changes(policy.key_func, ctx.sample_state, f)]
        if not changed:
            continue
        yield Finding.of(
            "LGC302",
            info.site,
            f"the cache key of node {info.site!r} changes when only {', '.join(map(repr, changed))} "
            "(marked volatile) changes: two inputs that should share an entry never do, so the "
            "cache never hits.",
            "give CachePolicy a key_func that leaves volatile fields out, e.g. "
            "key_func=lambda s: repr(sorted((k, v) for k, v in s.items() if k not in VOLATILE))",
        )


def cached_side_effects(ctx: AuditContext) -> Iterator[Finding]:
    """LGC303: a cached node sends writes upstream (POST/PUT/PATCH/DELETE)."""
    for info in ctx.user_nodes():
        if info.cache_policy is None:
            continue
        writes = [h for h in ctx.probes.http(info.site) if h.method in WRITES]
        if not writes:
            continue
        first = writes[0]
        yield Finding.of(
            "LGC303",
            info.site,
            f"node {info.site!r} is cached but has side effects ({first.method} {first.url} in "
            "the probe run): a cache hit does not run the node, so the write is silently skipped.",
            "move the write into its own uncached node, or remove cache_policy from this node",
        )


def key_blind_cache_fields(ctx: AuditContext) -> Iterator[Finding]:
    """LGC304: an input field changes a cached node's output but not its cache key.

    On the input the node got in the probe run, each top-level field is varied on its own and
    the body run again, outside any graph (``chaos.invariants.cache_hits.key_blind_fields``): a
    field that changes the update while ``key_func`` returns the same key lets one input be
    served another's result. A node that sent HTTP in the probe is not run again (its requests
    would repeat; LGC303 covers its writes).
    """
    from chaos.invariants.cache_hits import key_blind_fields

    base = ctx.probes.base
    if base is None:
        return
    for info in ctx.user_nodes():
        policy = info.cache_policy
        if policy is None or info.spec is None or ctx.probes.http(info.site):
            continue
        state = next((a.input for a in base.attempts if a.node == info.site and isinstance(a.input, dict)), None)
        if state is None:
            continue
        blind = key_blind_fields(info.spec.runnable, policy.key_func, state)
        if not blind:
            continue
        names = ", ".join(map(repr, blind))
        yield Finding.of(
            "LGC304",
            info.site,
            f"node {info.site!r} returns a different update when only {names} changes, but its "
            "CachePolicy.key_func gives the same key: a cache hit serves one input's result to "
            "another.",
            f"include {names} in CachePolicy(key_func=...), or leave key_func out (the default key "
            "is the whole input)",
        )


def _key_changes(key_func: Any, sample: Mapping[str, Any], field: str) -> bool:
    a, b = _variants(sample.get(field))
    try:
        return bool(key_func({**sample, field: a}) != key_func({**sample, field: b}))
    except Exception:  # a key_func that cannot take the variant: nothing learned
        return False


def _variants(value: Any) -> tuple[Any, Any]:
    """Two values of the field's own type that differ (so typed key_funcs still work)."""
    if isinstance(value, bool) or value is None:
        return "chaos-audit-1", "chaos-audit-2"
    if isinstance(value, (int, float)):
        return value, value + 1
    if isinstance(value, str):
        return value, value + "-chaos-audit"
    if isinstance(value, dt.datetime):
        return value, value + dt.timedelta(seconds=1)
    if isinstance(value, (list, tuple)):
        return value, type(value)([*value, "chaos-audit"])
    if isinstance(value, dict):
        return value, {**value, "chaos-audit": 1}
    return "chaos-audit-1", "chaos-audit-2"
