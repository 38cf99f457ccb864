"""Session set-up: configuration, the seed (also for xdist workers), header, reproduction."""

from __future__ import annotations

import os
import random
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.engine.drive import Drive

from pytest_langgraph_chaos._coexist import flag
from pytest_langgraph_chaos._settings import dest
from pytest_langgraph_chaos._reports import _ReportCollector
from pytest_langgraph_chaos._settings import (
    AUDITS_KEY,
    REPORTS_KEY,
    SEED_KEY,
    TARGETS_KEY,
    _clock,
    _drives,
    _targets,
    _retry_budget,
    _trials,
    exit_grace,
    keep_results,
)


# -- configuration and the seed -----------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "chaos(*faults, node='*', attempts=None, probability=1.0, times=None, clock=None, drive=None, "
        "disable=(), seed=None): inject faults into the graph this test runs with the chaos "
        "fixture; skipped unless pytest runs with --chaos",
    )
    config.stash[TARGETS_KEY] = {}
    config.stash[AUDITS_KEY] = []
    # Every session records its status, so the outermost one (the last to finish) is the one
    # the exit watchdog exits with, also when pytester runs inner sessions with --chaos.
    config.pluginmanager.register(_ExitStatus(), "chaos-exit-status")
    from pytest_langgraph_chaos._targets import take_item_ids

    take_item_ids(config)  # generated item ids given as arguments (the printed repro)
    if not config.getoption("langgraph_chaos"):
        if config.getoption("langgraph_chaos_audit"):
            raise pytest.UsageError("--chaos-audit audits --chaos-target graphs and needs --chaos; pass both")
        return
    _clock(config)
    _trials(config)
    _retry_budget(config)
    keep_results(config)
    controller = not hasattr(config, "workerinput")
    if controller:
        _check_report_paths(config)
    _import_targets_from_rootdir_and_cwd(config)
    from chaos.leaks import install_exit_watchdog

    install_exit_watchdog(exit_grace(config))
    _redact_names(config)
    config.stash[SEED_KEY] = _settle_seed(config)
    from chaos.report import TrialLog

    spool = controller and any(
        config.getoption(f"langgraph_chaos_{name}") for name in ("report", "html", "compare_to")
    )
    config.stash[REPORTS_KEY] = TrialLog(config.stash[SEED_KEY], spool=spool)
    config.add_cleanup(config.stash[REPORTS_KEY].close)
    config.pluginmanager.register(_ReportCollector(config), "chaos-reports")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "chaos-xdist")


def _import_targets_from_rootdir_and_cwd(config: pytest.Config) -> None:
    """Let ``--chaos-target=app:builder`` import ``app.py`` from where pytest ran, or the rootdir.

    The ``pytest`` command (unlike ``python -m pytest``) does not put the current directory on
    ``sys.path``, so the README's quickstart would fail with "cannot import module 'app'".
    The two directories go first, as ``python -m`` puts the current one, and are removed when
    the session ends (kill trials' children get the parent's ``sys.path``).
    """
    added = []
    for directory in (config.rootpath, config.invocation_params.dir):  # the cwd ends up first
        entry = str(directory)
        if entry not in sys.path:
            sys.path.insert(0, entry)
            added.append(entry)

    def remove() -> None:
        for entry in added:
            if entry in sys.path:
                sys.path.remove(entry)

    config.add_cleanup(remove)


def _check_report_paths(config: pytest.Config) -> None:
    """A report path that cannot take a report fails now, before any trial runs."""
    from chaos.report import ReportError, check_writable

    for option, name in (("langgraph_chaos_report", "--chaos-report"), ("langgraph_chaos_html", "--chaos-html")):
        path = config.getoption(option)
        if path:
            try:
                check_writable(path, name)
            except ReportError as exc:
                raise pytest.UsageError(str(exc)) from None


def _redact_names(config: pytest.Config) -> None:
    """``chaos_redact`` names are credentials for this session only."""
    from chaos.http.redact import extra_secret_names

    names = config.getini("chaos_redact")
    if names:
        scope = extra_secret_names(names)
        scope.__enter__()
        def leave() -> None:
            scope.__exit__(None, None, None)

        config.add_cleanup(leave)


def _settle_seed(config: pytest.Config) -> int:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "chaos_seed" in workerinput:
        return int(workerinput["chaos_seed"])
    value = config.getoption("langgraph_chaos_seed")
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
    config.option.langgraph_chaos_seed = value
    return int(value)


