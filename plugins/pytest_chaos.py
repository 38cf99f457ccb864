"""The langgraph-chaos pytest plugin: ``--chaos``, the ``chaos`` fixture and marker, reports.

Registered through the ``pytest11`` entry point, so installing the package is enough; disable
it with ``-p no:chaos``. Like hypothesis' plugin, it imports the library only inside hooks that
need it: a session without ``--chaos`` pays (almost) nothing.

This module is the plugin pytest registers; the hooks live in modules split by concept and are
gathered here (pytest registers the hook functions found on this module):

- `plugins._settings`: options, ini settings, stash keys; precedence ini < command line < marker;
- `plugins._session`: configuration, the seed (sent to xdist workers), header, repro commands;
- `plugins._fixture`: the ``chaos`` fixture and the ``@pytest.mark.chaos`` marker;
- `plugins._targets`: generated trials for ``--chaos-target``, scenario files, shards;
- `plugins._reports`: trial records on reports, the JSON/HTML reports, the terminal summary.
"""

from __future__ import annotations

from plugins._fixture import chaos, pytest_itemcollected
from plugins._reports import pytest_runtest_makereport
from plugins._session import pytest_configure, pytest_report_header, repro_command
from plugins._settings import (
    AUDITS_KEY,
    CHAOS_KEY,
    REPORTS_KEY,
    RESULT_KEY,
    SEED_KEY,
    TARGETS_KEY,
    pytest_addoption,
)
from plugins._targets import (
    ChaosTargetCollector,
    ChaosTrialItem,
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
    "pytest_addoption",
    "pytest_collect_file",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_itemcollected",
    "pytest_report_header",
    "pytest_runtest_makereport",
    "repro_command",
]
