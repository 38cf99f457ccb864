"""Checks of the arguments users hand the harness: a named error with the fix, never a TypeError.

The marker, the fixture (`chaos.Chaos`), `chaos.trial.run_trial` and `chaos.instrument` call
these before the first trial runs, so a wrong type (``attempts="x"``, ``node=5``,
``disable="steady_state"``, ``seed="abc"``, ``retry_policy="three"``) is reported as what it
is, with an example of a right value, instead of surfacing later as a comparison error deep in
the harness, or being accepted silently (a string is iterable: ``disable="steady_state"``
would otherwise name eleven one-letter invariants).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chaos.errors import ChaosUsageError


def name_list(value: Any, where: str, example: str = "['steady_state']") -> tuple[str, ...]:
    """``value`` as a tuple of names: a list, tuple or set of strings (not one bare string)."""
    if value is None:
        return ()
    if isinstance(value, str):
        raise ChaosUsageError(f"{where}={value!r}: give a list of names, e.g. {where}=[{value!r}]")
    if not isinstance(value, Iterable):
        raise ChaosUsageError(f"{where}={value!r}: give a list of names, e.g. {where}={example}")
    names = tuple(value)
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise ChaosUsageError(f"{where}={list(names)!r}: {bad[0]!r} is not a name; give strings, e.g. {where}={example}")
    return names


def seed_value(value: Any, where: str = "seed") -> int:
    """A seed: a whole number (a bool or a string is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ChaosUsageError(f"{where}={value!r}: the seed is a whole number, e.g. {where}=1234")
    return value


def whole_number(value: Any, where: str, *, minimum: int = 1, optional: bool = True) -> int | None:
    """``None`` (if ``optional``) or an ``int`` >= ``minimum`` (a bool or a string is refused)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        none = " or None" if optional else ""
        raise ChaosUsageError(f"{where}={value!r}: give a whole number >= {minimum}{none}, e.g. {where}={minimum}")
    return value


def attempt_numbers(value: Any, where: str = "attempts") -> frozenset[int] | None:
    """``None`` (every attempt), one attempt number, or an iterable of them (not a string)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return frozenset((value,))
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ChaosUsageError(
            f"{where}={value!r}: give an attempt number or a list of them (1-based), "
            f"e.g. {where}=1 or {where}=[1, 2]; None means every attempt"
        )
    numbers = list(value)
    bad = [a for a in numbers if isinstance(a, bool) or not isinstance(a, int)]
    if bad:
        raise ChaosUsageError(f"{where}={numbers!r}: {bad[0]!r} is not an attempt number; give whole numbers >= 1, e.g. {where}=[1, 2]")
    return frozenset(numbers)


def probability_value(value: Any, where: str = "probability") -> float:
    """A probability: a number between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ChaosUsageError(f"{where}={value!r}: give a number between 0 and 1, e.g. {where}=0.5")
    return float(value)


def node_pattern(value: Any, where: str = "node") -> str:
    """A node name, a glob or ``parent/child``: a non-empty string."""
    if not isinstance(value, str) or not value:
        raise ChaosUsageError(
            f"{where}={value!r}: give the node's name as a string, a glob such as 'fetch*', "
            "or 'parent/child' for a subgraph node"
        )
    return value


# -- the graph's own policies -------------------------------------------------------------------


def check_policies(graph: Any) -> None:
    """Every node's ``retry_policy``/``cache_policy``/``timeout`` is of LangGraph's types.

    LangGraph accepts any value at ``add_node`` and only trips on it when the policy is used
    (a fault makes the node fail, a cache lookup happens): a trial would then judge a graph
    that cannot run as its author meant, or fail with an AttributeError from inside LangGraph.
    ``graph`` is a builder or a compiled graph; subgraphs are checked too.
    """
    from langgraph.graph import StateGraph
    from langgraph.pregel import Pregel

    builder = graph if isinstance(graph, StateGraph) else getattr(graph, "builder", None)
    if not isinstance(builder, StateGraph):
        return
    _check_builder(builder, "", StateGraph, Pregel)


def _check_builder(builder: Any, prefix: str, state_graph: type, pregel: type) -> None:
    defaults = getattr(builder, "_node_defaults", None)
    if defaults is not None:
        _check_spec(defaults, "set_node_defaults()", "set_node_defaults")
    for name, spec in builder.nodes.items():
        _check_spec(spec, f"node {prefix + name!r}", "add_node")
        runnable = getattr(spec, "runnable", None)
        sub = getattr(runnable, "builder", None) if isinstance(runnable, pregel) else None
        if isinstance(sub, state_graph):
            _check_builder(sub, prefix + name + "/", state_graph, pregel)


def _check_spec(spec: Any, what: str, call: str) -> None:
    import langgraph.types as lgt

    retry_cls = lgt.RetryPolicy
    retry = getattr(spec, "retry_policy", None)
    if retry is not None:
        # RetryPolicy is a NamedTuple: test for one before treating a tuple as a list of them.
        one = isinstance(retry, retry_cls) or not isinstance(retry, (list, tuple))
        policies = [retry] if one else list(retry)
        bad = [p for p in policies if not isinstance(p, retry_cls)]
        if bad or not policies:
            raise ChaosUsageError(
                f"{what}: retry_policy={retry!r} is not a RetryPolicy (or a list of them); write "
                f"{call}(..., retry_policy=RetryPolicy(max_attempts=3)) with "
                "`from langgraph.types import RetryPolicy`"
            )
    cache = getattr(spec, "cache_policy", None)
    if cache is not None and not isinstance(cache, lgt.CachePolicy):
        raise ChaosUsageError(
            f"{what}: cache_policy={cache!r} is not a CachePolicy; write {call}(..., "
            "cache_policy=CachePolicy(ttl=300)) with `from langgraph.types import CachePolicy`"
        )
    timeout_cls = getattr(lgt, "TimeoutPolicy", None)  # newer LangGraph releases only
    timeout = getattr(spec, "timeout", None)
    if timeout_cls is not None and timeout is not None and not isinstance(timeout, timeout_cls):
        raise ChaosUsageError(
            f"{what}: timeout={timeout!r} is not a TimeoutPolicy; write {call}(..., "
            "timeout=TimeoutPolicy(run_timeout=60)) with `from langgraph.types import TimeoutPolicy`"
        )
