"""The langgraph-chaos pytest plugin: ``--chaos``, the ``chaos`` fixture and marker, reports.

Registered through the ``pytest11`` entry point, so installing the package is enough; disable
it with ``-p no:chaos``. Like hypothesis' plugin, it imports the library only inside hooks that
need it: a session without ``--chaos`` pays (almost) nothing.

The import name is distinctive on purpose (as ``pytest_randomly`` or ``_hypothesis_pytestplugin``):
the source lives in the ``plugins/`` folder of this repository, but nothing is installed under
the common name ``plugins``, which users' own projects use for their own packages.

This module is the plugin pytest registers; the hooks live in modules split by concept and are
gathered here (pytest registers the hook functions found on this module):

- `pytest_langgraph_chaos._settings`: options, ini settings, stash keys; precedence ini < command line < marker;
- `pytest_langgraph_chaos._session`: configuration, the seed (sent to xdist workers), header, repro commands;
- `pytest_langgraph_chaos._fixture`: the ``chaos`` fixture and the ``@pytest.mark.chaos`` marker;
- `pytest_langgraph_chaos._targets`: generated trials for ``--chaos-target``, scenario files, shards;
- `pytest_langgraph_chaos._coexist`: ``--langgraph-chaos-*`` names, other plugins' ``--chaos``/``chaos``;
- `pytest_langgraph_chaos._nodes`: `ChaosNode`, the one base class of every item and collector;
- `pytest_langgraph_chaos._scenarios`: scenario files (``*.chaos.toml``) and their trials;
- `pytest_langgraph_chaos._audit`: the ``chaos-audit:MODULE:ATTR`` items and their summary;
- `pytest_langgraph_chaos._reports`: trial records on reports, the JSON/HTML reports, the terminal summary.
"""

from __future__ import annotations

from pytest_langgraph_chaos._coexist import pytest_load_initial_conftests
from pytest_langgraph_chaos._fixture import chaos, langgraph_chaos, pytest_itemcollected, pytest_runtest_call
from pytest_langgraph_chaos._reports import pytest_runtest_makereport
from pytest_langgraph_chaos._session import pytest_configure, pytest_report_header, repro_command
from pytest_langgraph_chaos._settings import (
    AUDITS_KEY,
    CHAOS_KEY,
    REPORTS_KEY,
    RESULT_KEY,
    SEED_KEY,
    TARGETS_KEY,
    pytest_addoption,
)
from pytest_langgraph_chaos._targets import (
    ChaosTargetCollector,
    ChaosTrialItem,
    pytest_addhooks,
    pytest_collect_file,
    pytest_collection_modifyitems,
)

__all__ = [
    "AUDITS_KEY",
    "CHAOS_KEY",
    "REPORTS_KEY",
    "RESULT_KEY",
    "SEED_KEY",
    "TARGETS_KEY",
    "ChaosTargetCollector",
    "ChaosTrialItem",
    "chaos",
    "langgraph_chaos",
    "pytest_addhooks",
    "pytest_addoption",
    "pytest_collect_file",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_itemcollected",
    "pytest_load_initial_conftests",
    "pytest_report_header",
    "pytest_runtest_call",
    "pytest_runtest_makereport",
    "repro_command",
]
