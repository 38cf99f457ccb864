"""Checkers: what "the graph survived" means, evaluated after every trial.

A checker reads the trial (its journal, the baseline's journal, the run's injections) and
returns violations under a stable name. Names are part of the report schema. The registry is
open: `register_checker` adds a user's own checker (see the README).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaos.trial import TrialResult


@dataclass(frozen=True)
class Violation:
    """One broken invariant, with enough context to find it in the journal."""

    invariant: str
    message: str
    node: str | None = None
    time: float | None = None
    task: str | None = None
    attempt: int | None = None
    step: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Checker = Callable[["TrialResult"], Iterable[Violation]]

_CHECKERS: dict[str, Checker] = {}
#: Checkers that run only when a trial asks for them (``enable=[...]``).
_OPT_IN: set[str] = set()
_APPLIES: dict[str, Callable[[TrialResult], bool]] = {}


def register_checker(
    name: str,
    checker: Checker | None = None,
    *,
    opt_in: bool = False,
    applies_to: Callable[[TrialResult], bool] | None = None,
) -> Any:
    """Register ``checker`` under ``name`` (usable as a decorator).

    The checker receives the `TrialResult` (with ``journal``, ``baseline`` and ``injections``)
    and yields `Violation`s. It runs after every trial unless turned off by name; an
    ``opt_in`` checker runs only when a trial enables it by name; with ``applies_to``, only on
    the trials it accepts (a drain invariant on drain trials), and only those list it as checked.
    """

    def add(fn: Checker) -> Checker:
        _CHECKERS[name] = fn
        if applies_to is not None:
            _APPLIES[name] = applies_to
        else:
            _APPLIES.pop(name, None)
        if opt_in:
            _OPT_IN.add(name)
        else:
            _OPT_IN.discard(name)
        return fn

    return add(checker) if checker is not None else add


def checker_names() -> list[str]:
    return list(_CHECKERS)


def opt_in_names() -> list[str]:
    """Checkers that run only when enabled (``retry_after``, ...)."""
    return [name for name in _CHECKERS if name in _OPT_IN]


def run_checkers(result: TrialResult, disabled: Iterable[str] = (), enabled: Iterable[str] = ()) -> list[Violation]:
    """Run every registered checker except those ``disabled``; opt-in ones only if ``enabled``."""
    off, on = set(disabled), set(enabled)
    for what, names in (("turn off", off), ("turn on", on)):
        unknown = names - set(_CHECKERS)
        if unknown:
            from chaos.errors import ChaosUsageError

            raise ChaosUsageError(
                f"unknown invariant(s) {sorted(unknown)} to {what}; known: {', '.join(_CHECKERS)}"
            )
    out: list[Violation] = []
    checked = []
    for name, checker in _CHECKERS.items():
        if name in off or (name in _OPT_IN and name not in on):
            continue
        if name in _APPLIES and not _APPLIES[name](result):
            continue
        checked.append(name)
        out.extend(checker(result))
    result.checked = checked
    return out


# The bundled checkers register themselves on import (after the registry exists).
import chaos.invariants  # noqa: E402,F401
