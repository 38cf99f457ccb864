"""``delta_reconstruction``: every ``DeltaChannel`` field reads back as the run held it.

A ``DeltaChannel`` stores only writes (and a snapshot every ``snapshot_frequency`` updates);
reading a checkpoint replays all writes since the nearest snapshot in **one** reducer call,
while the live run called the reducer once per superstep (semantics §6). The two agree only
if the reducer is batching-invariant: ``r(r(s, xs), ys) == r(s, xs + ys)``.

For every checkpoint of the chaos run's thread and every DeltaChannel field, this checker
rebuilds the full-state value step by step from the checkpointer's own writes (one reducer call
per superstep, as live execution and a plain reducer channel do: the shadow) and compares it
with the value LangGraph reconstructs from the checkpointer (``get_state_history``); the
newest checkpoint must also equal the run's live final state. ``DeltaChannel(add_messages)``
is reported without running: ``add_messages`` takes one update, not a batch of writes, and is
not batching-invariant.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from langgraph._internal._typing import MISSING
from langgraph.channels.delta import DeltaChannel
from langgraph.graph.message import add_messages

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "delta_reconstruction"
_INVARIANCE = (
    "DeltaChannel reducers must be batching-invariant: reducer(reducer(s, xs), ys) == "
    "reducer(s, xs + ys), because reading a checkpoint replays every write since the last "
    "snapshot in one call while the live run applied one batch per superstep."
)


@register_checker(NAME)
def check_delta_reconstruction(result: TrialResult) -> Iterable[Violation]:
    """Reconstructed DeltaChannel values equal the step-by-step (live, full-state) values."""
    inst, cfg = result.instrumented, result.chaos_config
    if inst is None or cfg is None:
        return
    graph = inst.graph
    fields = {name: ch for name, ch in graph.channels.items() if isinstance(ch, DeltaChannel)}
    if not fields:
        return
    for name, ch in fields.items():
        if ch.reducer is add_messages:
            yield violation(
                NAME, result,
                f"field {name!r} is DeltaChannel(add_messages, snapshot_frequency="
                f"{ch.snapshot_frequency}), which is unsafe: add_messages expects one update, not "
                "a list of writes (a list-valued write fails as a '(role, template)' tuple), and "
                "it is not batching-invariant (remove id 'a' in one step and re-add it in the "
                "next: replayed in one batch, 'a' returns to its old place instead of the end). "
                f"{_INVARIANCE} Keep Annotated[list, add_messages] or use a batch reducer.",
                node=name,
            )
    saver = graph.checkpointer
    if saver is None or saver is True:
        return
    thread = {"configurable": {"thread_id": cfg["configurable"]["thread_id"]}}
    checked = [n for n in fields if fields[n].reducer is not add_messages]
    try:
        snapshots, histories = _read_thread(graph, saver, thread, checked)
        origin = {tid: t.config["configurable"]["checkpoint_id"] for t in saver.list(thread) for tid, _c, _v in (t.pending_writes or [])}
    except NotImplementedError:
        return  # an async-only saver: its history cannot be read from here
    for snap, history in zip(snapshots, histories):
        step = (snap.metadata or {}).get("step")
        for name in checked:
            yield from _compare(result, name, fields[name], snap, step, history.get(name, {}), origin)
    yield from _compare_with_shadow(result, checked, snapshots)
    final = result.journal.final_state
    if result.journal.outcome == "ok" and isinstance(final, dict) and snapshots:
        latest = snapshots[-1]
        for name in fields:
            if fields[name].reducer is add_messages:
                continue
            live, rebuilt = final.get(name, MISSING), latest.values.get(name, MISSING)
            if _differs(live, rebuilt):
                yield violation(
                    NAME, result,
                    f"field {name!r} at the final checkpoint (superstep {(latest.metadata or {}).get('step')}): "
                    f"the run ended holding {_show(live)} but the checkpointer rebuilds "
                    f"{_show(rebuilt)}. {_INVARIANCE}",
                    node=name, t=result.journal.duration,
                )


def _compare_with_shadow(result: TrialResult, checked: list[str], snapshots: list[Any]) -> Iterable[Violation]:
    """Each checkpoint's rebuilt value equals the full-state shadow run's stored value.

    This catches what replaying the saver's own writes cannot: a saver that loses, reorders
    or duplicates the writes it was given (the shadow never touches that saver).
    """
    if not checked or not snapshots:
        return
    from chaos.invariants.delta_shadow import shadow_values

    shadow = shadow_values(result, checked)
    if not shadow:
        return
    seen: set[int] = set()
    for snap in snapshots[::-1]:  # newest first: the latest checkpoint of each superstep
        step = (snap.metadata or {}).get("step")
        if not isinstance(step, int) or step in seen or step not in shadow:
            continue
        seen.add(step)
        for name in checked:
            rebuilt, want = snap.values.get(name, MISSING), shadow[step].get(name, MISSING)
            if _differs(want, rebuilt):
                yield violation(
                    NAME, result,
                    f"field {name!r} at superstep {step}: the checkpointer rebuilds {_show(rebuilt)} "
                    f"but a shadow run of the same graph with the same reducer stored as full state "
                    f"holds {_show(want)}. Either the reducer is not batching-invariant or the "
                    f"saver lost, reordered or duplicated writes. {_INVARIANCE}",
                    node=name,
                )
                return


def _read_thread(graph: Any, saver: Any, thread: dict[str, Any], checked: list[str]) -> tuple[list[Any], list[Any]]:
    """The thread's snapshots (oldest first) and each one's delta history for ``checked``.

    `get_state_history` already reads the delta history of every checkpoint that stores no
    snapshot, with the same call this checker makes; reading it twice was a third of a
    long-thread trial. While LangGraph reads, a deep copy of each answer is kept (taken before
    LangGraph's replay hands it to the reducer, which may mutate it) and given to the checker
    once; any other request, or an answer that cannot be copied, reads the saver again.
    """
    kept: dict[tuple[Any, ...], Any] = {}
    read = saver.get_delta_channel_history

    def key(config: Any, channels: Any) -> tuple[Any, ...]:
        conf = config["configurable"]
        return conf.get("checkpoint_ns", ""), conf.get("checkpoint_id"), tuple(channels)

    def keeping(*, config: Any, channels: Any) -> Any:
        history = read(config=config, channels=channels)
        try:
            kept[key(config, channels)] = copy.deepcopy(history)
        except Exception:
            pass  # uncopyable values: the checker reads the saver again
        return history

    own = vars(saver).get("get_delta_channel_history") if hasattr(saver, "__dict__") else None
    try:
        saver.get_delta_channel_history = keeping  # this instance only, undone below
    except AttributeError:  # a slotted saver: no shortcut, everything is read twice
        snapshots = list(graph.get_state_history(thread))[::-1]
    else:
        try:
            snapshots = list(graph.get_state_history(thread))[::-1]  # oldest first
        finally:
            if own is not None:
                saver.get_delta_channel_history = own
            else:
                del saver.get_delta_channel_history
    histories = []
    for snap in snapshots:
        history = kept.pop(key(snap.config, checked), None)
        histories.append(history if history is not None else read(config=snap.config, channels=checked))
    return snapshots, histories


def _compare(result: TrialResult, name: str, template: DeltaChannel, snap: Any, step: Any,
             history: Any, origin: dict[str, str]) -> Iterable[Violation]:
    shadow = template.from_checkpoint(history.get("seed", MISSING))
    batches: dict[str, list[Any]] = {}
    for task_id, _ch, value in history.get("writes", []):
        batches.setdefault(origin.get(task_id, task_id), []).append(value)
    for values in batches.values():  # insertion order: oldest superstep first
        shadow.update(values)
    expected = shadow.value
    rebuilt = snap.values.get(name, MISSING)
    if _differs(expected, rebuilt):
        yield violation(
            NAME, result,
            f"field {name!r} at the checkpoint of superstep {step}: applying the writes one "
            f"superstep at a time (as the live run and a full-state reducer channel do) gives "
            f"{_show(expected)}, but the checkpointer rebuilds {_show(rebuilt)} from "
            f"{len(batches)} batch(es) of writes replayed at once. {_INVARIANCE}",
            node=name,
        )


def _differs(a: Any, b: Any) -> bool:
    empty = (MISSING, None)
    if a in empty or b in empty:
        return bool(a not in empty and a) or bool(b not in empty and b)
    return bool(a != b)


def _show(value: Any) -> str:
    if value is MISSING:
        return "nothing"
    if isinstance(value, list) and value and hasattr(value[0], "content"):
        return repr([getattr(m, "id", None) or m.content for m in value])
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
