"""Checkers: what "the graph survived" means, evaluated after every trial. The one registry.

A checker reads the trial (its journal, the baseline's journal, the run's injections) and
returns violations under a stable name. Names are part of the report schema.

This module is the only invariant registry. The bundled checkers are listed once, in
`BUILTIN_CHECKERS` (name and defining module, in report order), and loaded from here the first
time the registry is read: which checkers a trial runs, and in which order, never depends on
which modules a process (an xdist worker, a child process) happened to import. The registry
is open: `register_checker` adds a user's own checker, `unregister_checker` removes one (a
user's or a bundled one) for the rest of the process (see the README).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar, overload

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
        """The violation as the report schema's ``violation`` object."""
        return asdict(self)


Checker = Callable[["TrialResult"], Iterable[Violation]]
_C = TypeVar("_C", bound=Checker)

#: The bundled checkers: (name, module that defines it), in the order they run and report.
#: A module defines its checkers with `register_checker`; listing it here is what makes it
#: part of every trial. A new bundled invariant adds its row here.
BUILTIN_CHECKERS: tuple[tuple[str, str], ...] = (
    ("faults_fired", "chaos.invariants.faults_fired"),
    ("liveness", "chaos.invariants.liveness"),
    ("steady_state", "chaos.invariants.steady_state"),
    ("retry_schedule", "chaos.invariants.retry_schedule"),
    ("retry_after", "chaos.invariants.retry_after"),
    ("transient_fatal", "chaos.invariants.transient_fatal"),
    ("error_handler", "chaos.invariants.error_handler"),
    ("no_partial_writes", "chaos.invariants.no_partial_writes"),
    ("cache_ttl", "chaos.invariants.cache_ttl"),
    ("cache_hits", "chaos.invariants.cache_hits"),
    ("cache_hit_values", "chaos.invariants.cache_hits"),
    ("delta_reconstruction", "chaos.invariants.delta_reconstruction"),
    ("cancellation", "chaos.invariants.cancellation"),
    ("duplicate_deliveries", "chaos.invariants.duplicates"),
    ("retry_sanity", "chaos.invariants.retry_sanity"),
    ("retry_budget", "chaos.invariants.retry_budget"),
    ("resume_exactly_once", "chaos.invariants.exactly_once"),
    ("interrupts_answered", "chaos.invariants.interrupts"),
    ("breakpoints", "chaos.invariants.breakpoints"),
    ("handled_failures", "chaos.invariants.handled"),
    ("http_unmatched", "chaos.http.checks"),
    ("drained", "chaos.shutdown.result"),
    ("resumed", "chaos.shutdown.result"),
    ("durability", "chaos.shutdown.result"),
    ("resume_by_thread", "chaos.shutdown.result"),
    ("exactly_once", "chaos.shutdown.result"),
    ("duplicate_effects", "chaos.shutdown.result"),
)

_BUILTIN_NAMES = frozenset(name for name, _m in BUILTIN_CHECKERS)

_CHECKERS: dict[str, Checker] = {}
#: Checkers that run only when a trial asks for them (``enable=[...]``).
_OPT_IN: set[str] = set()
_APPLIES: dict[str, Callable[[TrialResult], bool]] = {}
_loaded = False


def _load_builtins() -> None:
    """Import every bundled checker's module once, in `BUILTIN_CHECKERS` order."""
    global _loaded
    if _loaded:
        return
    _loaded = True  # first: the modules' own register_checker calls land here again
    for module in dict.fromkeys(module for _name, module in BUILTIN_CHECKERS):
        importlib.import_module(module)


def _ordered() -> dict[str, Checker]:
    """Every registered checker: the bundled ones in table order, then the users' ones."""
    _load_builtins()
    table = [name for name, _m in BUILTIN_CHECKERS if name in _CHECKERS]
    users = [name for name in _CHECKERS if name not in _BUILTIN_NAMES]
    return {name: _CHECKERS[name] for name in table + users}


#: Old invariant names still accepted by ``disable``/``enable``, with a DeprecationWarning.
DEPRECATED_NAMES: dict[str, str] = {"http_429_fatal": "transient_fatal", "http_retry_budget": "retry_budget"}
_WHY_RENAMED = {
    "http_429_fatal": "every transient fault, not only a 429",
    "http_retry_budget": "one retry budget, HttpChaos.max_requests_per_call or chaos_retry_budget",
}


