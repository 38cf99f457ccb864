"""Strategies for faults and fault plans: node-boundary and transport faults, schedules."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Sequence

import httpx

from chaos import faults as _faults
from chaos.engine.spec import UserGraph
from chaos.errors import ChaosUsageError
from chaos.faults import Fault, Injection
from chaos.inject import InstrumentedGraph
from chaos.strategies._hyp import st
from chaos.strategies.plan import FaultPlan
from chaos.strategies.trial import instrumented


#: Node-boundary fault kinds `node_faults` draws from, simplest first (the shrink order); the
#: names are those of the reference table (`chaos.fault_kinds`).
NODE_FAULT_KINDS = (
    "exception", "raise_status", "raise_connect_error", "raise_read_timeout", "raise_remote_protocol_error",
    "lost_result", "delay", "hang", "stall",
)
#: Old names `node_faults` still accepts (with a DeprecationWarning), and what they draw.
_OLD_NODE_KINDS = {"http_5xx": "raise_status (5xx)", "http_429": "raise_status (429)",
                   "transport": "raise_connect_error, raise_read_timeout, raise_remote_protocol_error",
                   "slow": "delay"}
_ERRORS: tuple[type[BaseException], ...] = (RuntimeError, ValueError, ConnectionError, KeyError)


def _chosen(kinds: Iterable[str] | None, valid: Sequence[str], old: dict[str, str], where: str) -> list[str]:
    chosen = list(kinds) if kinds is not None else list(valid)
    unknown = [k for k in chosen if k not in valid and k not in old]
    if unknown or not chosen:
        raise ChaosUsageError(f"{where}(kinds={chosen!r}): use some of {', '.join(valid)}")
    for k in chosen:
        if k in old:
            warnings.warn(f"{where}(kinds=[{k!r}]) is deprecated: use {old[k]} (the kind names of "
                          "chaos.fault_kinds)", DeprecationWarning, stacklevel=3)
    return chosen


def node_faults(
    kinds: Iterable[str] | None = None,
    *,
    max_seconds: int = 60,
    errors: Sequence[BaseException | type[BaseException]] = _ERRORS,
) -> st.SearchStrategy[Fault]:
    """A node-boundary fault from `chaos.faults` of one of ``kinds`` (default `NODE_FAULT_KINDS`).

    ``errors`` are what ``exception`` faults raise; ``max_seconds`` bounds ``Retry-After`` and
    ``delay`` latency. ``raise_status`` draws a 5xx or a 429 (only a 429 gets ``Retry-After``).

    Shrinks toward the kinds listed first, except that a fault drawn without parameters
    (``hang``, each transport error) counts as simpler than one with parameters (hypothesis
    orders values by how many choices made them); within a kind toward the first error,
    status 500, no ``Retry-After``, the shortest latency and a stall after 0 heartbeats. A
    failing property keeps the kind that fails, so this order only matters between kinds
    that all fail.
    """
    chosen = _chosen(kinds, NODE_FAULT_KINDS, _OLD_NODE_KINDS, "node_faults")
    seconds = st.integers(0, max_seconds).map(float)
    # st.builds (not .map) so hypothesis prints a drawn fault as the call that made it.
    five = st.builds(_faults.raise_status, st.sampled_from([500, 502, 503, 504]))
    four29 = st.builds(_faults.raise_status, st.just(429), retry_after=st.one_of(st.none(), seconds))
    transport = [st.builds(_faults.raise_connect_error), st.builds(_faults.raise_read_timeout),
                 st.builds(_faults.raise_remote_protocol_error)]
    delay = st.builds(_faults.delay, st.integers(1, max(1, max_seconds)).map(float))
    by_kind: dict[str, st.SearchStrategy[Fault]] = {
        "exception": st.builds(_faults.exception, st.sampled_from(list(errors))),
        "raise_status": st.one_of(five, four29),
        "raise_connect_error": transport[0],
        "raise_read_timeout": transport[1],
        "raise_remote_protocol_error": transport[2],
        "lost_result": st.builds(_faults.lost_result, st.sampled_from([httpx.ReadTimeout, ConnectionError])),
        "delay": delay,
        "hang": st.builds(_faults.hang),
        "stall": st.builds(_faults.stall, after_heartbeats=st.integers(0, 3)),
        "http_5xx": five, "http_429": four29, "transport": st.one_of(transport), "slow": delay,
    }
    return st.one_of([by_kind[k] for k in chosen])


#: Transport-level fault kinds `http_faults` draws from, simplest first (reference-table names).
HTTP_FAULT_KINDS = (
    "http.status", "http.rate_limit", "http.connect_error", "http.read_timeout", "http.remote_protocol_error",
    "http.lost_response", "http.slow", "http.stalled_stream", "http.cut_stream",
)
_OLD_HTTP_KINDS = {"status": "http.status", "rate_limited": "http.rate_limit",
                   "transport": "http.connect_error, http.read_timeout, http.remote_protocol_error",
                   "lost_response": "http.lost_response", "slow": "http.slow",
                   "stalled_stream": "http.stalled_stream", "cut_stream": "http.cut_stream"}


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

    Shrinks toward the first kind (``http.status`` 429 without ``Retry-After``), every request,
    the shortest delays and the fewest chunks.
    """
    from chaos.http import faults as hf

    chosen = _chosen(kinds, HTTP_FAULT_KINDS, _OLD_HTTP_KINDS, "http_faults")
    where = st.fixed_dictionaries({
        "url": st.just(url), "method": st.just(method),
        "requests": st.one_of(st.none(), st.sets(st.integers(1, 3), min_size=1, max_size=2).map(sorted)),
    })
    secs = st.integers(1, max(1, max_seconds)).map(float)

    def transport(name: str) -> st.SearchStrategy[Fault]:
        return st.builds(lambda w: getattr(hf, name)(**w), where)

    by_kind: dict[str, st.SearchStrategy[Fault]] = {
        "http.status": st.builds(
            lambda code, ra, w: hf.status(code, retry_after=ra if code == 429 else None, **w),
            st.sampled_from([429, 500, 502, 503, 504]), st.one_of(st.none(), secs), where,
        ),
        "http.rate_limit": st.builds(lambda s, w: hf.rate_limited(s, **w), secs, where),
        "http.connect_error": transport("connect_error"),
        "http.read_timeout": transport("read_timeout"),
        "http.remote_protocol_error": transport("remote_protocol_error"),
        "http.lost_response": st.builds(lambda how, w: hf.lost_response(how, **w),
                                        st.sampled_from(["read_timeout", "disconnect"]), where),
        "http.slow": st.builds(lambda s, w: hf.slow(s, **w), secs, where),
        "http.stalled_stream": st.builds(lambda k, w: hf.stalled_stream(k, **w), st.integers(0, 3), where),
        "http.cut_stream": st.builds(lambda k, c, w: hf.cut_stream(k, clean=c, **w), st.integers(0, 3),
                                     st.booleans(), where),
    }
    old_transport = st.builds(
        lambda name, w: getattr(hf, name)(**w),
        st.sampled_from(["connect_error", "read_timeout", "remote_protocol_error"]), where,
    )
    by_kind.update({old: by_kind[new] for old, new in _OLD_HTTP_KINDS.items() if new in by_kind})
    by_kind["transport"] = old_transport
    return st.one_of([by_kind[k] for k in chosen])


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
