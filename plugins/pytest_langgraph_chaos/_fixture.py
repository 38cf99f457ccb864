"""The ``chaos`` fixture and the ``@pytest.mark.chaos`` marker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.harness import Chaos

from pytest_langgraph_chaos._coexist import fixture_conflict
from pytest_langgraph_chaos._session import repro_command
from pytest_langgraph_chaos._reports import PENDING_KEY
from pytest_langgraph_chaos._settings import CHAOS_KEY, CLOCKS, MARKER_KWARGS, SEED_KEY, SKIP_REASON, _clock, keep_results


# -- the fixture and the marker ----------------------------------------------------------------


def _marker_settings(item: pytest.Item) -> tuple[list[Any], dict[str, Any]]:
    """Validate every chaos marker on ``item``; return (injections, settings).

    A wrong argument fails the test before its first trial with one line that names the
    argument and the fix (`_MarkerError`), never a traceback through the harness.
    """
    from chaos.arguments import name_list, seed_value
    from chaos.checks import check_names
    from chaos.errors import ChaosUsageError
    from chaos.faults import Fault, Injection

    injections: list[Any] = []
    settings: dict[str, Any] = {}
    for mark in reversed(list(item.iter_markers("chaos"))):
        unknown = set(mark.kwargs) - MARKER_KWARGS
        if unknown:
            raise _MarkerError(
                f"{item.nodeid}: @pytest.mark.chaos got unknown argument(s) {sorted(unknown)}; "
                f"valid: {', '.join(sorted(MARKER_KWARGS))}"
            )
        for arg in mark.args:
            if not isinstance(arg, Fault):
                raise _MarkerError(
                    f"{item.nodeid}: @pytest.mark.chaos({arg!r}): positional arguments must be faults "
                    "from chaos.faults, e.g. @pytest.mark.chaos(faults.raise_status(429, retry_after=1), node='fetch')"
                )
        try:
            for arg in mark.args:
                injections.append(
                    Injection.of(
                        arg,
                        mark.kwargs.get("node", "*"),
                        mark.kwargs.get("attempts"),
                        mark.kwargs.get("probability", 1.0),
                        mark.kwargs.get("times"),
                    )
                )
            if "disable" in mark.kwargs:
                settings["disable"] = name_list(mark.kwargs["disable"], "disable")
                check_names(settings["disable"])
            if "seed" in mark.kwargs:
                settings["seed"] = seed_value(mark.kwargs["seed"])
            if mark.kwargs.get("drive") is not None:
                from chaos.engine.drive import parse_drive

                settings["drive"] = parse_drive(mark.kwargs["drive"], where="drive")
        except ChaosUsageError as exc:
            raise _MarkerError(f"{item.nodeid}: invalid @pytest.mark.chaos: {exc}") from None
        if "clock" in mark.kwargs:
            settings["clock"] = mark.kwargs["clock"]
    if "clock" in settings and settings["clock"] not in CLOCKS:
        raise _MarkerError(
            f"{item.nodeid}: invalid clock {settings['clock']!r} from marker; use one of {', '.join(CLOCKS)}"
        )
    return injections, settings


class _MarkerError(Exception):
    """A wrong ``@pytest.mark.chaos`` argument: the message names it and the fix."""


_CONFLICT_KEY = pytest.StashKey[str]()


@pytest.fixture
def langgraph_chaos(request: pytest.FixtureRequest) -> Iterator[Chaos]:
    """A `chaos.Chaos` for this test: declare faults, run the graph, read journal and verdict.

    Faults from ``@pytest.mark.chaos`` are already declared. Skipped unless pytest runs with
    ``--chaos``. Also available as ``chaos`` (unless another plugin's ``chaos`` shadows it).
    """
    # No __tracebackhide__: with every frame hidden, pytest appends a note about hidden frames
    # to the one-line failures below (pytrace=False shows no frames anyway).
    config = request.config
    item = request.node
    conflict = item.stash.get(_CONFLICT_KEY, None)
    if conflict is not None:
        pytest.fail(f"{item.nodeid}: @pytest.mark.chaos test requests 'chaos', but {conflict}", pytrace=False)
    if not config.getoption("langgraph_chaos"):
        pytest.skip(SKIP_REASON)
    from chaos.harness import Chaos

    try:
        injections, settings = _marker_settings(item)
    except _MarkerError as exc:
        problem = str(exc)  # failed outside the handler: no "during handling" chain
    else:
        problem = ""
    if problem:
        pytest.fail(problem, pytrace=False)
    seed = settings.get("seed", config.stash[SEED_KEY])
    harness = Chaos(
        seed,
        item.nodeid,
        clock=settings.get("clock", _clock(config)),
        drive=settings.get("drive"),
        repro=repro_command(config, item.nodeid),
        disable=[*config.getini("chaos_disable"), *settings.get("disable", ())],
        keep_results=keep_results(config),
        # Every result's record reaches the reports as it is produced; `chaos.results` keeps
        # only the latest `chaos_keep_results` of them in memory.
        on_result=lambda r: item.stash.setdefault(PENDING_KEY, []).append(r.to_json()),
    )
    harness.injections.extend(injections)
    item.stash[CHAOS_KEY] = harness
    yield harness
    harness.close()
    _fail_on_unfired(harness, item)


@pytest.fixture
def chaos(langgraph_chaos: Chaos) -> Chaos:
    """The ``langgraph_chaos`` fixture under its short name: a `chaos.Chaos` for this test."""
    return langgraph_chaos


def _fail_on_unfired(harness: Chaos, item: pytest.Item) -> None:
    """Strictness at the test's scope: nothing declared may be silently ignored.

    Faults declared on the marker but never run at all, and probabilistic faults that fired
    in none of the test's runs, fail the test (per-run strictness is the ``faults_fired``
    invariant, which leaves probabilistic faults to this check).
    """
    __tracebackhide__ = True
    if not harness.trials_done:
        if harness.injections and not harness.runs_started:
            labels = ", ".join(repr(i.label) for i in harness.injections)
            pytest.fail(
                f"{item.nodeid}: declared fault(s) {labels} never fired: the test never ran a graph. "
                "Call chaos.run(graph, input) (or remove the @pytest.mark.chaos faults).",
                pytrace=False,
            )
        return
    from chaos.strictness import never_fired_across

    trials = [dict(summary) for summary in harness.fired_summaries]
    for trial in trials:  # one scope: every run of this test
        trial["id"] = item.nodeid
    unfired = never_fired_across(trials)
    if unfired:
        labels = ", ".join(repr(label) for _scope, label in unfired)
        pytest.fail(
            f"{item.nodeid}: probabilistic fault(s) {labels} fired in none of the test's "
            f"{harness.trials_done} run(s); raise the probability or run more trials. "
            f"Reproduce: {harness.repro}",
            pytrace=False,
        )


# -- failures of hand-written tests lead with the violation -----------------------------------

_LIBRARY_DIRS: tuple[str, ...] = ()


def _library_dirs() -> tuple[str, ...]:
    """The directories of the harness's own code: the ``chaos`` package and this plugin."""
    global _LIBRARY_DIRS
    if not _LIBRARY_DIRS:
        import chaos

        _LIBRARY_DIRS = (
            os.path.dirname(os.path.abspath(chaos.__file__)) + os.sep,
            os.path.dirname(os.path.abspath(__file__)) + os.sep,
        )
    return _LIBRARY_DIRS


