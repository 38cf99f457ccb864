"""What every audit check reads: the instrumented graph, the probe journals and the options."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langgraph.pregel import Pregel

from chaos.inject import InstrumentedGraph, NodeInfo
from chaos.journal import HttpRecord, Journal

Durability = Literal["sync", "async", "exit"]
Scenario = Literal["crash", "drain"]
SCENARIOS: tuple[Scenario, ...] = ("crash", "drain")

#: HTTP methods that are not idempotent (RFC 9110 §9.2.2): sending one twice may apply it twice.
NON_IDEMPOTENT = frozenset({"POST", "PATCH"})
#: HTTP methods that change something upstream (a cache hit would skip the change).
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Probes:
    """What the probe runs observed (all fault-free unless stated).

    Attributes:
        base: the journal of a fault-free run (a probe run, or the caller's own journal).
        storm: the journal of a run where every HTTP request got a 503 (SDK retries show up as
            several requests per node attempt).
        silent: idle-timed nodes that ran but never called ``runtime.heartbeat()``.
        handler_runs: for each node with an error handler, the journal of a run in which that
            node always raised.
        incomplete: why some probe could not finish (reported as LGC001).
    """

    base: Journal | None = None
    storm: Journal | None = None
    silent: set[str] = field(default_factory=set)
    handler_runs: dict[str, Journal] = field(default_factory=dict)
    incomplete: list[tuple[str, str]] = field(default_factory=list)

    def http(self, site: str) -> list[HttpRecord]:
        """The requests ``site`` sent in the base run."""
        if self.base is None:
            return []
        return [h for h in self.base.http if h.node == site]

    def ran(self, site: str) -> bool:
        return self.base is not None and any(a.node == site for a in self.base.attempts)


@dataclass
class AuditContext:
    """The graph under audit and everything the checks may consult."""

    inst: InstrumentedGraph
    probes: Probes
    volatile_fields: Sequence[str] = ()
    budget: float | None = None
    durability: Durability | None = None
    scenarios: Collection[Scenario] = ()
    resume_config: Mapping[str, Any] | None = None
    sample_state: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0

    @property
    def graph(self) -> Pregel[Any, Any]:
        return self.inst.graph

    @property
    def graph_policy(self) -> Any:
        return self.inst.graph.retry_policy

    def user_nodes(self) -> list[NodeInfo]:
        """Nodes the user wrote (no hidden handler nodes, no subgraph container nodes)."""
        return [
            info
            for site, info in self.inst.nodes.items()
            if not is_hidden(site) and not is_container(info)
        ]

    def handler_nodes(self) -> list[NodeInfo]:
        """LangGraph's hidden error handler nodes (``__error_handler__x``, the default one)."""
        return [
            info
            for site, info in self.inst.nodes.items()
            if is_hidden(site) and info.spec is not None and info.is_error_handler
        ]


def is_hidden(site: str) -> bool:
    return site.rsplit("/", 1)[-1].startswith("__")


def is_container(info: NodeInfo) -> bool:
    return isinstance(getattr(info.spec, "runnable", None), Pregel)


def prefix_of(site: str) -> str:
    """``a/b`` -> ``a/``; ``b`` -> ``""``: the subgraph prefix of a site."""
    head, sep, _ = site.rpartition("/")
    return head + sep


def accepts(info: NodeInfo, param: str) -> bool | None:
    """Whether the node function takes ``param`` (``runtime``, ``config``, ...); None if unknown.

    LangGraph decides what to inject from the original signature and keeps it on the
    `RunnableCallable` as ``func_accepts``; the harness's wrapper copies it unchanged.
    """
    accepted = getattr(getattr(info.spec, "runnable", None), "func_accepts", None)
    if accepted is None:
        return None
    return param in accepted
