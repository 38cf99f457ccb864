"""Options, ini settings and the one resolver for them (ini < command line < marker)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chaos.engine.drive import Drive
    from chaos.harness import Chaos
    from chaos.inject import InstrumentedGraph
    from chaos.report import TrialLog
    from chaos.trial import TrialResult

SEED_KEY = pytest.StashKey[int]()
#: The session's trials (`chaos.report.TrialLog`): summary counters in memory, records spooled.
REPORTS_KEY: pytest.StashKey[TrialLog] = pytest.StashKey()
TARGETS_KEY = pytest.StashKey[dict[str, "InstrumentedGraph"]]()
CHAOS_KEY: pytest.StashKey[Chaos] = pytest.StashKey()
RESULT_KEY: pytest.StashKey[TrialResult] = pytest.StashKey()
AUDITS_KEY = pytest.StashKey[list[dict[str, Any]]]()
#: The option names (``"chaos-seed"``) that are also registered under their short ``--NAME``.
ALIASES_KEY = pytest.StashKey[set[str]]()

CLOCKS = ("simulated", "real")
#: Default of ``chaos_max_trials``: past it collection alone takes minutes and memory grows.
MAX_TRIALS = 100_000
#: Default of ``chaos_keep_results``: how many results ``chaos.results`` keeps in memory.
KEEP_RESULTS = 100
#: Default of ``chaos_exit_grace``: how long a process may hang at exit on a graph's threads.
EXIT_GRACE = 10.0
SKIP_REASON = "chaos tests run only with --chaos (pass --chaos to run them)"
MARKER_KWARGS = {"node", "attempts", "probability", "times", "clock", "disable", "seed", "drive"}



# -- options ------------------------------------------------------------------------------------


def _seed_value(text: str) -> int | str:
    if text == "last":
        return text
    try:
        return int(text)
    except ValueError:
        raise pytest.UsageError(
            f"--chaos-seed: {text!r} is not an integer or the string 'last'"
        ) from None


def _shard_value(text: str) -> tuple[int, int]:
    index, sep, total = text.partition("/")
    try:
        i, n = int(index), int(total)
    except ValueError:
        i = n = 0
    if not sep or n < 1 or not 1 <= i <= n:
        raise pytest.UsageError(
            f"--chaos-shard: {text!r} is not I/N with 1 <= I <= N, e.g. --chaos-shard=1/4"
        )
    return i, n


def _trial_count(text: str, where: str) -> int:
    """A whole number >= 1, or a usage error that says where the bad value came from."""
    try:
        value = int(text)
    except ValueError:
        raise pytest.UsageError(f"{where}: {text!r} is not a whole number") from None
    if value < 1:
        raise pytest.UsageError(f"{where}: {value} must be at least 1")
    return value


def _positive_int(text: str) -> int:
    return _trial_count(text, "--chaos-trials")


#: Every option: (name, argparse keyword arguments). Registered as ``--langgraph-NAME`` (always),
#: and as ``--NAME`` too unless another plugin already has that name (see `_coexist`). The
#: destination is always ``langgraph_<name>``, so another plugin's ``--chaos`` never shares it:
#: read options with ``config.getoption(dest("chaos-seed"))`` or the ``langgraph_chaos_*`` names.
OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "chaos",
        {
            "action": "store_true",
            "default": False,
            "help": "Run chaos tests and the fault suite of --chaos-target graphs\n"
            "Without it the plugin injects nothing and chaos tests are skipped",
        },
    ),
    (
        "chaos-target",
        {
            "action": "append",
            "default": [],
            "metavar": "MODULE:ATTR",
            "help": "A graph to run the built-in fault suite against (repeatable)\n"
            "A StateGraph builder, a compiled graph, or a zero-argument callable returning one",
        },
    ),
    (
        "chaos-input",
        {
            "default": None,
            "metavar": "JSON",
            "help": "The input given to --chaos-target graphs (JSON; default {})",
        },
    ),
    (
        "chaos-config",
        {"default": None, "metavar": "JSON", "help": "The RunnableConfig given to --chaos-target graphs and factories (JSON)"},
    ),
    (
        "chaos-context",
        {"default": None, "metavar": "JSON", "help": "The run context of --chaos-target graphs (JSON; coerced to the context_schema)"},
    ),
    (
        "chaos-routes",
        {"default": None, "metavar": "FILE", "help": "TOML happy-path answers ([[routes]], [[model]]) for --chaos-target graphs"},
    ),
    (
        "chaos-answers",
        {"default": None, "metavar": "JSON", "help": "Values to resume interrupts with (a JSON list, one per interrupt, or one value)"},
    ),
    (
        "chaos-invoke",
        {
            "action": "append",
            "default": [],
            "metavar": "MODE",
            "help": "How --chaos-target graphs are driven (repeatable: every kind runs under each mode)\n"
            "ainvoke, invoke, astream:updates,values (default), stream:messages, astream_events:v2,\n"
            "abatch:3, batch:3 (async and sync: deprecated aliases of astream and stream)",
        },
    ),
    (
        "chaos-seed",
        {
            "type": _seed_value,
            "default": None,
            "metavar": "N|last",
            "help": "Seed of every fault decision; 'last' reuses the previous run's seed",
        },
    ),
    (
        "chaos-trials",
        {
            "type": _positive_int,
            "default": None,
            "metavar": "N",
            "help": "Trials per target and fault kind (default 1, or the chaos_trials ini setting)",
        },
    ),
    (
        "chaos-report",
        {
            "default": None,
            "metavar": "PATH",
            "help": "Write the JSON report of every chaos trial to PATH",
        },
    ),
    (
        "chaos-clock",
        {
            "default": None,
            "choices": CLOCKS,
            "help": "simulated (default): one deterministic virtual clock\n"
            "real: the same trials in real time, to confirm a finding",
        },
    ),
    (
        "chaos-html",
        {
            "default": None,
            "metavar": "PATH",
            "help": "Write the self-contained HTML report (timelines of every trial) to PATH",
        },
    ),
    (
        "chaos-compare-to",
        {
            "default": None,
            "metavar": "OLD.json",
            "help": "Show in the HTML report what changed since this older JSON report\n"
            "(the comparison of langgraph-chaos diff)",
        },
    ),
    (
        "chaos-shard",
        {
            "type": _shard_value,
            "default": None,
            "metavar": "I/N",
            "help": "Run only shard I of N (1-based): tests split by a hash of their node id\n"
            "Composes with -n inside a machine and with CI matrices across machines",
        },
    ),
    (
        "chaos-audit",
        {
            "action": "store_true",
            "default": False,
            "help": "Also audit every --chaos-target's configuration (one chaos-audit:MODULE:ATTR item each)\n"
            "The item fails on findings of severity error; see docs/audit.md",
        },
    ),
)


def dest(name: str) -> str:
    """The argparse destination of option ``name`` (``"chaos-seed"`` -> ``"langgraph_chaos_seed"``)."""
    return "langgraph_" + name.replace("-", "_")


GROUP = "langgraph-chaos"


def _skip_assert_rewriting_of_the_library(pluginmanager: pytest.PytestPluginManager) -> None:
    """The ``chaos`` library is not test code: pytest need not rewrite its asserts.

    pytest marks every top-level package of a plugin's distribution for assertion rewriting,
    so a wheel install would recompile each of the library's ~80 modules through the rewriter
    on import (every run, where bytecode is not written: PYTHONDONTWRITEBYTECODE, read-only
    site-packages). Only the plugin package stays marked.
    """
    marked = getattr(getattr(pluginmanager, "rewrite_hook", None), "_must_rewrite", None)
    if isinstance(marked, set):
        marked.discard("chaos")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    _skip_assert_rewriting_of_the_library(pluginmanager)
    group = parser.getgroup(
        GROUP,
        "langgraph-chaos: fault injection for LangGraph graphs "
        "(every --chaos-* option is also --langgraph-chaos-*)",
    )
    for name, kwargs in OPTIONS:
        group.addoption(f"--langgraph-{name}", dest=dest(name), **kwargs)
    parser.addini("chaos_config", "Default JSON RunnableConfig for chaos targets", default="")
    parser.addini("chaos_context", "Default JSON run context for chaos targets", default="")
    parser.addini("chaos_routes", "Default routes file (TOML) for chaos targets", default="")
    parser.addini("chaos_answers", "Default JSON interrupt answers for chaos targets", default="")
    parser.addini(
        "chaos_invoke", "How chaos targets are driven, one MODE a line (default astream:updates,values)",
        type="linelist", default=[],
    )
    from pytest_langgraph_chaos._coexist import registered_late

    registered_late(parser, pluginmanager)
    parser.addini("chaos_targets", "Graphs (MODULE:ATTR) to run the fault suite against", type="linelist", default=[])
    parser.addini("chaos_input", "Default JSON input for chaos targets", default="")
    parser.addini("chaos_trials", "Default trials per target and fault kind", default="1")
    parser.addini("chaos_clock", "Default clock: simulated or real", default="simulated")
    parser.addini("chaos_disable", "Invariants to turn off everywhere", type="linelist", default=[])
    parser.addini(
        "chaos_audit_ignore", "Audit findings to silence: CODE or CODE:node", type="linelist", default=[]
    )
    parser.addini(
        "chaos_retry_budget", "Most HTTP requests one logical call may send (retry_budget invariant)", default="10"
    )
    parser.addini(
        "chaos_max_trials",
        f"Most generated trials per target (trials x fault kinds; default {MAX_TRIALS:,})",
        default=str(MAX_TRIALS),
    )
    parser.addini(
        "chaos_keep_results",
        f"Results the chaos fixture keeps in chaos.results (the latest; default {KEEP_RESULTS})\n"
        "Every result still reaches the reports",
        default=str(KEEP_RESULTS),
    )
    parser.addini(
        "chaos_exit_grace",
        f"Real seconds the process may hang at exit on threads a graph left running before it exits\n"
        f"naming them (default {EXIT_GRACE:g}; the CHAOS_EXIT_GRACE environment variable wins)",
        default=str(EXIT_GRACE),
    )
    parser.addini(
        "chaos_redact",
        "More query parameter / header / field names whose values are credentials (redacted)",
        type="linelist",
        default=[],
    )


def _setting(config: pytest.Config, option: str, ini: str) -> Any:
    value = config.getoption(option)
    return value if value is not None else config.getini(ini)


def _clock(config: pytest.Config) -> str:
    clock = _setting(config, "langgraph_chaos_clock", "chaos_clock")
    if clock not in CLOCKS:
        raise pytest.UsageError(f"chaos_clock = {clock!r} (ini): use one of {', '.join(CLOCKS)}")
    return str(clock)


def _trials(config: pytest.Config) -> int:
    """Trials per target and fault kind, capped so that collection cannot hang or exhaust memory.

    The cap (``chaos_max_trials``) bounds what one target can generate: trials x every kind of
    the suite (`chaos.suite.ALL_KINDS`) x the ``--chaos-invoke`` modes. A graph gets fewer
    (a kind with nowhere to fire is not generated), never more.
    """
    from_cli = config.getoption("langgraph_chaos_trials")
    value = from_cli if from_cli is not None else _trial_count(config.getini("chaos_trials"), "chaos_trials (ini)")
    cap = _max_trials(config)
    from chaos.suite import ALL_KINDS

    modes = len(_drives(config))
    per_trial = len(ALL_KINDS) * modes
    total = value * per_trial
    if total > cap:
        where = f"--chaos-trials={value}" if from_cli is not None else f"chaos_trials = {value} (ini)"
        shape = f"{len(ALL_KINDS)} kinds" + (f" x {modes} --chaos-invoke modes" if modes > 1 else "")
        raise pytest.UsageError(
            f"{where} gives up to {total:,} generated trials per target ({shape}), over "
            f"chaos_max_trials = {cap:,}: collecting them alone would take minutes and gigabytes. "
            f"Use at most --chaos-trials={max(cap // per_trial, 1)}, or raise chaos_max_trials in "
            "the ini file if you mean it (and split the run with --chaos-shard=I/N)"
        )
    return value


DRIVES_KEY = pytest.StashKey[tuple["Drive", ...]]()


def _drives(config: pytest.Config) -> tuple[Drive, ...]:
    """How ``--chaos-target`` graphs are driven: ``--chaos-invoke`` (repeatable), else
    ``chaos_invoke`` (ini, one mode a line), else the default ``astream:updates,values``.

    One token grammar with ``chaos.run(drive=...)`` and scenario files (`chaos.engine.drive`);
    duplicates (``astream`` is ``astream:updates,values``) count once. The deprecated aliases
    ``async``/``sync`` warn through pytest's warning filters (``-W error`` makes them errors).
    """
    if DRIVES_KEY in config.stash:
        return config.stash[DRIVES_KEY]
    import warnings

    from chaos.engine.drive import DEFAULT, parse_drive
    from chaos.errors import ChaosUsageError

    given = list(config.getoption("langgraph_chaos_invoke") or [])
    tokens, where = (given, "--chaos-invoke") if given else (list(config.getini("chaos_invoke")), "chaos_invoke (ini)")
    drives: dict[str, Drive] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        try:
            for token in tokens:
                drive = parse_drive(token, where=where)
                drives.setdefault(drive.token, drive)
        except ChaosUsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    for warning in caught:
        message = warning.message
        config.issue_config_time_warning(
            message if isinstance(message, Warning) else warning.category(message), stacklevel=2
        )
    config.stash[DRIVES_KEY] = tuple(drives.values()) or (DEFAULT,)
    return config.stash[DRIVES_KEY]


def _max_trials(config: pytest.Config) -> int:
    return _trial_count(config.getini("chaos_max_trials"), "chaos_max_trials (ini)")


def keep_results(config: pytest.Config) -> int:
    """``chaos_keep_results`` (ini): how many results the fixture keeps in ``chaos.results``."""
    return _trial_count(config.getini("chaos_keep_results"), "chaos_keep_results (ini)")


def _targets(config: pytest.Config) -> list[str]:
    """The targets: options and ini, each bare langgraph.json expanded to its graphs; with none,
    every graph of a langgraph.json in the directory pytest runs in."""
    from chaos.targets import expand_targets

    return expand_targets([*config.getoption("langgraph_chaos_target"), *config.getini("chaos_targets")])


def _retry_budget(config: pytest.Config) -> int:
    """``chaos_retry_budget`` (ini): requests per logical call before ``retry_budget`` fires."""
    value = _trial_count(str(config.getini("chaos_retry_budget")), "chaos_retry_budget (ini)")
    from chaos.invariants.retry_budget import set_retry_budget

    set_retry_budget(value)
    return value


def exit_grace(config: pytest.Config) -> float:
    """``CHAOS_EXIT_GRACE`` (environment) or ``chaos_exit_grace`` (ini): real seconds >= 0."""
    import os

    env = os.environ.get("CHAOS_EXIT_GRACE")
    text, where = (env, "CHAOS_EXIT_GRACE (environment)") if env else (config.getini("chaos_exit_grace"), "chaos_exit_grace (ini)")
    try:
        value = float(text)
    except ValueError:
        raise pytest.UsageError(f"{where}: {text!r} is not a number of seconds, e.g. 10") from None
    if not value >= 0:
        raise pytest.UsageError(f"{where}: {value:g} must be at least 0 seconds")
    return value
