"""A seeded soak of correct graphs: every trial must pass (no violation, no inconclusive).

    python -m tests.soak.run --trials 10000            # the full soak (prints counts, CPU and wall)
    python -m tests.soak.run --trials 200 --graph openai_agent

The graphs are the bundled examples (``chaos.examples.*``) and the message-state and agent
graphs of `tests.soak.graphs` (real ChatOpenAI / ChatAnthropic behind ``chaos.http`` routes or
the built-in model fakes). Trial ``i`` goes to graph ``i % len(graphs)``; on it, it runs one
fault kind in turn: the built-in suite's node-level kinds (on the node the suite picks, exactly
as ``pytest --chaos`` does) and, for graphs that call a model over HTTP, HTTP-level faults at
the model endpoint (429 with Retry-After, 503, 529 overloaded, a refused connection, a lost
response, a slow answer) that the SDK itself sees. Seed ``seed + i``.

A violation is either a real defect of the graph (then the graph is not correct: fix it) or a
false alarm of the harness (fix the harness): the soak prints each failing trial's repro.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from chaos.faults import Fault, Injection
from chaos.harness import Chaos
from chaos.http import HttpChaos
from chaos.http import faults as http_faults
from chaos.http.fakes import ModelFakes
from chaos.suite import SUITE_KINDS, plan_case, reachable_sites
from chaos.targets import load_target
from chaos.trial import TrialResult, run_trial
from tests.invariants.soak_support import EXAMPLES, _http_routes
from tests.sdk.models import route_models
from tests.soak import graphs

#: HTTP-level faults at a model endpoint, as the SDK sees them (first request of attempt 1).
HTTP_KINDS: dict[str, Fault] = {
    "http.429": http_faults.status(429, retry_after=1, requests=[1]),
    "http.503": http_faults.status(503, requests=[1]),
    "http.529": http_faults.status(529, requests=[1]),
    "http.connect_error": http_faults.connect_error(requests=[1]),
    "http.lost_response": http_faults.lost_response(requests=[1]),
    "http.slow": http_faults.slow(3.0, requests=[1]),
}


@dataclass
class Target:
    """One soaked graph: how to build it, its input, its network, which nodes call a model."""

    name: str
    build: Callable[[], Any]
    input: Callable[[], Any]
    network: Callable[[], Sequence[Any]] = tuple
    model_nodes: tuple[str, ...] = ()
    #: Fault kinds of client libraries the graph never calls: a node that uses httpx cannot
    #: raise ``requests.ConnectionError``, so injecting one is not a fault its policy must match.
    foreign: frozenset[str] = frozenset()
    kinds: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        suite = [k for k in SUITE_KINDS if k not in self.foreign]
        self.kinds = [*suite, *(HTTP_KINDS if self.model_nodes else ())]


def _routes() -> Sequence[Any]:
    http = HttpChaos()
    route_models(http)
    return [http]


def _fakes() -> Sequence[Any]:
    return [HttpChaos(fakes=ModelFakes())]


def _question() -> dict[str, Any]:
    from langchain_core.messages import HumanMessage

    return {"messages": [HumanMessage("How do I rotate API keys?")]}


#: The bundled examples call httpx (or nothing): requests and aiohttp errors are foreign to them.
NOT_CALLED_BY_EXAMPLES = frozenset({"requests_error", "aiohttp_error"})


def targets() -> list[Target]:
    """Every soaked graph, in trial order."""
    out = [
        Target(name, partial(load_target, name), partial(dict, inp),
               _http_routes_list if name.startswith("chaos.examples.search_api") else _no_network,
               foreign=NOT_CALLED_BY_EXAMPLES)
        for name, inp in EXAMPLES.items()
    ]
    out += [
        Target("openai_chat", graphs.openai_chat, _question, _routes, ("answer",)),
        Target("anthropic_chat", graphs.anthropic_chat, _question, _routes, ("answer",)),
        Target("openai_agent", graphs.openai_agent, _question, _fakes, ("agent",)),
        Target("anthropic_agent", graphs.anthropic_agent, _question, _fakes, ("agent",)),
    ]
    return out


def _no_network() -> Sequence[Any]:
    return ()


def _http_routes_list() -> Sequence[Any]:
    return [_http_routes()]


def _aim(t: Target, inst: Any, kind: str, n: int, seed: int, reachable: Any) -> Injection | None:
    """Where trial ``n`` of ``t`` puts fault ``kind`` (None: the graph gives it no site)."""
    if kind in HTTP_KINDS:
        return Injection.of(HTTP_KINDS[kind], t.model_nodes[n % len(t.model_nodes)], attempts=1, times=1)
    return plan_case(inst, target=t.name, kind=kind, trial=n, seed=seed, reachable=reachable).injection


@dataclass
class Counts:
    """What the soak saw."""

    trials: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    violations: Counter[str] = field(default_factory=Counter)
    by_graph: Counter[str] = field(default_factory=Counter)
    failing: list[TrialResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.trials > 0 and set(self.verdicts) <= {"pass", "skipped"}


def soak(trials: int, *, seed: int = 0, only: Sequence[str] = (), start: int = 0, keep: int = 5) -> Counts:
    """Run trials ``start .. start + trials - 1`` over the soaked graphs (or those in ``only``)."""
    chosen = [t for t in targets() if not only or t.name in only]
    if not chosen:
        raise SystemExit(f"no soaked graph named {list(only)}; known: {[t.name for t in targets()]}")
    counts = Counts()
    harness = Chaos(test_id="soak")
    state = []
    try:
        for t in chosen:
            inst = harness.instrument(t.build())
            around = list(t.network())
            reachable = reachable_sites(inst, t.input(), around=around)
            state.append((t, inst, around, reachable))
        for i in range(start, start + trials):
            t, inst, around, reachable = state[i % len(state)]
            n = i // len(state)
            trial_seed = seed + i
            # Kinds this graph gives no site (a stall needs an idle_timeout) pass their turn to
            # the next kind: every trial runs a fault.
            kind, injection = "", None
            for k in range(len(t.kinds)):
                kind = t.kinds[(n + k) % len(t.kinds)]
                injection = _aim(t, inst, kind, n, trial_seed, reachable)
                if injection is not None:
                    break
            counts.trials += 1
            counts.by_graph[t.name] += 1
            if injection is None:
                counts.verdicts["skipped"] += 1
                continue
            result = run_trial(
                inst, t.input(), injections=[injection], seed=trial_seed, test_id=f"soak::{t.name}::{kind}[{i}]",
                target=t.name, run_number=i, around=around,
                repro=f"python -m tests.soak.run --start {i} --trials 1 --seed {seed}"
                + "".join(f" --graph {g}" for g in only),
            )
            counts.verdicts[result.verdict] += 1
            counts.violations.update(v.invariant for v in result.violations)
            if result.verdict not in ("pass", "skipped") and len(counts.failing) < keep:
                counts.failing.append(result)
    finally:
        harness.close()
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=1000, help="Number of trials (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="Seed of trial 0 (trial i uses seed + i)")
    parser.add_argument("--start", type=int, default=0, help="Index of the first trial (a repro runs one: --start I --trials 1)")
    parser.add_argument("--graph", action="append", default=[], help="Soak only this graph (repeatable)")
    args = parser.parse_args(argv)
    wall, cpu = time.perf_counter(), time.process_time()
    counts = soak(args.trials, seed=args.seed, only=args.graph, start=args.start)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"soak: {counts.trials} trials, seed {args.seed}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.verdicts.items())))
    print(f"violations by invariant: {dict(counts.violations) or 'none'}")
    print("trials by graph: " + ", ".join(f"{k} {v}" for k, v in counts.by_graph.items()))
    print(f"took {wall:.1f} s wall, {cpu:.1f} s CPU ({1000 * wall / max(counts.trials, 1):.1f} ms wall per trial); max RSS {rss:.0f} MiB")
    for result in counts.failing:
        print(result.describe_failure() if result.violations else f"{result.id}: {result.verdict}: {result.inconclusive or result.harness_error}")
    return 0 if counts.ok else 1


if __name__ == "__main__":
    sys.exit(main())
