"""Strategies for LangGraph's policies: `RetryPolicy`, `TimeoutPolicy`, `CachePolicy`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from langgraph.errors import NodeTimeoutError
from langgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

from chaos.errors import ChaosUsageError
from chaos.strategies._hyp import st

Bounds = tuple[float, float]


def retry_transient(exc: BaseException) -> bool:
    """Retry what is worth retrying against an HTTP upstream: 429, 5xx, transport errors and
    node timeouts (LangGraph's default ``retry_on`` does not retry a 429)."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, (httpx.TransportError, NodeTimeoutError, ConnectionError))


#: ``retry_on`` values `retry_policies` draws from, simplest (LangGraph's default) first.
RETRY_ON: tuple[Any, ...] = (
    RetryPolicy().retry_on,
    Exception,
    retry_transient,
    ConnectionError,
    (ValueError, KeyError),
)


def _check_bounds(name: str, bounds: Bounds, *, low: float = 0.0) -> None:
    lo, hi = bounds
    if not (low <= lo <= hi):
        raise ChaosUsageError(f"{name}={bounds!r}: give (low, high) with {low:g} <= low <= high")


def _grid(bounds: Bounds, step: float) -> st.SearchStrategy[float]:
    """Multiples of ``step`` in ``bounds``; shrinks toward the lower bound, never to ugly floats."""
    lo, hi = bounds
    first, last = int(-(-lo // step)), int(hi // step)
    if first > last:
        raise ChaosUsageError(f"bounds {bounds!r} contain no multiple of {step:g}")
    return st.integers(first, last).map(lambda k: k * step)


def retry_policies(
    *,
    max_attempts: tuple[int, int] = (1, 5),
    initial_interval: Bounds = (0.0, 10.0),
    backoff_factor: Bounds = (1.0, 3.0),
    max_interval: Bounds = (0.0, 60.0),
    jitter: bool | None = None,
    retry_on: st.SearchStrategy[Any] | Sequence[Any] | None = None,
) -> st.SearchStrategy[RetryPolicy]:
    """A `RetryPolicy` within the given bounds (inclusive).

    Intervals are multiples of 0.5 s and factors multiples of 0.5, so values stay readable;
    ``max_interval`` is drawn at or above ``initial_interval`` (clipped to its bounds).
    ``jitter=None`` draws it; ``retry_on`` is a strategy or a list to sample (default
    `RETRY_ON`).

    Shrinks toward ``max_attempts`` at its lower bound, the smallest intervals and factor,
    ``jitter=False`` and the first ``retry_on`` (LangGraph's default predicate).
    """
    lo_n, hi_n = max_attempts
    if not 1 <= lo_n <= hi_n:
        raise ChaosUsageError(f"max_attempts={max_attempts!r}: give (low, high) with 1 <= low <= high")
    _check_bounds("initial_interval", initial_interval)
    _check_bounds("backoff_factor", backoff_factor, low=1.0)
    _check_bounds("max_interval", max_interval)
    on = retry_on if isinstance(retry_on, st.SearchStrategy) else st.sampled_from(list(retry_on or RETRY_ON))
    jit = st.booleans() if jitter is None else st.just(jitter)

    @st.composite
    def build(draw: st.DrawFn) -> RetryPolicy:
        n = draw(st.integers(lo_n, hi_n))
        initial = draw(_grid(initial_interval, 0.5))
        factor = draw(_grid(backoff_factor, 0.5))
        floor = min(max(initial, max_interval[0]), max_interval[1])
        cap = draw(_grid((floor, max_interval[1]), 0.5)) if floor <= max_interval[1] else max_interval[1]
        return RetryPolicy(
            initial_interval=initial, backoff_factor=factor, max_interval=cap,
            max_attempts=n, jitter=draw(jit), retry_on=draw(on),
        )

    return build()


def timeout_policies(
    *,
    run_timeout: Bounds = (1.0, 120.0),
    idle_timeout: Bounds = (1.0, 60.0),
    refresh_on: str | None = None,
) -> st.SearchStrategy[TimeoutPolicy]:
    """A `TimeoutPolicy` LangGraph accepts: a ``run_timeout``, an ``idle_timeout`` or both, > 0.

    Whole seconds. With both, ``idle_timeout`` is at most ``run_timeout`` (a longer idle
    timeout can never fire). ``refresh_on`` is drawn (``"auto"``/``"heartbeat"``) unless given.

    Shrinks toward a ``run_timeout`` alone at its lower bound.
    """
    _check_bounds("run_timeout", run_timeout, low=1e-9)
    _check_bounds("idle_timeout", idle_timeout, low=1e-9)
    refresh: st.SearchStrategy[Any] = st.sampled_from(["auto", "heartbeat"]) if refresh_on is None else st.just(refresh_on)
    runs, idles = _grid(run_timeout, 1.0), _grid(idle_timeout, 1.0)

    @st.composite
    def build(draw: st.DrawFn) -> TimeoutPolicy:
        form = draw(st.sampled_from(["run", "idle", "both"]))
        if form == "run":
            return TimeoutPolicy(run_timeout=draw(runs))
        if form == "idle":
            return TimeoutPolicy(idle_timeout=draw(idles), refresh_on=draw(refresh))
        run = draw(runs)
        idle = draw(_grid((idle_timeout[0], min(idle_timeout[1], run)), 1.0)) if idle_timeout[0] <= run else run
        return TimeoutPolicy(run_timeout=run, idle_timeout=idle, refresh_on=draw(refresh))

    return build()


def cache_policies(*, ttl: Bounds = (1.0, 3600.0), no_ttl: bool = True) -> st.SearchStrategy[CachePolicy[Any]]:
    """A `CachePolicy` with a ``ttl`` of whole seconds in ``ttl`` (or ``None``, never expires,
    when ``no_ttl``); the default ``key_func``.

    Shrinks toward the shortest ``ttl``.
    """
    _check_bounds("ttl", ttl, low=1e-9)
    # (never_expires, ttl) rather than one_of(..., none()): None would shrink first (fewer choices).
    never = st.booleans() if no_ttl else st.just(False)
    return st.builds(lambda n, t: CachePolicy(ttl=None if n else int(t)), never, _grid(ttl, 1.0))
