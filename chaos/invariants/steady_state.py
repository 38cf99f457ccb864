"""``steady_state``: a run that recovered from its faults ends where the baseline ended.

States are compared as values, not as Python objects:

- LangChain messages compare by type, content, tool calls (name, arguments) and name. Their
  ids (``message.id``, a tool call's ``id`` and the ``tool_call_id`` answering it) are minted
  afresh by every run, so they compare as a consistent renaming: the k-th id seen in one state
  must be the k-th in the other wherever it appears. A message gained, lost or duplicated is a
  difference, and the message says which.
- Volatile values are found by experiment, not declared: when the chaos run's state differs,
  the fault-free spec is run a second time (memoised with the baseline, its clock started a
  day later so clock-derived values move too). Every value that differs between the two
  fault-free runs (a timestamp, a uuid, a sampled model answer) is nondeterministic: it is
  compared by type only (a string must still be a string) and listed in a
  ``steady_state_volatile`` event of the trial's journal (and report), also when the trial
  passes. ``nondeterministic=[...]`` still skips a field entirely.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.invariants._common import reproduce
from chaos.journal import EventRecord, Journal

if TYPE_CHECKING:
    from chaos.trial import TrialResult

NAME = "steady_state"
Path = tuple[Any, ...]


def check_steady_state(result: TrialResult) -> Iterable[Violation]:
    """A run that succeeded despite its faults ends in the baseline's final state."""
    journal, baseline = result.journal, result.baseline
    if journal.outcome != "ok" or baseline is None or baseline.outcome != "ok":
        return
    if handlers_ran(journal) - handlers_ran(baseline):
        return  # an error handler compensated: a handled failure, not a recovery
    ignore = set(result.nondeterministic)
    want = canonical(_drop(baseline.final_state, ignore))
    got = canonical(_drop(journal.final_state, ignore))
    if got == want:
        return
    volatile, note = _volatile(result, want, ignore)
    if volatile:
        masked_want, masked_got = mask(want, volatile), mask(got, volatile)
        journal.events.append(EventRecord("steady_state_volatile", journal.duration, None, note))
        if masked_got == masked_want:
            return
        want, got = masked_want, masked_got
    yield Violation(
        NAME,
        f"the run recovered from its faults but its final state differs from the fault-free "
        f"baseline: {describe_diff(want, got)}."
        + (f" {note}" if note else "")
        + " If a field is legitimately nondeterministic in a way two fault-free runs do not show, "
        "declare it with nondeterministic=[...]." + reproduce(result),
        time=journal.duration,
    )


register_checker(NAME, check_steady_state)


def handlers_ran(journal: Any) -> set[str]:
    """Sites of error-handler nodes that ran in ``journal``."""
    return {a.node for a in journal.attempts if "error_handler__" in a.node.rsplit("/", 1)[-1]}


def _drop(state: Any, fields: set[str]) -> Any:
    if isinstance(state, dict) and fields:
        return {k: v for k, v in state.items() if k not in fields}
    return state


# -- canonical values ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Msg:
    """A LangChain message as compared: ids replaced by their order of first appearance."""

    type: str
    content: Any
    tool_calls: tuple[Any, ...] = ()
    name: str | None = None
    tool_call_id: str | None = None

    def shape(self) -> tuple[Any, ...]:
        """The message without any id: what "the same message" means across runs."""
        calls = tuple((c[0], _strip_ids(c[1])) for c in self.tool_calls)
        return (self.type, _strip_ids(self.content), calls, self.name)

    def __str__(self) -> str:
        text = self.content if isinstance(self.content, str) else repr(self.content)
        if len(text) > 60:
            text = text[:57] + "..."
        calls = f" calling {', '.join(c[0] for c in self.tool_calls)}" if self.tool_calls else ""
        return f"{self.type} message {text!r}{calls}"


def _is_message(value: Any) -> bool:
    return any(c.__module__.startswith("langchain_core.messages") and c.__name__ == "BaseMessage"
               for c in type(value).__mro__)


def canonical(value: Any) -> Any:
    """``value`` with messages as `Msg` and minted ids renamed ``<id1>``, ``<id2>``... in order."""
    ids: dict[str, str] = {}

    def rename(raw: Any) -> str | None:
        if raw is None or raw == "":
            return None
        key = str(raw)
        if key not in ids:
            ids[key] = f"<id{len(ids) + 1}>"
        return ids[key]

    def walk(v: Any, in_message: bool = False) -> Any:
        if _is_message(v):
            rename(getattr(v, "id", None))
            calls = tuple(
                (c.get("name"), walk(c.get("args")), rename(c.get("id")))
                for c in (getattr(v, "tool_calls", None) or [])
            )
            return Msg(
                type=str(getattr(v, "type", type(v).__name__)),
                content=walk(getattr(v, "content", None), True),
                tool_calls=calls,
                name=getattr(v, "name", None),
                tool_call_id=rename(getattr(v, "tool_call_id", None)),
            )
        if isinstance(v, dict):
            return {k: (rename(x) if in_message and k == "id" and isinstance(x, str) else walk(x, in_message))
                    for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x, in_message) for x in v]
        if isinstance(v, (set, frozenset)):
            return frozenset(walk(x, in_message) for x in v)
        dump = getattr(v, "model_dump", None)
        if callable(dump) and not isinstance(v, type):
            try:
                return (type(v).__name__, walk(dump(), in_message))
            except Exception:  # a model that cannot dump itself compares as itself
                return v
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return (type(v).__name__, walk({f.name: getattr(v, f.name) for f in dataclasses.fields(v)}, in_message))
        return v

    return walk(value)


