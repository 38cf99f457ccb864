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

This module imports hypothesis (an optional extra: ``pip install 'langgraph-chaos[hypothesis]'``);
nothing else in ``chaos`` imports it, so the rest of the package never pays for it.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

try:
    from hypothesis import event, note
    from hypothesis import strategies as st
    from hypothesis.control import current_build_context, currently_in_test_context
    from hypothesis.errors import NoSuchExample
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "chaos.strategies needs hypothesis: pip install 'langgraph-chaos[hypothesis]'"
    ) from exc

import httpx
from langgraph.errors import NodeTimeoutError
from langgraph.graph import StateGraph
from langgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

from chaos import faults as _faults
from chaos.engine.spec import UserGraph
from chaos.errors import ChaosUsageError
from chaos.faults import Fault, Injection
from chaos.inject import InstrumentedGraph, graph_label, instrument
from chaos.trial import ChaosViolation, RunHook, TrialResult

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

T = TypeVar("T")
Bounds = tuple[float, float]


# -- policies -----------------------------------------------------------------------------------


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


# -- faults -------------------------------------------------------------------------------------

#: Node-boundary fault kinds `node_faults` draws from, simplest first (the shrink order).
NODE_FAULT_KINDS = ("exception", "http_5xx", "http_429", "transport", "lost_result", "slow", "hang", "stall")
_ERRORS: tuple[type[BaseException], ...] = (RuntimeError, ValueError, ConnectionError, KeyError)


def node_faults(
    kinds: Iterable[str] | None = None,
    *,
    max_seconds: int = 60,
    errors: Sequence[BaseException | type[BaseException]] = _ERRORS,
) -> st.SearchStrategy[Fault]:
    """A node-boundary fault from `chaos.faults` of one of ``kinds`` (default `NODE_FAULT_KINDS`).

    ``errors`` are what ``exception`` faults raise; ``max_seconds`` bounds ``Retry-After`` and
    ``slow`` latency.

    Shrinks toward the kinds listed first, except that a fault drawn without parameters
    (``hang``, each transport error) counts as simpler than one with parameters (hypothesis
    orders values by how many choices made them); within a kind toward the first error,
    status 500, no ``Retry-After``, the shortest latency and a stall after 0 heartbeats. A
    failing property keeps the kind that fails, so this order only matters between kinds
    that all fail.
    """
    chosen = list(kinds) if kinds is not None else list(NODE_FAULT_KINDS)
    unknown = [k for k in chosen if k not in NODE_FAULT_KINDS]
    if unknown or not chosen:
        raise ChaosUsageError(f"node_faults(kinds={chosen!r}): use some of {', '.join(NODE_FAULT_KINDS)}")
    seconds = st.integers(0, max_seconds).map(float)
    # st.builds (not .map) so hypothesis prints a drawn fault as the call that made it.
    by_kind: dict[str, st.SearchStrategy[Fault]] = {
        "exception": st.builds(_faults.exception, st.sampled_from(list(errors))),
        "http_5xx": st.builds(_faults.http_5xx, st.sampled_from([500, 502, 503, 504])),
        "http_429": st.builds(_faults.http_429, retry_after=st.one_of(st.none(), seconds)),
        "transport": st.one_of(st.builds(_faults.connect_error), st.builds(_faults.read_timeout),
                               st.builds(_faults.remote_protocol_error)),
        "lost_result": st.builds(_faults.lost_result, st.sampled_from([httpx.ReadTimeout, ConnectionError])),
        "slow": st.builds(_faults.slow, st.integers(1, max(1, max_seconds)).map(float)),
        "hang": st.builds(_faults.hang),
        "stall": st.builds(_faults.stall, after_heartbeats=st.integers(0, 3)),
    }
    return st.one_of([by_kind[k] for k in chosen])


#: Transport-level fault kinds `http_faults` draws from, simplest first.
HTTP_FAULT_KINDS = ("status", "rate_limited", "transport", "lost_response", "slow", "stalled_stream", "cut_stream")