class _ExitStatus:
    """Hand pytest's exit status to the exit watchdog (`chaos.leaks.install_exit_watchdog`)."""

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, exitstatus: int) -> None:
        import sys

        leaks = sys.modules.get("chaos.leaks")  # only imported when a --chaos session ran
        if leaks is not None:
            leaks.set_exit_status(int(exitstatus))


class _XdistHooks:
    """Send the controller's seed to every worker, so all of them make the same decisions."""

    @pytest.hookimpl
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["chaos_seed"] = node.config.stash[SEED_KEY]


def pytest_report_header(config: pytest.Config) -> str | None:
    if not config.getoption("langgraph_chaos"):
        return None
    targets = _targets(config)
    extra = f" targets={','.join(targets)}" if targets else ""
    from chaos.engine.drive import DEFAULT

    drives = _drives(config)
    if drives != (DEFAULT,):
        extra += f" invoke={' '.join(d.token for d in drives)}"
    return f"chaos: seed={config.stash[SEED_KEY]} clock={_clock(config)} trials={_trials(config)}{extra}"


# -- reproduction --------------------------------------------------------------------------------


#: The options (besides targets, seed, clock and the mode) that shape a generated item: what
#: the suite plans from and what its trials run with.
SHAPING_OPTIONS = ("chaos-input", "chaos-config", "chaos-context", "chaos-routes", "chaos-answers", "chaos-trials")


def repro_command(
    config: pytest.Config, nodeid: str | None, *, select: str | None = None, target: str | None = None,
    drive: Drive | None = None,
) -> str:
    """The one command line that reproduces a test or a generated trial (of ``target``, driven
    by ``drive``).

    It works from the directory pytest ran in: a node id's path is made relative to it, and the
    options are spelled as registered here (``--langgraph-chaos-*`` when another plugin has the
    short names). A generated trial's command carries every option that shaped it (see
    `SHAPING_OPTIONS`), ``-o`` overrides of ``chaos_*`` settings and ``-c`` (the ini file),
    shell-quoted.
    """
    from chaos.engine.drive import DEFAULT

    case_drive = drive
    parts = ["pytest"]
    if nodeid is not None:
        parts.append(_nodeid_from_invocation_dir(config, nodeid))
    parts += [flag(config, "chaos"), f"{flag(config, 'chaos-seed')}={config.stash[SEED_KEY]}"]
    if _clock(config) != "simulated":
        parts.append(f"{flag(config, 'chaos-clock')}={_clock(config)}")
    if select is not None:
        targets = config.getoption("langgraph_chaos_target")
        # A generated trial depends on its own target only: the others would just run again.
        parts += [f"{flag(config, 'chaos-target')}={t}" for t in ([target] if target in targets else targets)]
        # Every option that shaped the item's plan or verdict, as given (ini settings are read
        # again from the same ini file, since the command runs where pytest ran).
        for name in SHAPING_OPTIONS:
            value = config.getoption(dest(name))
            if value:
                parts.append(f"{flag(config, name)}={value}")
        if case_drive is not None and (case_drive != DEFAULT or config.getoption(dest("chaos-invoke"))
                                       or config.getini("chaos_invoke")):
            # Only the item's own mode: the others would plan (and run) items of their own.
            parts.append(f"{flag(config, 'chaos-invoke')}={case_drive.token}")
        parts += _ini_overrides(config)
        if target is not None:
            # The item's own id: generated ids have "@" and "#", which -k cannot parse; the
            # plugin selects generated items given by id (`_targets.pytest_configure`).
            parts.append(f"chaos:{target}::{select}")
        else:
            parts += ["-k", select]
    return shlex.join(parts)


def _ini_overrides(config: pytest.Config) -> list[str]:
    """``-c FILE`` and the ``-o chaos_*=...`` overrides the session was given."""
    out: list[str] = []
    inifile = getattr(config.option, "inifilename", None)
    if inifile:
        out += ["-c", str(inifile)]
    for item in getattr(config.option, "override_ini", None) or []:
        if str(item).startswith("chaos_"):
            out += ["-o", str(item)]
    return out


def _nodeid_from_invocation_dir(config: pytest.Config, nodeid: str) -> str:
    """``nodeid`` (relative to the rootdir) as pytest accepts it from the invocation directory."""
    path, sep, rest = nodeid.partition("::")
    full = config.rootpath / path
    if not path or not full.exists():
        return nodeid  # not a file (a generated item's id): nothing to rebase
    try:
        rel = os.path.relpath(full, config.invocation_params.dir)
    except ValueError:  # another drive (Windows)
        rel = str(full)
    return Path(rel).as_posix() + sep + rest
