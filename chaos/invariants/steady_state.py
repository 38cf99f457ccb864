"""``steady_state``: a run that recovered from its faults ends where the baseline ended."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chaos.checks import Violation, register_checker
from chaos.invariants._common import reproduce

if TYPE_CHECKING:
    from chaos.trial import TrialResult


@register_checker("steady_state")
def check_steady_state(result: TrialResult) -> Iterable[Violation]:
    """A run that succeeded despite its faults ends in the baseline's final state."""
    journal, baseline = result.journal, result.baseline
    if journal.outcome != "ok" or baseline is None or baseline.outcome != "ok":
        return
    if handlers_ran(journal) - handlers_ran(baseline):
        return  # an error handler compensated: a handled failure, not a recovery
    ignore = set(result.nondeterministic)
    got = _drop(journal.final_state, ignore)
    want = _drop(baseline.final_state, ignore)
    if got != want:
        diff = _diff(want, got)
        yield Violation(
            "steady_state",
            f"the run recovered from its faults but its final state differs from the fault-free "
            f"baseline: {diff}. If a field is legitimately nondeterministic, declare it with "
            "nondeterministic=[...]." + reproduce(result),
            time=journal.duration,
        )


def handlers_ran(journal: Any) -> set[str]:
    """Sites of error-handler nodes that ran in ``journal``."""
    return {a.node for a in journal.attempts if "error_handler__" in a.node.rsplit("/", 1)[-1]}


def _drop(state: Any, fields: set[str]) -> Any:
    if isinstance(state, dict):
        return {k: _without_random_ids(v) for k, v in state.items() if k not in fields}
    return state


def _without_random_ids(value: Any) -> Any:
    """Messages with random ids replaced by their position: the uuid4s `add_messages`
    assigns and LangChain's run ids (``lc_run--<uuid>-0``) are drawn anew on every run, so two
    correct runs never share them; ids a model API returned (``msg_...``) are kept and compared.
    """
    if not isinstance(value, list) or not value:
        return value
    try:
        from langchain_core.messages import BaseMessage
    except ImportError:  # pragma: no cover - langchain-core comes with langgraph
        return value
    out = []
    for i, item in enumerate(value):
        if isinstance(item, BaseMessage) and isinstance(item.id, str) and _is_uuid(item.id):
            item = item.model_copy(update={"id": f"#{i}"})
        out.append(item)
    return out


def _is_uuid(text: str) -> bool:
    import uuid

    if text.startswith("lc_run--"):
        text = text.removeprefix("lc_run--")
        candidates = [text, text.rsplit("-", 1)[0]]  # "<uuid>" or "<uuid>-<n>"
    else:
        candidates = [text]
    for candidate in candidates:
        try:
            uuid.UUID(candidate)
        except ValueError:
            continue
        return True
    return False


def _diff(want: Any, got: Any) -> str:
    if isinstance(want, dict) and isinstance(got, dict):
        parts = []
        for key in sorted(set(want) | set(got), key=str):
            if want.get(key) != got.get(key):
                parts.append(f"{key}: expected {want.get(key)!r}, got {got.get(key)!r}")
        return "; ".join(parts)
    return f"expected {want!r}, got {got!r}"