def http_faults(
    kinds: Iterable[str] | None = None,
    *,
    url: str | None = None,
    method: str | None = None,
    max_seconds: int = 30,
) -> st.SearchStrategy[Fault]:
    """A transport-level fault from `chaos.http.faults` (acts on one HTTP request of a node).

    ``url``/``method`` narrow every drawn fault to matching requests; ``requests`` (which
    matching requests of an attempt get the fault) is drawn: every one, or a few ordinals.

    Shrinks toward the first kind (``status`` 429 without ``Retry-After``), every request,
    the shortest delays and the fewest chunks.
    """
    from chaos.http import faults as hf

    chosen = list(kinds) if kinds is not None else list(HTTP_FAULT_KINDS)
    unknown = [k for k in chosen if k not in HTTP_FAULT_KINDS]
    if unknown or not chosen:
        raise ChaosUsageError(f"http_faults(kinds={chosen!r}): use some of {', '.join(HTTP_FAULT_KINDS)}")
    where = st.fixed_dictionaries({
        "url": st.just(url), "method": st.just(method),
        "requests": st.one_of(st.none(), st.sets(st.integers(1, 3), min_size=1, max_size=2).map(sorted)),
    })
    secs = st.integers(1, max(1, max_seconds)).map(float)
    by_kind: dict[str, st.SearchStrategy[Fault]] = {
        "status": st.builds(
            lambda code, ra, w: hf.status(code, retry_after=ra if code == 429 else None, **w),
            st.sampled_from([429, 500, 502, 503, 504]), st.one_of(st.none(), secs), where,
        ),
        "rate_limited": st.builds(lambda s, w: hf.rate_limited(s, **w), secs, where),
        "transport": st.builds(
            lambda name, w: getattr(hf, name)(**w),
            st.sampled_from(["connect_error", "read_timeout", "remote_protocol_error"]), where,
        ),
        "lost_response": st.builds(lambda how, w: hf.lost_response(how, **w), st.sampled_from(["read_timeout", "disconnect"]), where),
        "slow": st.builds(lambda s, w: hf.slow(s, **w), secs, where),
        "stalled_stream": st.builds(lambda k, w: hf.stalled_stream(k, **w), st.integers(0, 3), where),
        "cut_stream": st.builds(lambda k, c, w: hf.cut_stream(k, clean=c, **w), st.integers(0, 3), st.booleans(), where),
    }
    return st.one_of([by_kind[k] for k in chosen])


# -- fault plans --------------------------------------------------------------------------------


def fault_source(fault: Fault) -> str:
    """Python source that builds ``fault`` (``faults.http_429(retry_after=2)``), for snippets.

    Node faults use ``faults`` (``from chaos import faults``), transport faults
    ``http_faults`` (``from chaos.http import faults as http_faults``).
    """
    f = fault
    if isinstance(f, _faults.RaiseError):
        return f"faults.exception({_error_source(f.error)})"
    if isinstance(f, _faults.HttpStatus):
        ra = "" if f.retry_after is None else f"retry_after={_num(f.retry_after)}"
        if f.status == 429:
            return f"faults.http_429({ra or 'retry_after=None'})"
        if 500 <= f.status <= 599:
            return f"faults.http_5xx({f.status}{', ' + ra if ra else ''})"
        return f"faults.http_status({f.status}{', ' + ra if ra else ''})"
    if isinstance(f, _faults.TransportError):
        return {"connect": "faults.connect_error()", "read_timeout": "faults.read_timeout()",
                "remote_protocol": "faults.remote_protocol_error()"}[f.error]
    if isinstance(f, _faults.Hang):
        return "faults.hang()"
    if isinstance(f, _faults.Stall):
        return f"faults.stall(after_heartbeats={f.after_heartbeats})"
    if isinstance(f, _faults.Slow):
        return f"faults.slow({_num(f.seconds)})"
    if isinstance(f, _faults.LostResult):
        default = f.error is httpx.ReadTimeout
        return "faults.lost_result()" if default else f"faults.lost_result({_error_source(f.error)})"
    if f.level == "http":
        return _http_source(f)
    return repr(f)


def _num(value: Any) -> str:
    if isinstance(value, datetime):
        return repr(value)
    return f"{value:g}" if isinstance(value, float) else repr(value)


def _error_source(error: BaseException | type[BaseException]) -> str:
    if isinstance(error, type):
        return error.__name__
    return repr(error)