def _without_library_frames(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` minus the harness's frames (the test's own frames and everything else stay)."""
    entries = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_library_dirs()):
            entries.append(tb)
        tb = tb.tb_next
    pruned: TracebackType | None = None
    for entry in reversed(entries):
        pruned = TracebackType(pruned, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return pruned


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # A verdict (or a usage error) raised through chaos.run names the problem and the fix: the
    # harness's frames before it (about 60 lines of its source) only push it off the screen.
    # Other exceptions, harness bugs included, keep their whole traceback.
    try:
        return (yield)
    except BaseException as exc:
        if _is_verdict(exc):
            raise exc.with_traceback(_without_library_frames(exc.__traceback__)) from exc.__cause__
        raise


def _is_verdict(exc: BaseException) -> bool:
    from chaos.errors import ChaosUsageError
    from chaos.trial import ChaosViolation

    return isinstance(exc, (ChaosViolation, ChaosUsageError))


def pytest_itemcollected(item: pytest.Item) -> None:
    # As time-machine does: a marker brings its fixture, so marked tests need not request it.
    names = getattr(item, "fixturenames", None)
    # Another plugin's `chaos` fixture shadowing ours: warned once; a marked test fails with the fix.
    conflict = fixture_conflict(item) if names is not None and "chaos" in names else None
    if item.get_closest_marker("chaos") is not None:
        if conflict is not None and "chaos" in getattr(getattr(item, "_fixtureinfo", None), "argnames", ()):
            item.stash[_CONFLICT_KEY] = conflict
        if names is not None and "langgraph_chaos" not in names:
            names.insert(0, "langgraph_chaos")
        if not item.config.getoption("langgraph_chaos"):
            # A skip marker rather than pytest.skip() in a hook: -rs then shows the test's own
            # location instead of this file's.
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