def _strip_ids(value: Any) -> Any:
    """``value`` hashable and without ids: dicts as sorted item tuples, lists as tuples."""
    if isinstance(value, dict):
        return tuple(sorted(((k, _strip_ids(v)) for k, v in value.items() if k != "id"), key=lambda kv: str(kv[0])))
    if isinstance(value, list):
        return tuple(_strip_ids(v) for v in value)
    return value


# -- volatility, by experiment --------------------------------------------------------------


class Volatile:
    """A placeholder for a value two fault-free runs disagree on: only its type is compared."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Volatile) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(("volatile", self.kind))

    def __repr__(self) -> str:
        return f"<any {self.kind}>"


def _kind(value: Any) -> str:
    if isinstance(value, Msg):
        return "message"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def differing_paths(a: Any, b: Any, path: Path = ()) -> set[Path]:
    """The paths (keys, indices, message fields) at which ``a`` and ``b`` differ; a list of
    another length differs as a whole."""
    if a == b:
        return set()
    if isinstance(a, dict) and isinstance(b, dict):
        out: set[Path] = set()
        for k in set(a) | set(b):
            if k not in a or k not in b:
                out.add((*path, k))
            else:
                out |= differing_paths(a[k], b[k], (*path, k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = set()
        for i, (x, y) in enumerate(zip(a, b)):
            out |= differing_paths(x, y, (*path, i))
        return out
    if isinstance(a, Msg) and isinstance(b, Msg) and a.type == b.type:
        out = set()
        for f in ("content", "tool_calls", "name", "tool_call_id"):
            out |= differing_paths(getattr(a, f), getattr(b, f), (*path, f))
        return out
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        out = set()
        for i, (x, y) in enumerate(zip(a, b)):
            out |= differing_paths(x, y, (*path, i))
        return out
    return {path}


def mask(value: Any, paths: set[Path], path: Path = ()) -> Any:
    """``value`` with every value at one of ``paths`` replaced by a `Volatile` of its type."""
    if path in paths:
        return Volatile(_kind(value))
    if not any(p[: len(path)] == path for p in paths):
        return value
    if isinstance(value, dict):
        return {k: mask(v, paths, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, paths, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return tuple(mask(v, paths, (*path, i)) for i, v in enumerate(value))
    if isinstance(value, Msg):
        return dataclasses.replace(value, **{f: mask(getattr(value, f), paths, (*path, f))
                                             for f in ("content", "tool_calls", "name", "tool_call_id")})
    return value


def show_path(path: Path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(the state)"


def _volatile(result: TrialResult, want: Any, ignore: set[str]) -> tuple[set[Path], str]:
    again = rerun_fault_free(result)
    if again is None or again.outcome != "ok":
        return set(), ""
    other = canonical(_drop(again.final_state, ignore))
    paths = differing_paths(want, other)
    if not paths:
        return set(), ""
    shown = ", ".join(sorted(show_path(p) for p in paths)[:8])
    more = f" and {len(paths) - 8} more" if len(paths) > 8 else ""
    return paths, (
        f"Two fault-free runs differ at {shown}{more}: those values are nondeterministic and were "
        "compared by type only."
    )


def rerun_fault_free(result: TrialResult) -> Journal | None:
    """The trial's second fault-free run (`chaos.engine.baseline.run_fault_free_again`,
    memoised), or None when the trial offers none or it could not be made."""
    again = result.fault_free_again
    if again is None:
        return None
    try:
        return again()
    except Exception:  # the second run could not be made: judge without it
        return None


# -- the diff, as people read it ------------------------------------------------------------


def describe_diff(want: Any, got: Any) -> str:
    if isinstance(want, dict) and isinstance(got, dict):
        parts = []
        for key in sorted(set(want) | set(got), key=str):
            if want.get(key) != got.get(key):
                parts.append(f"{key}: {_field_diff(want.get(key), got.get(key))}")
        return "; ".join(parts)
    return _field_diff(want, got)


def _field_diff(want: Any, got: Any) -> str:
    if isinstance(want, list) and isinstance(got, list) and any(isinstance(x, Msg) for x in want + got):
        return _messages_diff(want, got)
    return f"expected {want!r}, got {got!r}"


def _messages_diff(want: list[Any], got: list[Any]) -> str:
    def shape(m: Any) -> Any:
        return m.shape() if isinstance(m, Msg) else repr(m)

    wc, gc = Counter(shape(m) for m in want), Counter(shape(m) for m in got)
    by_shape = {shape(m): m for m in [*want, *got]}
    parts = []
    for s, n in (gc - wc).items():
        what = "duplicated" if s in wc else "gained"
        parts.append(f"{what} {by_shape[s]}" + (f" ({n} extra)" if n > 1 or what == "duplicated" else ""))
    for s, n in (wc - gc).items():
        parts.append(f"lost {by_shape[s]}" + (f" ({n} times)" if n > 1 else ""))
    if not parts:
        first = next(i for i, (a, b) in enumerate(zip(want, got)) if a != b) if len(want) == len(got) else None
        if first is not None and [shape(m) for m in want] == [shape(m) for m in got]:
            parts.append(f"message {first} answers another tool call than in the baseline")
        else:
            parts.append("the same messages in another order")
    return f"{len(want)} messages expected, {len(got)} got: " + "; ".join(parts)


__all__ = ["Msg", "NAME", "canonical", "check_steady_state", "describe_diff", "differing_paths", "handlers_ran",
           "mask", "rerun_fault_free"]