def _http_source(f: Any) -> str:
    from chaos.http import faults as hf

    kw: list[str] = []
    if isinstance(f, hf.Status):
        name, args = "status", [str(f.status)]
        if f.retry_after is not None:
            kw.append(f"retry_after={_num(f.retry_after)}")
    elif isinstance(f, hf.RateLimit):
        name, args = "rate_limited", [_num(f.retry_after)]
        if f.requests is None:
            kw.append("requests=None")  # rate_limited() defaults to requests=1
        elif f.requests == frozenset({1}):
            f = dataclasses.replace(f, requests=None)  # the default: leave it out
    elif isinstance(f, hf.TransportFailure):
        name, args = {"connect": "connect_error", "read_timeout": "read_timeout",
                      "remote_protocol": "remote_protocol_error"}[f.error], []
    elif isinstance(f, hf.LostResponse):
        name, args = "lost_response", ([] if f.as_error == "read_timeout" else [repr(f.as_error)])
    elif isinstance(f, hf.SlowResponse):
        name, args = "slow", [_num(f.seconds)]
        if f.per_chunk:
            kw.append(f"per_chunk={_num(f.per_chunk)}")
    elif isinstance(f, hf.StalledStream):
        name, args = "stalled_stream", [str(f.after_chunks)]
    elif isinstance(f, hf.CutStream):
        name, args = "cut_stream", [str(f.after_chunks)]
        if f.clean:
            kw.append("clean=True")
    else:
        return repr(f)
    if f.url is not None:
        kw.append(f"url={getattr(f.url, 'pattern', f.url)!r}")
    if f.method is not None:
        kw.append(f"method={f.method!r}")
    if f.requests is not None:
        kw.append(f"requests={sorted(f.requests)}")
    return f"http_faults.{name}({', '.join(args + kw)})"


def _injection_args(inj: Injection) -> str:
    parts = [fault_source(inj.fault), f'node="{inj.node}"']
    if inj.attempts is not None:
        parts.append(f"attempts={sorted(inj.attempts)}")
    if inj.probability != 1.0:
        parts.append(f"probability={inj.probability:g}")
    if inj.times is not None:
        parts.append(f"times={inj.times}")
    return ", ".join(parts)


class FaultPlan(tuple[Injection, ...]):
    """An ordered schedule of injections for one trial (a tuple of `Injection`).

    ``repr`` is Python that rebuilds it; `snippet` gives the same plan as ``chaos.inject(...)``
    lines for a test that uses the ``chaos`` fixture.
    """

    @classmethod
    def of(cls, *injections: Injection) -> FaultPlan:
        return cls(injections)

    def snippet(self, indent: str = "") -> str:
        """One ``chaos.inject(fault, node=..., attempts=[...])`` line per injection."""
        if not self:
            return f"{indent}# (no faults)"
        return "\n".join(f"{indent}chaos.inject({_injection_args(i)})" for i in self)

    def __repr__(self) -> str:
        if not self:
            return "FaultPlan.of()"
        body = "".join(f"\n    Injection.of({_injection_args(i)})," for i in self)
        return f"FaultPlan.of({body}\n)"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # hypothesis' printer
        p.text(repr(self))


# Instrumented copies, one per graph object, shared by fault_plans, run_plan and the machine.
_INSTRUMENTED: weakref.WeakKeyDictionary[Any, InstrumentedGraph] = weakref.WeakKeyDictionary()
_BY_ID: dict[int, tuple[Any, InstrumentedGraph]] = {}


def _memory_saver() -> Any:
    """LangGraph's `InMemorySaver`: a property test runs hundreds of examples, and on SQLite
    (even an in-memory database) the saver's SQL was 30% of an example on a 4-node graph
    (issue #18). A compiled graph keeps its own checkpointer: pass one to test on SQLite."""
    from langgraph.checkpoint.memory import InMemorySaver

    return InMemorySaver()


