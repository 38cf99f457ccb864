"""One invariant registry: bundled checkers listed in one table, users' ones added and removed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator

import pytest

import chaos
from chaos import Chaos, Violation, checks, faults
from chaos.checks import BUILTIN_CHECKERS, checker_names, register_checker, unregister_checker
from chaos.errors import ChaosUsageError
from tests import graphs


@pytest.fixture
def restore_registry() -> Iterator[None]:
    """Whatever a test registers or removes is undone (the registry is process-wide)."""
    saved = (dict(checks._CHECKERS), set(checks._OPT_IN), dict(checks._APPLIES))
    yield
    checks._CHECKERS.clear(), checks._OPT_IN.clear(), checks._APPLIES.clear()
    checks._CHECKERS.update(saved[0]), checks._OPT_IN.update(saved[1]), checks._APPLIES.update(saved[2])


def always(result: object) -> Iterable[Violation]:
    yield Violation("always", "the user's checker always fires")


def test_the_bundled_checkers_are_the_table_in_its_order() -> None:
    assert checker_names()[: len(BUILTIN_CHECKERS)] == [name for name, _m in BUILTIN_CHECKERS]


@pytest.mark.parametrize(
    "first_import", ["chaos.checks", "chaos.invariants.liveness", "chaos.shutdown.result", "chaos.http.checks", "chaos.trial"]
)
def test_which_modules_a_process_imported_first_does_not_change_the_checks(first_import: str) -> None:
    code = f"import {first_import}\nfrom chaos.checks import checker_names\nprint(','.join(checker_names()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().split(",") == [name for name, _m in BUILTIN_CHECKERS]


def test_a_users_checker_runs_until_it_is_unregistered(harness: Chaos, calls: list[str], restore_registry: None) -> None:
    register_checker("always", always)
    result = harness.run(graphs.retry_builder(), {}, raise_on_violation=False)
    assert "always" in result.checked and [v.invariant for v in result.violations] == ["always"]

    assert unregister_checker("always") is always
    result = harness.run(graphs.retry_builder(), {}, raise_on_violation=False)
    assert "always" not in result.checked and result.ok
    with pytest.raises(ChaosUsageError, match=r"unknown invariant\(s\) \['always'\] to turn off"):
        harness.run(graphs.retry_builder(), {}, disable=["always"])


def test_a_bundled_checker_can_be_unregistered_and_registered_again(
    harness: Chaos, calls: list[str], restore_registry: None
) -> None:
    harness.inject(faults.exception(RuntimeError("boom")), node="fetch", attempts=[1])
    assert harness.run(graphs.retry_builder(), {}, raise_on_violation=False).violated("faults_fired") == []
    checker = unregister_checker("liveness")
    assert "liveness" not in checker_names()
    assert "liveness" not in harness.run(graphs.retry_builder(), {}, raise_on_violation=False).checked
    register_checker("liveness", checker)
    assert "liveness" in harness.run(graphs.retry_builder(), {}, raise_on_violation=False).checked


def test_a_users_checker_of_a_bundled_name_replaces_it(restore_registry: None) -> None:
    register_checker("steady_state", always)
    assert checks._ordered()["steady_state"] is always
    assert checker_names().index("steady_state") == [n for n, _m in BUILTIN_CHECKERS].index("steady_state")


def test_unregistering_an_unknown_name_lists_the_registered_ones() -> None:
    with pytest.raises(ChaosUsageError, match=r"cannot unregister 'nope'.*registered: faults_fired, liveness"):
        unregister_checker("nope")


def test_the_package_exports_unregister() -> None:
    assert chaos.unregister_checker is unregister_checker and "unregister_checker" in chaos.__all__
