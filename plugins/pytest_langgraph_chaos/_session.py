"""Session set-up: configuration, the seed (also for xdist workers), header, reproduction."""

from __future__ import annotations

import random
import shlex
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    pass

from pytest_langgraph_chaos._reports import _ReportCollector
from pytest_langgraph_chaos._settings import AUDITS_KEY, REPORTS_KEY, SEED_KEY, TARGETS_KEY, _clock, _targets, _trials


# -- configuration and the seed -----------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "chaos(*faults, node='*', attempts=None, probability=1.0, times=None, clock=None, "
        "disable=(), seed=None): inject faults into the graph this test runs with the chaos "
        "fixture; skipped unless pytest runs with --chaos",
    )
    config.stash[REPORTS_KEY] = []
    config.stash[TARGETS_KEY] = {}
    config.stash[AUDITS_KEY] = []
    if not config.getoption("chaos"):
        if config.getoption("chaos_audit"):
            raise pytest.UsageError("--chaos-audit audits --chaos-target graphs and needs --chaos; pass both")
        return
    _clock(config)
    _trials(config)
    config.stash[SEED_KEY] = _settle_seed(config)
    config.pluginmanager.register(_ReportCollector(config), "chaos-reports")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "chaos-xdist")


def _settle_seed(config: pytest.Config) -> int:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "chaos_seed" in workerinput:
        return int(workerinput["chaos_seed"])
    value = config.getoption("chaos_seed")
    cache = getattr(config, "cache", None)
    if value == "last":
        if cache is None:
            raise pytest.UsageError("--chaos-seed=last needs pytest's cache; do not pass -p no:cacheprovider")
        value = cache.get("chaos/seed", None)
        if value is None:
            raise pytest.UsageError("--chaos-seed=last: no previous chaos run is cached; pass --chaos-seed=N")
    if value is None:
        value = random.Random().randrange(2**31)
    if cache is not None:
        cache.set("chaos/seed", value)
    config.option.chaos_seed = value
    return int(value)


class _XdistHooks:
    """Send the controller's seed to every worker, so all of them make the same decisions."""

    @pytest.hookimpl
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["chaos_seed"] = node.config.stash[SEED_KEY]


def pytest_report_header(config: pytest.Config) -> str | None:
    if not config.getoption("chaos"):
        return None
    targets = _targets(config)
    extra = f" targets={','.join(targets)}" if targets else ""
    return f"chaos: seed={config.stash[SEED_KEY]} clock={_clock(config)} trials={_trials(config)}{extra}"


# -- reproduction --------------------------------------------------------------------------------


def repro_command(
    config: pytest.Config, nodeid: str | None, *, select: str | None = None, target: str | None = None
) -> str:
    """The one command line that reproduces a test or a generated trial (of ``target``)."""
    parts = ["pytest"]
    if nodeid is not None:
        parts.append(nodeid)
    parts += ["--chaos", f"--chaos-seed={config.stash[SEED_KEY]}"]
    if _clock(config) != "simulated":
        parts.append(f"--chaos-clock={_clock(config)}")
    if select is not None:
        targets = config.getoption("chaos_target")
        # A generated trial depends on its own target only: the others would just run again.
        parts += [f"--chaos-target={t}" for t in ([target] if target in targets else targets)]
        inp = config.getoption("chaos_input")
        if inp:
            parts.append(f"--chaos-input={inp}")
        if config.getoption("chaos_trials"):
            parts.append(f"--chaos-trials={config.getoption('chaos_trials')}")
        parts += ["-k", select]
    return shlex.join(parts)