def instrumented(graph: UserGraph | InstrumentedGraph) -> InstrumentedGraph:
    """The instrumented copy of ``graph``, built once per graph object and then reused.

    A builder is compiled with LangGraph's `InMemorySaver` (and an in-memory cache when a node
    declares a `CachePolicy`); a compiled graph keeps its own.
    Instrumenting costs milliseconds; reusing it is what makes 100 examples take well under a
    second.
    """
    if isinstance(graph, InstrumentedGraph):
        return graph
    try:
        inst = _INSTRUMENTED.get(graph)
    except TypeError:  # not weak-referenceable: keep it alive by id
        inst = _BY_ID.get(id(graph), (None, None))[1]
    if inst is None:
        from chaos.savers import default_cache

        inst = instrument(graph, checkpointer_factory=_memory_saver, cache_factory=default_cache)
        try:
            _INSTRUMENTED[graph] = inst
        except TypeError:
            _BY_ID[id(graph)] = (graph, inst)
    return inst


def fault_plans(
    graph: UserGraph | InstrumentedGraph,
    *,
    faults: st.SearchStrategy[Fault] | None = None,
    nodes: Sequence[str] | None = None,
    min_faults: int = 1,
    max_faults: int = 3,
    max_attempt: int = 3,
) -> st.SearchStrategy[FaultPlan]:
    """Fault schedules aimed at the nodes and attempts of ``graph``.

    Each injection aims a fault (from ``faults``, default `node_faults`) at one node (of
    ``nodes``, default every node of the graph, in definition order) and at a few attempt
    numbers up to ``max_attempt`` (or every attempt). Plans are probability 1: each fault fires
    on every attempt it is aimed at, so a plan replays exactly.

    Shrinks toward fewer injections (down to ``min_faults``), each aimed at the first node, at
    attempt 1 only, with the simplest fault (see `node_faults`).
    """
    sites = instrumented(graph).sites()
    chosen = list(nodes) if nodes is not None else sites
    missing = [n for n in chosen if n not in sites]
    if missing or not chosen:
        raise ChaosUsageError(
            f"fault_plans(nodes={chosen!r}): {missing or 'no nodes'} not in the graph; its nodes are: "
            f"{', '.join(sites) or '(none)'}"
        )
    if not 0 <= min_faults <= max_faults or max_attempt < 1:
        raise ChaosUsageError(
            f"fault_plans(min_faults={min_faults}, max_faults={max_faults}, max_attempt={max_attempt}): "
            "need 0 <= min_faults <= max_faults and max_attempt >= 1"
        )
    # One choice per attempt set, so ``[1]`` is the simplest (a one_of with None would shrink
    # to None first: fewer choices), then [2], [1, 2], [3], ... and every attempt last.
    subsets = [
        sorted(c) for r in range(1, max_attempt + 1) for c in itertools.combinations(range(1, max_attempt + 1), r)
    ]
    subsets.sort(key=lambda c: (max(c), len(c), c))
    attempts = st.sampled_from([*subsets, None])
    one = st.builds(
        lambda f, n, a: Injection.of(f, n, a),
        faults if faults is not None else node_faults(), st.sampled_from(chosen), attempts,
    )
    return st.lists(one, min_size=min_faults, max_size=max_faults).map(FaultPlan)


# -- one trial per example ----------------------------------------------------------------------


class PlanViolation(ChaosViolation):
    """A `ChaosViolation` whose message ends with the plan as ``chaos.inject`` lines and seeds."""

    def __init__(self, result: TrialResult, plan: FaultPlan, replay: str) -> None:
        super().__init__(result)
        self.plan = plan
        AssertionError.__init__(self, f"{result.describe_failure()}\n{replay}")


_RUNS = itertools.count()


def _hypothesis_seed() -> str | None:
    """``@seed(N)`` of the running hypothesis test, when it has one (not derandomized)."""
    if not currently_in_test_context():
        return None
    test = getattr(current_build_context(), "wrapped_test", None)
    for attr in ("_hypothesis_internal_use_seed", "_hypothesis_internal_use_generated_seed"):
        value = getattr(test, attr, None)
        if value is not None:
            return str(value)
    from hypothesis import core

    forced = getattr(core, "global_force_seed", None)
    return None if forced is None else str(forced)


def replay_text(plan: FaultPlan, seed: int) -> str:
    """The block shown when a plan fails: the ``chaos.inject`` lines and how to replay them."""
    hyp = _hypothesis_seed()
    lines = [
        "Fault plan (paste into a test that uses the chaos fixture):",
        plan.snippet(indent="    "),
        f"Chaos seed: {seed} (run_plan(..., seed={seed}); in a chaos test: pytest --chaos-seed={seed})",
    ]
    if hyp is not None:
        lines.append(f"Hypothesis: add @seed({hyp}) to the test, or run pytest with --hypothesis-seed={hyp}")
    elif currently_in_test_context():
        lines.append("Hypothesis: this example replays from the example database, or with derandomize=True")
    return "\n".join(lines)


