"""The shadow run of ``delta_reconstruction``: the same graph with full-state channels.

Each ``DeltaChannel`` field is swapped for `FullStateReducerChannel`, a channel with the same
reducer and the same per-superstep update rule that stores its whole value in every
checkpoint (as a plain reducer channel does). The shadow replays the chaos run exactly: same
seed, same test id (so the same fault decisions), same input, same invoke mode, on its own
in-memory checkpointer. Its stored value at superstep k is what the DeltaChannel must rebuild
at superstep k, whatever the saver under test did with the writes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from langgraph._internal._typing import MISSING
from langgraph.channels.base import BaseChannel
from langgraph.channels.binop import _get_overwrite
from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import EmptyChannelError, InvalidUpdateError
from typing_extensions import Self


class FullStateReducerChannel(BaseChannel[Any, Any, Any]):
    """A DeltaChannel's reducer and update rule, stored as full state in every checkpoint."""

    __slots__ = ("value", "reducer")

    def __init__(self, reducer: Any, typ: Any) -> None:
        super().__init__(typ)
        self.reducer = reducer
        self.value: Any = MISSING

    @property
    def ValueType(self) -> Any:
        return self.typ

    @property
    def UpdateType(self) -> Any:
        return self.typ

    def copy(self) -> Self:
        new = self.__class__(self.reducer, self.typ)
        new.key = self.key
        new.value = self.value if self.value is MISSING else copy.copy(self.value)
        return new

    def from_checkpoint(self, checkpoint: Any) -> Self:
        new = self.__class__(self.reducer, self.typ)
        new.key = self.key
        new.value = checkpoint if checkpoint is not MISSING else MISSING
        return new

    def update(self, values: Sequence[Any]) -> bool:
        # The same rule as DeltaChannel.update: one reducer call per superstep, Overwrite resets.
        if not values:
            return False
        overwrites = [i for i, v in enumerate(values) if _get_overwrite(v)[0]]
        if len(overwrites) > 1:
            raise InvalidUpdateError("Can receive only one Overwrite value per super-step.")
        if overwrites:
            _, value = _get_overwrite(values[overwrites[0]])
            self.value = copy.copy(value) if value is not None else self.typ()
            return True
        base = self.typ() if self.value is MISSING else self.value
        self.value = self.reducer(base, list(values))
        return True

    def get(self) -> Any:
        if self.value is MISSING:
            raise EmptyChannelError()
        return self.value

    def is_available(self) -> bool:
        return self.value is not MISSING

    def checkpoint(self) -> Any:
        return self.value


def shadow_values(result: Any, fields: Sequence[str]) -> dict[int, dict[str, Any]] | None:
    """Run the shadow and return ``{superstep: {field: stored value}}`` (None if impossible).

    Memoised on the instrumented graph (see `shadow_key`): a shadow run depends only on the
    graph, the input, the faults, the seed, the way of driving and the config, so repeated
    trials of one (graph, input, faults) pay for it once. The values are read straight from the
    shadow's in-memory saver (full-state channels store their value in every checkpoint), not
    rebuilt through ``get_state_history``.
    """
    inst = result.instrumented
    if inst is None or result.test_id is None or result.repeats:
        return None
    key = shadow_key(result, fields)
    if key is not None and key in inst.memo:
        memoised: dict[int, dict[str, Any]] | None = inst.memo[key]  # what this function stored
        return memoised
    out = _run_shadow(result, fields)
    if key is not None:
        inst.memo[key] = out
    return out


def shadow_key(result: Any, fields: Sequence[str]) -> tuple[Any, ...] | None:
    """What a shadow run's values depend on, or None when it cannot be told (no memo).

    Fault decisions hash the test id only for injections with a probability below 1; with
    none, the same (graph, input, faults, seed) gives the same shadow in every trial. Values
    whose ``repr`` is not stable (objects shown by address) make the key miss, never collide.
    """
    injections = tuple(result.injections)
    probabilistic = any(inj.probability < 1.0 for inj in injections)
    user_config = {k: v for k, v in (result.chaos_config or {}).items() if k != "configurable"}
    conf = {k: v for k, v in (result.chaos_config or {}).get("configurable", {}).items() if k != "thread_id"}
    try:
        parts = (repr(result.input), repr(user_config), repr(conf), repr(result.context))
    except Exception:  # an input that cannot be shown: no memo
        return None
    if any(" at 0x" in part for part in parts):
        return None
    return (
        "delta_shadow", tuple(fields), parts, tuple(inj.label for inj in injections),
        tuple(inj.times for inj in injections), result.seed, result.invoke, result.clock,
        result.test_id if probabilistic else None,
    )


def _run_shadow(result: Any, fields: Sequence[str]) -> dict[int, dict[str, Any]]:
    from chaos.context import RunContext
    from chaos.inject import InstrumentedGraph, _copy_builder
    from chaos.trial import run_once, thread_id_for

    inst = result.instrumented
    graph = inst.graph
    builder = _copy_builder(graph.builder)
    for name in fields:
        ch = builder.channels[name]
        if isinstance(ch, DeltaChannel):
            builder.channels[name] = FullStateReducerChannel(ch.reducer, ch.typ)
    saver = InMemorySaver()
    cache = type(graph.cache)() if graph.cache is not None else None
    shadow = builder.compile(checkpointer=saver, cache=cache, store=graph.store, name=graph.name)
    shadow_inst = InstrumentedGraph(shadow, inst.nodes, inst.active)
    tid = thread_id_for(result.test_id, "shadow", 0)
    user_config = {k: v for k, v in (result.chaos_config or {}).items() if k != "configurable"}
    conf = {k: v for k, v in (result.chaos_config or {}).get("configurable", {}).items() if k != "thread_id"}
    if conf:
        user_config["configurable"] = conf
    run_once(
        shadow_inst, result.input, RunContext(result.seed, result.test_id, tuple(result.injections)),
        clock=result.clock, invoke=result.invoke, config=user_config, context=result.context,
        thread_id=tid, seed=result.seed,
    )
    out: dict[int, dict[str, Any]] = {}
    # Root namespace only, newest first: the latest checkpoint of each superstep wins.
    for tup in saver.list({"configurable": {"thread_id": tid, "checkpoint_ns": ""}}):
        step = (tup.metadata or {}).get("step")
        if isinstance(step, int) and step not in out:
            stored = tup.checkpoint.get("channel_values", {})
            out[step] = {name: stored.get(name, MISSING) for name in fields}
    return out