def current_name(name: str, *, stacklevel: int = 3) -> str:
    """``name``, or its successor (with a DeprecationWarning) when it is a deprecated name."""
    new = DEPRECATED_NAMES.get(name)
    if new is None or name in _CHECKERS:
        return name
    import warnings

    warnings.warn(
        f"invariant {name!r} is deprecated: it is now {new!r} ({_WHY_RENAMED[name]}); use {new!r}",
        DeprecationWarning, stacklevel=stacklevel + 1,
    )
    return new


def _current_names(names: Iterable[str]) -> set[str]:
    """``names`` with deprecated ones replaced by their successor (and a warning)."""
    return {current_name(name, stacklevel=4) for name in names}


@overload
def register_checker(
    name: str, checker: _C, *, opt_in: bool = ..., applies_to: Callable[[TrialResult], bool] | None = ...
) -> _C: ...


@overload
def register_checker(
    name: str, checker: None = None, *, opt_in: bool = ..., applies_to: Callable[[TrialResult], bool] | None = ...
) -> Callable[[_C], _C]: ...


def register_checker(
    name: str,
    checker: Checker | None = None,
    *,
    opt_in: bool = False,
    applies_to: Callable[[TrialResult], bool] | None = None,
) -> Any:
    """Register ``checker`` under ``name`` (usable as a decorator); replaces one of that name.

    The checker receives the `TrialResult` (with ``journal``, ``baseline`` and ``injections``)
    and yields `Violation`s. It runs after every trial unless turned off by name; an
    ``opt_in`` checker runs only when a trial enables it by name; with ``applies_to``, only on
    the trials it accepts (a drain invariant on drain trials), and only those list it as checked.
    """
    if name not in _BUILTIN_NAMES:
        # A user's checker of a bundled name must replace it, not be replaced by it later. The
        # bundled modules' own calls must not load the others: they run mid-import.
        _load_builtins()

    def add(fn: _C) -> _C:
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


def unregister_checker(name: str) -> Checker:
    """Remove the checker registered under ``name`` and return it (to register it again later).

    Works for a user's checker and for a bundled one; trials started afterwards neither run
    nor list it, and naming it in ``disable``/``enable`` becomes an error. An unknown name is
    an error that lists the registered ones.
    """
    _load_builtins()
    if name not in _CHECKERS:
        from chaos.errors import ChaosUsageError

        raise ChaosUsageError(
            f"cannot unregister {name!r}: no checker of that name is registered; registered: "
            f"{', '.join(_ordered())}"
        )
    _OPT_IN.discard(name)
    _APPLIES.pop(name, None)
    return _CHECKERS.pop(name)


def checker_names() -> list[str]:
    """Every registered checker's name, in the order they run and report."""
    return list(_ordered())


def opt_in_names() -> list[str]:
    """Checkers that run only when enabled (``retry_after``, ...)."""
    return [name for name in _ordered() if name in _OPT_IN]


def check_names(disabled: Iterable[str] = (), enabled: Iterable[str] = ()) -> None:
    """Unknown invariant names are an error naming the known ones (before a trial runs)."""
    known = set(_ordered()) | set(DEPRECATED_NAMES)
    for what, names in (("turn off", disabled), ("turn on", enabled)):
        unknown = set(names) - known
        if unknown:
            from chaos.errors import ChaosUsageError

            raise ChaosUsageError(
                f"unknown invariant(s) {sorted(unknown)} to {what}; known: {', '.join(_ordered())}"
            )


def run_checkers(result: TrialResult, disabled: Iterable[str] = (), enabled: Iterable[str] = ()) -> list[Violation]:
    """Run every registered checker except those ``disabled``; opt-in ones only if ``enabled``."""
    checkers = _ordered()
    off, on = _current_names(disabled), _current_names(enabled)
    check_names(off, on)
    out: list[Violation] = []
    checked = []
    result.enabled = frozenset(on)
    for name, checker in checkers.items():
        if name in off or (name in _OPT_IN and name not in on):
            continue
        if name in _APPLIES and not _APPLIES[name](result):
            continue
        checked.append(name)
        out.extend(checker(result))
    result.checked = checked
    return out