def run_plan(
    graph: UserGraph | InstrumentedGraph,
    input: Any,
    plan: Iterable[Injection],
    *,
    seed: int = 0,
    config: dict[str, Any] | None = None,
    context: Any = None,
    baseline: bool | str = True,
    disable: Sequence[str] = ("faults_fired",),
    enable: Sequence[str] = (),
    nondeterministic: Sequence[str] = (),
    around: Sequence[RunHook] = (),
    test_id: str | None = None,
    raise_on_violation: bool = True,
) -> TrialResult:
    """Run one chaos trial of ``plan`` on ``graph`` (simulated time) and check the invariants.

    Meant for the body of a ``@given`` test. The graph is instrumented once per graph object
    (`instrumented`) and each run gets a fresh thread. The fault-free baseline is run once per
    (graph, input, config, context, seed) and reused, so an example costs one run.

    ``faults_fired`` is off by default: generated plans aim at attempts that may never happen.
    ``seed`` drives jitter and probabilistic faults; ``test_id`` (default: the running pytest
    test) is hashed into fault decisions. ``around`` are run hooks (an ``HttpChaos`` for
    transport faults: one is created when the plan has any and none is given).

    On a violated invariant, raises `PlanViolation` (an AssertionError) whose message ends with
    the plan as ``chaos.inject(...)`` lines and the seeds that replay it; inside a hypothesis
    test the same block is recorded with `note`, so the shrunk example prints it.
    """
    from chaos.engine.run import run_trial as engine_run
    from chaos.engine.spec import Checks, TrialSpec
    from chaos.trial import baseline_policy

    inst = instrumented(graph)
    plan = plan if isinstance(plan, FaultPlan) else FaultPlan(plan)
    tid = test_id or _pytest_test_id()
    hooks = list(around)
    if any(inj.fault.level == "http" for inj in plan) and not any(_is_http(h) for h in hooks):
        from chaos.http import HttpChaos

        hooks.append(HttpChaos())
    spec = TrialSpec(
        graph=inst, input=input, injections=tuple(plan), seed=seed, test_id=tid, config=config,
        context=context, checks=Checks(tuple(disable), tuple(enable), tuple(nondeterministic)),
        baseline=baseline_policy(baseline), around=tuple(hooks),
        source=graph if not isinstance(graph, InstrumentedGraph) else inst,
        target=graph_label(graph), roles=(f"plan-baseline{os.getpid()}", f"plan{os.getpid()}"),
        run_number=next(_RUNS),
    )
    result = engine_run(spec)
    in_hypothesis = currently_in_test_context()
    if in_hypothesis:
        event(f"chaos verdict: {result.verdict}")
    if not result.ok:
        text = replay_text(plan, seed)
        if in_hypothesis:
            note(text)
        if raise_on_violation:
            if result.verdict != "fail":
                result.raise_for_verdict()
            raise PlanViolation(result, plan, text)
    return result


def _is_http(hook: Any) -> bool:
    from chaos.http import HttpChaos

    return isinstance(hook, HttpChaos)


def _pytest_test_id() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST")
    return current.rsplit(" (", 1)[0] if current else "run_plan"


# -- DeltaChannel reducers ----------------------------------------------------------------------

Reducer = Callable[[Any, list[Any]], Any]


def as_batch_reducer(update: Callable[[Any, Any], Any]) -> Reducer:
    """Adapt a one-update reducer (``add_messages(left, right)``) to DeltaChannel's
    ``reducer(state, writes)`` by flattening the writes into one update (semantics §6)."""

    def batch(state: Any, writes: list[Any]) -> Any:
        flat = [item for w in writes for item in (w if isinstance(w, list) else [w])]
        return update(state, flat)

    batch.__name__ = f"batched_{getattr(update, '__name__', 'reducer')}"
    return batch


