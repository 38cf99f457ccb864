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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langgraph._internal._typing import MISSING
from langgraph.channels.delta import DeltaChannel
from langgraph.graph.message import add_messages

from chaos.checks import Violation, register_checker
from chaos.invariants._common import violation
from chaos.invariants.delta_culprit import Batch, culprit

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "delta_reconstruction"
_INVARIANCE = (
    "DeltaChannel reducers must be batching-invariant: reducer(reducer(s, xs), ys) == "
    "reducer(s, xs + ys), because reading a checkpoint replays every write since the last "
    "snapshot in one call while the live run applied one batch per superstep."
)


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
    thread = {"configurable": {"thread_id": cfg["configurable"]["thread_id"], "checkpoint_ns": ""}}
    checked = [n for n in fields if fields[n].reducer is not add_messages]
    if not checked:
        return
    try:
        points = read_thread(saver, thread, {n: fields[n] for n in checked})
    except NotImplementedError:
        return  # an async-only saver: its history cannot be read from here
    if not points:
        return
    for name in checked:
        yield from _walk(result, name, fields[name], points)
    yield from _compare_with_shadow(result, fields, checked, points)
    final = result.journal.final_state
    if result.journal.outcome == "ok" and isinstance(final, dict):
        latest = points[-1]
        for name in checked:
            live, rebuilt = final.get(name, MISSING), latest.values.get(name, MISSING)
            if _differs(live, rebuilt):
                ch = fields[name]
                yield violation(
                    NAME, result,
                    f"field {name!r} at the final checkpoint (superstep {latest.step}): "
                    f"the run ended holding {_show(live)} but the checkpointer rebuilds "
                    f"{_show(rebuilt)}. {culprit(ch.reducer, ch.typ, MISSING, thread_batches(points, name))} "
                    f"{_INVARIANCE}",
                    node=name, t=result.journal.duration,
                )


@dataclass
class Point:
    """One checkpoint of the thread: what LangGraph rebuilds there, and the history it read."""

    step: Any
    config: Any
    values: dict[str, Any]
    #: ``{field: {"seed": value, "writes": [(task_id, channel, value), ...]}}`` for the fields
    #: LangGraph had to replay (absent when the checkpoint stores the value itself).
    history: dict[str, Any]
    #: checkpoint id of every task id whose writes this checkpoint holds as pending writes
    #: (the superstep that made them is this checkpoint's step + 1).
    tasks: set[str]
    checkpoint_id: str


def read_thread(saver: Any, thread: dict[str, Any], specs: dict[str, DeltaChannel[Any]]) -> list[Point]:
    """Every root checkpoint of the thread, oldest first, with the values LangGraph rebuilds.

    One ``saver.list`` pass; each checkpoint is hydrated by LangGraph's own
    ``channels_from_checkpoint`` for the DeltaChannel fields only (the read path of
    ``get_state``, without computing tasks and next nodes). The delta history LangGraph reads
    for it is kept (`_own_copy`, taken before the replay hands it to the reducer, which may
    mutate it), so the checker never reads the saver twice for the same checkpoint.
    """
    from langgraph.pregel._checkpoint import channels_from_checkpoint

    kept: list[Any] = []
    read = saver.get_delta_channel_history

    seeds: dict[str, Any] = {}

    def keeping(*, config: Any, channels: Any) -> Any:
        history = read(config=config, channels=channels)
        try:
            kept.append(_own_copy(history, seeds))
        except Exception:  # uncopyable values: our own read
            kept.append(read(config=config, channels=channels))
        return history

    tuples = list(saver.list(thread))[::-1]
    own = vars(saver).get("get_delta_channel_history") if hasattr(saver, "__dict__") else None
    patched = True
    try:
        saver.get_delta_channel_history = keeping  # this instance only, undone below
    except AttributeError:  # a slotted saver: read the history separately
        patched = False
    points = []
    try:
        for tup in tuples:
            kept.clear()
            channels, _ = channels_from_checkpoint(specs, tup.checkpoint, saver=saver, config=tup.config)
            values = {}
            for name, ch in channels.items():
                try:
                    values[name] = ch.get()
                except Exception:  # an empty channel
                    values[name] = MISSING
            history = kept[0] if kept else {}
            if not patched:
                history = read(config=tup.config, channels=list(specs))
            points.append(Point(
                (tup.metadata or {}).get("step"), tup.config, values, dict(history),
                {tid for tid, _c, _v in (tup.pending_writes or [])},
                tup.config["configurable"]["checkpoint_id"],
            ))
    finally:
        if patched:
            if own is not None:
                saver.get_delta_channel_history = own
            else:
                del saver.get_delta_channel_history
    return points


def _step_of(points: list[Point]) -> dict[str, Any]:
    """Task id -> the step of the checkpoint whose pending writes hold that task's writes."""
    return {tid: p.step for p in points for tid in p.tasks}


def _own_copy(history: dict[str, Any], seeds: dict[str, Any]) -> dict[str, Any]:
    """A copy of one checkpoint's delta history that LangGraph's replay cannot mutate.

    The seed (the nearest snapshot) grows with the thread and is the same for up to
    ``snapshot_frequency`` checkpoints in a row: it is deep-copied once per snapshot and the
    copy shared while the seed read is equal to it (deep copies per checkpoint made the walk
    quadratic in the thread's length, issue #18); the writes since it are copied each time.
    """
    out: dict[str, Any] = {}
    for channel, entry in history.items():
        if not isinstance(entry, dict):
            out[channel] = copy.deepcopy(entry)
            continue
        mine = dict(entry)
        if "seed" in entry:
            seed = entry["seed"]
            held = seeds.get(channel, MISSING)
            if not _same(seed, held):
                held = seeds[channel] = copy.deepcopy(seed)
            mine["seed"] = held
        if "writes" in entry:
            mine["writes"] = copy.deepcopy(entry["writes"])
        out[channel] = mine
    return out


