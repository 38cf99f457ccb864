"""LGC301: DeltaChannel reducers must be batching-invariant, and many are not.

A DeltaChannel stores writes, not values; reading a checkpoint replays every write since the
last snapshot through **one** reducer call (langgraph-semantics §6). So the reducer must satisfy
``r(r(s, xs), ys) == r(s, xs + ys)``, or state read back from the checkpointer (``get_state``,
resume after a crash) differs from the state the run had. ``add_messages`` is the classic
counterexample: remove id ``a`` in one step and re-add it in the next, and the replay puts ``a``
back in its old place instead of at the end.

The check is generated, deterministic and quick: for several families of writes (bare messages,
lists of messages, lists, scalars, dicts), it builds a start state and two batches from a seeded
generator, smallest first, and compares the two ways of applying them. A family whose writes
the reducer rejects (raises on) is skipped: the reducer is not meant for those writes.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from langgraph.channels import DeltaChannel
from langgraph.pregel import Pregel

from chaos.audit.context import AuditContext
from chaos.audit.findings import Finding

#: Generated cases per family (the fixed, known counterexamples come first).
CASES = 120


@dataclass(frozen=True)
class Counterexample:
    """Writes on which one-batch replay differs from step-by-step application."""

    family: str
    state: Any
    xs: list[Any]
    ys: list[Any]
    stepwise: Any
    batched: Any


def delta_reducers(ctx: AuditContext) -> Iterator[Finding]:
    """LGC301 for every DeltaChannel of the graph and its subgraphs."""
    for name, channel in delta_channels(ctx.graph):
        found = find_counterexample(channel.reducer, channel.typ, seed=ctx.seed)
        if found is None:
            continue
        yield Finding.of(
            "LGC301",
            name,
            f"DeltaChannel {name!r}: reducer {_name(channel.reducer)} is not batching-invariant: "
            f"from {_show(found.state)}, writes {_show(found.xs)} then {_show(found.ys)} give "
            f"{_show(found.stepwise)} step by step but {_show(found.batched)} when replayed in one "
            "batch, which is how state is read back from a checkpoint.",
            "use a reducer with r(r(s, xs), ys) == r(s, xs + ys) (for messages: "
            "langgraph.graph.message._messages_delta_reducer), or a plain Annotated[list, reducer] "
            "channel",
            kind="channel",
        )


def delta_channels(graph: Pregel[Any, Any], prefix: str = "") -> Iterator[tuple[str, DeltaChannel[Any]]]:
    """(name, channel) for each DeltaChannel, subgraph channels as ``node/channel``."""
    builder: Any = getattr(graph, "builder")  # set by StateGraph.compile
    for name, channel in builder.channels.items():
        if isinstance(channel, DeltaChannel):
            yield prefix + name, channel
    for node, spec in builder.nodes.items():
        if isinstance(spec.runnable, Pregel):
            yield from delta_channels(spec.runnable, f"{prefix}{node}/")


def find_counterexample(
    reducer: Callable[[Any, list[Any]], Any], typ: Any = list, *, seed: int = 0
) -> Counterexample | None:
    """The first (smallest) case where batching changes the result, or None."""
    for family, make in _FAMILIES.items():
        rng = random.Random(f"{seed}:{family}")
        try:
            for state_writes, xs, ys in _cases(family, make, rng):
                start = reducer(_empty(typ), copy.deepcopy(state_writes)) if state_writes else _empty(typ)
                stepwise = reducer(reducer(copy.deepcopy(start), copy.deepcopy(xs)), copy.deepcopy(ys))
                batched = reducer(copy.deepcopy(start), copy.deepcopy(xs) + copy.deepcopy(ys))
                if stepwise != batched:
                    return Counterexample(family, start, xs, ys, stepwise, batched)
        except Exception:  # the reducer does not take this family's writes
            continue
    return None


def _cases(
    family: str, make: Callable[[random.Random, int], Any], rng: random.Random
) -> Iterator[tuple[list[Any], list[Any], list[Any]]]:
    if family == "messages":
        yield from _known_messages()
    for n in range(CASES):
        size = 1 + n // 30  # small batches first: the first counterexample is a short one
        yield (
            [make(rng, i) for i in range(rng.randint(0, size))],
            [make(rng, i) for i in range(rng.randint(1, size))],
            [make(rng, i) for i in range(rng.randint(1, size))],
        )


def _message(rng: random.Random, i: int) -> Any:
    from langchain_core.messages import HumanMessage, RemoveMessage

    # Ids always set: a reducer that assigns random ids would differ on every call.
    ident = rng.choice("abc")
    if rng.random() < 0.3:
        return RemoveMessage(id=ident)
    return HumanMessage(content=f"m{rng.randint(0, 3)}", id=ident)


def _known_messages() -> list[tuple[list[Any], list[Any], list[Any]]]:
    from langchain_core.messages import HumanMessage, RemoveMessage

    a, b = HumanMessage(content="a", id="a"), HumanMessage(content="b", id="b")
    # langgraph-semantics §6: remove `a` in one step, re-add it in the next.
    return [([a, b], [RemoveMessage(id="a")], [a])]


_FAMILIES: dict[str, Callable[[random.Random, int], Any]] = {
    "messages": _message,
    "message lists": lambda rng, i: [_message(rng, i)],
    "lists": lambda rng, i: [rng.randint(0, 9) for _ in range(rng.randint(1, 2))],
    "scalars": lambda rng, i: rng.randint(0, 9),
    "strings": lambda rng, i: rng.choice("xyz"),
    "dicts": lambda rng, i: {rng.choice("pq"): rng.randint(0, 9)},
}


def _empty(typ: Any) -> Any:
    try:
        return typ()
    except Exception:
        return []


def _name(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def _show(value: Any, limit: int = 120) -> str:
    text = _render(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    kind = type(value).__name__
    if kind.endswith("Message") and hasattr(value, "id"):
        return f"Remove({value.id})" if kind == "RemoveMessage" else f"{kind[0]}({value.id})"
    return repr(value)