@dataclass(frozen=True)
class BatchingCounterexample:
    """Writes on which applying two batches one after the other differs from one batch.

    ``start`` is the writes that built the state ``s``; ``stepwise`` is ``r(r(s, xs), ys)``
    and ``batched`` ``r(s, xs + ys)`` (or the error the batched call raised).
    """

    start: list[Any]
    xs: list[Any]
    ys: list[Any]
    stepwise: Any
    batched: Any

    @property
    def size(self) -> int:
        """Number of writes in the example (its length after shrinking)."""
        return len(self.start) + len(self.xs) + len(self.ys)

    def __str__(self) -> str:
        return (
            f"reducer(reducer(s, xs), ys) != reducer(s, xs + ys) with s = reducer(empty, {_short(self.start)}), "
            f"xs = {_short(self.xs)}, ys = {_short(self.ys)}: step by step gives {_short(self.stepwise)}, "
            f"one batch gives {_short(self.batched)}"
        )


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if type(value).__name__ == "RemoveMessage":
        return f"Remove({value.id})"
    if hasattr(value, "content") and hasattr(value, "id"):
        return f"{type(value).__name__[:-7] or 'Msg'}({value.id})"
    return repr(value)


def check_batching(
    reducer: Reducer, start: list[Any], xs: list[Any], ys: list[Any], *, empty: Callable[[], Any] = list
) -> BatchingCounterexample | None:
    """Compare ``r(r(s, xs), ys)`` with ``r(s, xs + ys)`` where ``s = r(empty(), start)``.

    Returns None when they agree, or when the step-by-step application itself raises (the
    reducer rejects those writes, so they are not a valid example).
    """
    # The start state is built twice rather than deep-copied: a reducer may update its state
    # in place, and deep copies of messages cost more than the reducer itself.
    try:
        stepwise = reducer(reducer(reducer(empty(), list(start)), list(xs)), list(ys))
    except Exception:
        return None
    try:
        batched = reducer(reducer(empty(), list(start)), list(xs) + list(ys))
    except Exception as exc:
        batched = f"raised {type(exc).__name__}: {exc}"
    if batched != stepwise:
        return BatchingCounterexample(list(start), list(xs), list(ys), stepwise, batched)
    return None