def _batches(history: Any, points: list[Point], step_of: dict[str, Any] | None = None) -> list[Batch]:
    """The history's writes grouped by the superstep that made them, oldest first.

    ``step_of`` (`_step_of` of ``points``): pass it when calling once per checkpoint, or the
    walk over a thread is quadratic in its length.
    """
    if step_of is None:
        step_of = _step_of(points)
    out: dict[Any, Batch] = {}
    for task_id, _ch, value in history.get("writes", []):
        step = step_of.get(task_id)
        key = step if step is not None else task_id
        made = step + 1 if isinstance(step, int) else step
        out.setdefault(key, Batch(made, [])).values.append(value)
    return list(out.values())


def thread_batches(points: list[Point], name: str) -> list[Batch]:
    """Every superstep's writes to ``name`` over the whole thread (from all histories read)."""
    merged: dict[Any, Batch] = {}
    step_of = _step_of(points)
    for p in points:
        for batch in _batches(p.history.get(name, {}), points, step_of):
            merged.setdefault(batch.step, batch)
    return [merged[k] for k in sorted(merged, key=lambda s: (not isinstance(s, int), s if isinstance(s, int) else 0))]


def _walk(result: TrialResult, name: str, template: DeltaChannel[Any], points: list[Point]) -> Iterable[Violation]:
    """Fold the saver's writes one superstep at a time into a running value, once over the thread.

    Each checkpoint's history is the seed (the nearest snapshot) plus every write since it; the
    running value is rebuilt from the seed only when the seed changes (a new snapshot), and
    otherwise only the supersteps not folded yet are applied: one pass over the writes, instead
    of a replay from the seed at every checkpoint. Reports the first divergence.
    """
    running: Any = None
    previous: Any = MISSING
    folded: list[Any] = []
    step_of = _step_of(points)
    for point in points:
        history = point.history.get(name)
        if history is None:
            continue  # the checkpoint stores the value itself: nothing replayed
        batches = _batches(history, points, step_of)
        seed = history.get("seed", MISSING)
        steps = [b.step for b in batches]
        if running is None or not _same(seed, previous) or steps[: len(folded)] != folded:
            # The running value gets a copy: the seeds themselves stay as read, to compare.
            running = template.from_checkpoint(copy.deepcopy(seed) if seed is not MISSING else MISSING)
            folded = []
        previous = seed
        for batch in batches[len(folded):]:
            running.update(list(batch.values))
            folded.append(batch.step)
        try:
            expected = running.get()
        except Exception:
            expected = MISSING
        rebuilt = point.values.get(name, MISSING)
        if _differs(expected, rebuilt):
            yield violation(
                NAME, result,
                f"field {name!r} at the checkpoint of superstep {point.step}: applying the writes one "
                f"superstep at a time (as the live run and a full-state reducer channel do) gives "
                f"{_show(expected)}, but the checkpointer rebuilds {_show(rebuilt)} from "
                f"{len(batches)} batch(es) of writes replayed at once. "
                f"{culprit(template.reducer, template.typ, seed, batches)} {_INVARIANCE}",
                node=name,
            )
            return


def _compare_with_shadow(result: TrialResult, fields: dict[str, DeltaChannel[Any]], checked: list[str],
                         points: list[Point]) -> Iterable[Violation]:
    """Each checkpoint's rebuilt value equals the full-state shadow run's stored value.

    This catches what replaying the saver's own writes cannot: a saver that loses, reorders
    or duplicates the writes it was given (the shadow never touches that saver).
    """
    from chaos.invariants.delta_shadow import shadow_values

    shadow = shadow_values(result, checked)
    if not shadow:
        return
    seen: set[int] = set()
    for point in points[::-1]:  # newest first: the latest checkpoint of each superstep
        step = point.step
        if not isinstance(step, int) or step in seen or step not in shadow:
            continue
        seen.add(step)
        for name in checked:
            rebuilt, want = point.values.get(name, MISSING), shadow[step].get(name, MISSING)
            if _differs(want, rebuilt):
                ch = fields[name]
                blame = culprit(ch.reducer, ch.typ, MISSING, thread_batches(points, name))
                saver = type(result.instrumented.graph.checkpointer).__name__ if result.instrumented else "the saver"
                yield violation(
                    NAME, result,
                    f"field {name!r} at superstep {step}: the checkpointer rebuilds {_show(rebuilt)} "
                    f"but a shadow run of the same graph with the same reducer stored as full state "
                    f"holds {_show(want)}. {blame} If the reducer is not at fault, the saver "
                    f"({saver}) lost, reordered or duplicated the writes it was given. {_INVARIANCE}",
                    node=name,
                )
                return


def _same(a: Any, b: Any) -> bool:
    """The same seed (snapshot) as the previous checkpoint's: each checkpoint's is read afresh."""
    if a is b:
        return True
    if a is MISSING or b is MISSING or type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # values without a usable ==: start again from this seed
        return False


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


register_checker(NAME, check_delta_reconstruction)
