"""Living next to other plugins that use the same names: ``--chaos*`` options, the ``chaos`` fixture.

Two chaos plugins on the package index register ``--chaos`` too; pytest refuses a second
registration (``ValueError: option dest 'chaos' already used``) and would not start. So every
option is registered under ``--langgraph-chaos-*`` (destinations ``langgraph_chaos_*``, which no
one else uses), and the short ``--chaos-*`` names are added as aliases once every installed
plugin has registered its options, only where they are still free. When one is taken, a
warning names the plugin that has it and how to choose (``-p no:NAME``).

The same for the fixture: ours is ``langgraph_chaos``, also available as ``chaos``; a ``chaos``
fixture of another plugin that shadows it gets a warning, and a test marked
``@pytest.mark.chaos`` that would receive the other plugin's fixture fails with the fix.
"""

from __future__ import annotations

import argparse
import inspect
from typing import Any

import pytest

from pytest_langgraph_chaos._settings import ALIASES_KEY, GROUP, OPTIONS, dest

#: The name this plugin is registered under (``-p no:chaos`` disables it).
PLUGIN_NAME = "chaos"
_WARNED_KEY = pytest.StashKey[bool]()


def _taken(parser: pytest.Parser) -> set[str]:
    """Option strings already registered by anyone (pytest maps each one to its destination)."""
    return set(getattr(parser, "_opt2dest", {}))


def _add_short_names(parser: pytest.Parser) -> tuple[set[str], list[str]]:
    """Add ``--NAME`` for every option whose short name is free; return (aliased, taken)."""
    taken = _taken(parser)
    group = parser.getgroup(GROUP)
    aliased: set[str] = set()
    conflicts: list[str] = []
    for name, kwargs in OPTIONS:
        short = f"--{name}"
        if short in taken:
            conflicts.append(short)
            continue
        group.addoption(short, dest=dest(name), **kwargs)
        # `config.getoption("chaos_seed")` keeps working (conftests written for the old names).
        getattr(parser, "_opt2dest", {}).setdefault(name.replace("-", "_"), dest(name))
        _hide_long_name(group, f"--langgraph-{name}")
        aliased.add(name)
    return aliased, conflicts


def registered_late(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Registered from a conftest (``pytest_plugins``): the hook below has already run, so add
    the short names now, where free (every other plugin has registered its options by then)."""
    if getattr(pluginmanager, "_conftest_plugins", None):
        _add_short_names(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # Called once every plugin of the command line, the environment and the entry points has
    # registered its options, before conftests and the final parse of the command line.
    aliased, conflicts = _add_short_names(parser)
    early_config.stash[ALIASES_KEY] = aliased
    if conflicts:
        early_config.issue_config_time_warning(
            pytest.PytestConfigWarning(_conflict_message(early_config, conflicts)), stacklevel=2
        )


def _hide_long_name(group: Any, option: str) -> None:
    """Keep ``--help`` short: the long name is announced once, in the group's title."""
    for opt in getattr(group, "options", ()):
        if option in opt.names():
            action = getattr(opt, "_action", None)
            if action is not None:
                action.help = argparse.SUPPRESS


def _conflict_message(config: pytest.Config, conflicts: list[str]) -> str:
    owners = _owners(config, conflicts)
    who = ", ".join(f"{opt} by plugin {owners[opt]!r}" if opt in owners else opt for opt in conflicts)
    names = sorted(set(owners.values()))
    disable = " or ".join(f"-p no:{n}" for n in names) or "-p no:NAME (the plugin that has them)"
    return (
        f"langgraph-chaos: option(s) already registered by another plugin: {who}. "
        "langgraph-chaos's own options stay available under their long names "
        f"({', '.join('--langgraph-' + o.removeprefix('--') for o in conflicts)}). "
        f"To give the short names to langgraph-chaos, disable the other plugin with {disable}; "
        f"to keep the other plugin only, disable langgraph-chaos with -p no:{PLUGIN_NAME}."
    )


def _owners(config: pytest.Config, options: list[str]) -> dict[str, str]:
    """Which registered plugin adds each option: each one's pytest_addoption, on a scratch parser."""
    from _pytest.config.argparsing import Parser

    owners: dict[str, str] = {}
    for name, plugin in config.pluginmanager.list_name_plugin():
        hook = getattr(plugin, "pytest_addoption", None)
        if hook is None or name == PLUGIN_NAME or plugin is _self_module():
            continue
        scratch = Parser(_ispytest=True)
        offered = {"parser": scratch, "pluginmanager": config.pluginmanager}
        try:
            params = inspect.signature(hook).parameters
            hook(**{k: v for k, v in offered.items() if k in params})
        except Exception:  # another plugin's hook is not ours to debug: this is only a hint
            continue
        for option in options:
            if option in scratch._opt2dest:
                owners.setdefault(option, name)
    return owners


def _self_module() -> Any:
    import pytest_langgraph_chaos

    return pytest_langgraph_chaos


def flag(config: pytest.Config, name: str) -> str:
    """The command-line spelling of option ``name`` here: ``--chaos-seed``, or the long name."""
    aliased = config.stash.get(ALIASES_KEY, None)
    if aliased is None or name in aliased:
        return f"--{name}"
    return f"--langgraph-{name}"


# -- the fixture -----------------------------------------------------------------------------


def foreign_chaos_fixture(item: pytest.Item) -> str | None:
    """The module of another plugin's ``chaos`` fixture that ``item`` would get, if any.

    A conftest or test module may override ``chaos`` on purpose (often wrapping ours); only a
    plugin-level definition (``baseid == ""``) that is not ours counts.
    """
    info = getattr(item, "_fixtureinfo", None)
    defs = getattr(info, "name2fixturedefs", {}).get("chaos") if info is not None else None
    if not defs:
        return None
    last = defs[-1]
    module = getattr(last.func, "__module__", "") or ""
    if module.startswith("pytest_langgraph_chaos") or getattr(last, "baseid", None) != "":
        return None
    return module


def _plugin_name_of(config: pytest.Config, module: str) -> str:
    for name, plugin in config.pluginmanager.list_name_plugin():
        if getattr(plugin, "__name__", None) == module or getattr(type(plugin), "__module__", None) == module:
            return name
    return module


def fixture_conflict(item: pytest.Item) -> str | None:
    """The fix text when another plugin's ``chaos`` fixture shadows ours for ``item`` (warns once)."""
    module = foreign_chaos_fixture(item)
    if module is None:
        return None
    name = _plugin_name_of(item.config, module)
    message = (
        f"the 'chaos' fixture comes from plugin {name!r} ({module}), not langgraph-chaos. "
        "Request langgraph-chaos's fixture as 'langgraph_chaos' instead, or disable the other "
        f"plugin with -p no:{name}."
    )
    if not item.config.stash.get(_WARNED_KEY, False):
        item.config.stash[_WARNED_KEY] = True
        item.config.issue_config_time_warning(pytest.PytestConfigWarning(f"langgraph-chaos: {message}"), stacklevel=2)
    return message
