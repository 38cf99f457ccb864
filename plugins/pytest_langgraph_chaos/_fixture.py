"""The ``chaos`` fixture and the ``@pytest.mark.chaos`` marker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.harness import Chaos

from pytest_langgraph_chaos._session import repro_command
from pytest_langgraph_chaos._settings import CHAOS_KEY, CLOCKS, MARKER_KWARGS, SEED_KEY, SKIP_REASON, _clock


# -- the fixture and the marker ----------------------------------------------------------------


def _marker_settings(item: pytest.Item) -> tuple[list[Any], dict[str, Any]]:
    """Validate every chaos marker on ``item``; return (injections, settings)."""
    from chaos.faults import Fault, Injection

    injections: list[Any] = []
    settings: dict[str, Any] = {}
    for mark in reversed(list(item.iter_markers("chaos"))):
        unknown = set(mark.kwargs) - MARKER_KWARGS
        if unknown:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.chaos got unknown argument(s) {sorted(unknown)}; "
                f"valid: {', '.join(sorted(MARKER_KWARGS))}"
            )
        for arg in mark.args:
            if not isinstance(arg, Fault):
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.chaos({arg!r}): positional arguments must be faults "
                    "from chaos.faults, e.g. @pytest.mark.chaos(faults.http_429(), node='fetch')"
                )
            try:
                injections.append(
                    Injection.of(
                        arg,
                        mark.kwargs.get("node", "*"),
                        mark.kwargs.get("attempts"),
                        mark.kwargs.get("probability", 1.0),
                        mark.kwargs.get("times"),
                    )
                )
            except ValueError as exc:
                raise pytest.UsageError(f"{item.nodeid}: invalid @pytest.mark.chaos: {exc}") from None
        for key in ("clock", "disable", "seed"):
            if key in mark.kwargs:
                settings[key] = mark.kwargs[key]
    if "clock" in settings and settings["clock"] not in CLOCKS:
        raise pytest.UsageError(
            f"{item.nodeid}: invalid clock {settings['clock']!r} from marker; use one of {', '.join(CLOCKS)}"
        )
    return injections, settings


@pytest.fixture
def chaos(request: pytest.FixtureRequest) -> Iterator[Chaos]:
    """A `chaos.Chaos` for this test: declare faults, run the graph, read journal and verdict.

    Faults from ``@pytest.mark.chaos`` are already declared. Skipped unless pytest runs with
    ``--chaos``.
    """
    config = request.config
    if not config.getoption("chaos"):
        pytest.skip(SKIP_REASON)
    from chaos.harness import Chaos

    item = request.node
    injections, settings = _marker_settings(item)
    seed = settings.get("seed", config.stash[SEED_KEY])
    harness = Chaos(
        seed,
        item.nodeid,
        clock=settings.get("clock", _clock(config)),
        repro=repro_command(config, item.nodeid),
        disable=[*config.getini("chaos_disable"), *settings.get("disable", ())],
    )
    harness.injections.extend(injections)
    item.stash[CHAOS_KEY] = harness
    yield harness
    harness.close()
    _fail_on_unfired(harness, item)


def _fail_on_unfired(harness: Chaos, item: pytest.Item) -> None:
    """Strictness at the test's scope: nothing declared may be silently ignored.

    Faults declared on the marker but never run at all, and probabilistic faults that fired
    in none of the test's runs, fail the test (per-run strictness is the ``faults_fired``
    invariant, which leaves probabilistic faults to this check).
    """
    if not harness.results:
        if harness.injections and not harness.runs_started:
            labels = ", ".join(repr(i.label) for i in harness.injections)
            pytest.fail(
                f"{item.nodeid}: declared fault(s) {labels} never fired: the test never ran a graph. "
                "Call chaos.run(graph, input) (or remove the @pytest.mark.chaos faults).",
                pytrace=False,
            )
        return
    from chaos.strictness import never_fired_across

    trials = [r.to_json() for r in harness.results]
    for trial in trials:  # one scope: every run of this test
        trial["id"] = item.nodeid
    unfired = never_fired_across(trials)
    if unfired:
        labels = ", ".join(repr(label) for _scope, label in unfired)
        pytest.fail(
            f"{item.nodeid}: probabilistic fault(s) {labels} fired in none of the test's "
            f"{len(trials)} run(s); raise the probability or run more trials. "
            f"Reproduce: {harness.repro}",
            pytrace=False,
        )


def pytest_itemcollected(item: pytest.Item) -> None:
    # As time-machine does: a marker brings its fixture, so marked tests need not request it.
    if item.get_closest_marker("chaos") is not None:
        names = getattr(item, "fixturenames", None)
        if names is not None and "chaos" not in names:
            names.insert(0, "chaos")
        if not item.config.getoption("chaos"):
            # A skip marker rather than pytest.skip() in a hook: -rs then shows the test's own
            # location instead of this file's.
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
