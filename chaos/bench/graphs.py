"""The graphs the benchmark runs: the bundled examples and synthetic chains and fan-outs.

Synthetic nodes are async and do almost nothing, so the numbers show the harness's cost per
node and per superstep rather than the cost of a node body.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy


@dataclass(frozen=True)
class Case:
    """One graph to measure: a builder factory, its input and the run config."""

    name: str
    build: Callable[[], StateGraph[Any, Any, Any, Any]]
    input: dict[str, Any]
    config: dict[str, Any]
    nodes: int
    #: Nodes ``await asyncio.sleep`` (model latency): a plain run waits for real, a trial does
    #: not, so only CPU time compares the two.
    sleeps: bool = False


class ChainState(TypedDict, total=False):
    n: Annotated[int, operator.add]  # a reducer: the nodes of a fan-out write it in one step
    seen: Annotated[list[str], operator.add]


class _ChainNode(Protocol):
    """A synthetic node, typed as LangGraph's node protocol sees it (a ``state`` parameter)."""

    async def __call__(self, state: ChainState) -> dict[str, Any]: ...


def _node(name: str) -> _ChainNode:
    async def body(state: ChainState) -> dict[str, Any]:
        return {"n": 1, "seen": [name]}

    body.__name__ = name
    return body


def chain(n: int) -> StateGraph[ChainState, None, ChainState, ChainState]:
    """``n`` async nodes in a line: ``n`` supersteps, one task each."""
    g = StateGraph(ChainState)
    names = [f"n{i}" for i in range(n)]
    for name in names:
        g.add_node(name, _node(name))
    g.add_edge(START, names[0])
    for a, b in zip(names, names[1:]):
        g.add_edge(a, b)
    g.add_edge(names[-1], END)
    return g


def fan_out(n: int) -> StateGraph[ChainState, None, ChainState, ChainState]:
    """A source, ``n - 2`` parallel async nodes and a sink: 3 supersteps, the middle one wide."""
    g = StateGraph(ChainState)
    width = max(1, n - 2)
    g.add_node("src", _node("src"))
    g.add_node("sink", _node("sink"))
    g.add_edge(START, "src")
    for i in range(width):
        name = f"w{i}"
        g.add_node(name, _node(name))
        g.add_edge("src", name)
    g.add_edge([f"w{i}" for i in range(width)], "sink")
    g.add_edge("sink", END)
    return g


class BackoffState(TypedDict, total=False):
    done: Annotated[list[str], operator.add]


async def _ok(state: BackoffState) -> dict[str, Any]:
    return {"done": ["ok"]}


def backoff_heavy(*, interval: float = 1.0, max_interval: float = 128.0, run_timeout: float = 300.0,
                  jitter: bool = True) -> StateGraph[BackoffState, None, BackoffState, BackoffState]:
    """Retries with a long exponential backoff and a node guarded by a long run timeout.

    ``flaky`` retries up to 10 times, backing off ``interval * 2**k`` capped at
    ``max_interval``; ``slowpoke`` is killed by ``run_timeout`` when it hangs and then retried.
    The scaled-down form (small ``interval`` and ``run_timeout``) is what the real-clock row runs.
    """
    g = StateGraph(BackoffState)
    retry = RetryPolicy(initial_interval=interval, backoff_factor=2.0, max_interval=max_interval,
                        max_attempts=10, jitter=jitter, retry_on=Exception)
    g.add_node("flaky", _ok, retry_policy=retry)
    g.add_node("slowpoke", _ok, retry_policy=retry, timeout=TimeoutPolicy(run_timeout=run_timeout))
    g.add_edge(START, "flaky")
    g.add_edge("flaky", "slowpoke")
    g.add_edge("slowpoke", END)
    return g


def example_cases() -> list[Case]:
    from chaos.examples import compensation, llm, long_thread, research, support

    out = []
    for mod in (support, research, llm, compensation):
        name = mod.__name__.rsplit(".", 1)[-1]
        out.append(Case(name, mod.build, dict(mod.example_input), {}, len(mod.builder.nodes),
                        sleeps=name in ("llm", "research")))
    out.append(Case("long_thread[150]", long_thread.build, {"target": 150}, {"recursion_limit": 10_000}, 1))
    return out


def synthetic_cases(sizes: tuple[int, ...]) -> list[Case]:
    out = []
    for n in sizes:
        out.append(Case(f"chain[{n}]", functools.partial(chain, n), {"n": 0}, {"recursion_limit": 10_000}, n))
    for n in sizes:
        out.append(Case(f"fan_out[{n}]", functools.partial(fan_out, n), {"n": 0}, {}, n))
    return out


def long_thread_case(steps: int) -> Case:
    from chaos.examples import long_thread

    return Case(f"long_thread[{steps}]", long_thread.build, {"target": steps},
                {"recursion_limit": steps * 4 + 100}, 1)


#: ``chaos.bench.graphs:chain5``: the graph the kill row's child processes import.
chain5 = chain(5)