def _batch_strategy(writes: st.SearchStrategy[Any], max_batch: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(writes, max_size=max_batch)


def batching_counterexample(
    reducer: Reducer,
    writes: st.SearchStrategy[Any],
    *,
    empty: Callable[[], Any] = list,
    max_batch: int = 3,
    max_examples: int = 1000,
) -> BatchingCounterexample | None:
    """Search for writes that break ``r(r(s, xs), ys) == r(s, xs + ys)``; the shrunk one or None.

    ``writes`` draws single writes; the start state and the two batches are lists of up to
    ``max_batch`` of them. Uses `hypothesis.find`, so the result is shrunk: the fewest and
    simplest writes (as ``writes`` shrinks) that still differ. Deterministic (derandomized).
    """
    from hypothesis import HealthCheck, find, settings

    batch = _batch_strategy(writes, max_batch)
    found: list[BatchingCounterexample] = []

    def differs(case: tuple[list[Any], list[Any], list[Any]]) -> bool:
        ce = check_batching(reducer, *case, empty=empty)
        if ce is not None:
            found.append(ce)
        return ce is not None

    try:
        start, xs, ys = find(
            st.tuples(batch, batch, batch), differs,
            settings=settings(max_examples=max_examples, derandomize=True, database=None,
                              suppress_health_check=list(HealthCheck)),
        )
    except NoSuchExample:
        return None
    return check_batching(reducer, start, xs, ys, empty=empty)


_DELTA_GRAPHS: dict[tuple[int, int], Any] = {}


def _delta_graph(reducer: Reducer, snapshot_frequency: int) -> Any:
    """A one-node graph that writes batch k of ``state["batches"]`` to a DeltaChannel field in
    superstep k (one task, one write per item), on an in-memory checkpointer. Built once."""
    key = (id(reducer), snapshot_frequency)
    if key in _DELTA_GRAPHS:
        return _DELTA_GRAPHS[key][1]
    from typing import Annotated, TypedDict

    from langgraph.channels.delta import DeltaChannel
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import END, START
    from langgraph.types import Command

    DeltaState = TypedDict(  # the reducer is a runtime value
        "DeltaState",
        {"value": Annotated[list[Any], DeltaChannel(reducer, snapshot_frequency=snapshot_frequency)],
         "batches": list[Any], "k": int},
        total=False,
    )

    def step(state: Any) -> list[Command[Any]]:
        k = state.get("k", 0)
        return [Command(update={"value": w}) for w in state["batches"][k]] + [Command(update={"k": k + 1})]

    def more(state: Any) -> str:
        return "step" if state.get("k", 0) < len(state["batches"]) else END

    g = StateGraph(DeltaState)
    g.add_node("step", step)
    g.add_conditional_edges(START, more, ["step", END])
    g.add_conditional_edges("step", more, ["step", END])
    graph = g.compile(checkpointer=InMemorySaver())
    _DELTA_GRAPHS[key] = (reducer, graph)  # keep the reducer alive: the key is its id
    return graph


_DELTA_THREADS = itertools.count()


def check_reconstruction(
    reducer: Reducer, batches: Sequence[Sequence[Any]], *, snapshot_frequency: int = 1000
) -> tuple[Any, Any]:
    """Run a real graph writing ``batches`` (one superstep each) to a ``DeltaChannel(reducer)``
    field; return (live value the run ended with, value the checkpointer rebuilds).

    With the default ``snapshot_frequency`` nothing is snapshotted, so the checkpointer
    replays every write in one reducer call. A reducer that raises propagates its error.
    """
    graph = _delta_graph(reducer, snapshot_frequency)
    cfg = {"configurable": {"thread_id": f"delta-{next(_DELTA_THREADS)}"}}
    from chaos.engine.drive import invoke_plain

    live = invoke_plain(graph, {"batches": [list(b) for b in batches], "k": 0}, cfg).get("value", [])
    rebuilt = graph.get_state(cfg).values.get("value", [])
    return live, rebuilt


def reducer_property(
    reducer: Reducer,
    writes: st.SearchStrategy[Any],
    *,
    empty: Callable[[], Any] = list,
    max_batch: int = 4,
    saver: bool = True,
) -> Callable[[], None]:
    """A ``@given`` test of a DeltaChannel reducer: batching invariance and, with ``saver``,
    that a real checkpointer rebuilds the value the run held. Use it as a test::

        test_my_reducer = settings(max_examples=200)(reducer_property(my_reducer, st.integers()))

    Fails with a `BatchingCounterexample` message (shrunk by hypothesis: fewest writes first).
    """
    from hypothesis import given

    batch = _batch_strategy(writes, max_batch)

    @given(start=batch, xs=batch, ys=batch)
    def test_reducer_is_batching_invariant(start: list[Any], xs: list[Any], ys: list[Any]) -> None:
        ce = check_batching(reducer, start, xs, ys, empty=empty)
        problem = None if ce is None else str(ce)
        if problem is None and saver and check_batching(reducer, [], start, xs, empty=empty) is None:
            try:
                live, rebuilt = check_reconstruction(reducer, [start, xs, ys])
            except Exception:
                live = rebuilt = None  # the reducer rejects these writes in a live run too
            if live != rebuilt:
                problem = (
                    f"the checkpointer rebuilds {_short(rebuilt)} but the run held {_short(live)} "
                    f"after batches {_short(start)}, {_short(xs)}, {_short(ys)} (one superstep each)"
                )
        # One assertion, so hypothesis shrinks both kinds of failure as one.
        assert problem is None, problem

    test_reducer_is_batching_invariant.__name__ = f"test_{getattr(reducer, '__name__', 'reducer')}_is_batching_invariant"
    return test_reducer_is_batching_invariant


def message_updates(ids: str = "ab", *, removals: bool = True) -> st.SearchStrategy[Any]:
    """Message writes for ``add_messages``-style reducers: an ``AIMessage`` with an id from
    ``ids`` (its content is its id: only ids matter to merging) or, with ``removals``, a
    ``RemoveMessage`` of such an id.

    Shrinks toward a message with the first id.
    """
    from langchain_core.messages import AIMessage, RemoveMessage

    ident = st.sampled_from(list(ids))
    msg = ident.map(lambda i: AIMessage(content=i, id=i))
    if not removals:
        return msg
    return st.one_of(msg, ident.map(lambda i: RemoveMessage(id=i)))
