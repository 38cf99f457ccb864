"""chaos.strategies is a package split by concept; hypothesis is imported only when a strategy is."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import chaos.strategies as cst
from chaos import fault_kinds


def _loaded_after(code: str) -> str:
    probe = f"import sys\n{code}\nprint('HYPOTHESIS', 'hypothesis' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_importing_the_package_or_a_plan_does_not_load_hypothesis() -> None:
    assert _loaded_after("import chaos.strategies as cst") == "HYPOTHESIS False"
    assert _loaded_after("from chaos.strategies import FaultPlan, fault_source") == "HYPOTHESIS False"


def test_a_strategy_loads_hypothesis_on_first_use() -> None:
    assert _loaded_after("from chaos.strategies import node_faults") == "HYPOTHESIS True"


def test_every_public_name_lives_in_one_concept_module() -> None:
    homes = {name: getattr(cst, name).__module__ for name in cst.__all__ if callable(getattr(cst, name))}
    assert set(homes.values()) <= {f"chaos.strategies.{m}" for m in ("delta", "faults", "plan", "policies", "trial")}
    assert homes["run_plan"] == "chaos.strategies.trial" and homes["node_faults"] == "chaos.strategies.faults"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cst.nope  # noqa: B018


def test_strategy_kinds_are_the_reference_table_kinds() -> None:
    table = set(fault_kinds.kind_names())
    assert set(cst.NODE_FAULT_KINDS) <= table and set(cst.HTTP_FAULT_KINDS) <= table
    assert {fault_kinds.FAULT_KINDS[k].level for k in cst.NODE_FAULT_KINDS} == {"node"}
    assert {fault_kinds.FAULT_KINDS[k].level for k in cst.HTTP_FAULT_KINDS} == {"transport"}


@pytest.mark.parametrize(("old", "new"), [("http_5xx", "raise_status"), ("transport", "raise_connect_error"),
                                           ("slow", "delay")])
def test_old_node_strategy_kinds_warn_and_still_draw(old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=rf"node_faults\(kinds=\['{old}'\]\) is deprecated: use {new}"):
        strategy = cst.node_faults([old])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # hypothesis' own example drawing
        assert strategy.example().kind.startswith(new.split("_")[0])


def test_old_http_strategy_kinds_warn() -> None:
    with pytest.warns(DeprecationWarning, match=r"http_faults\(kinds=\['rate_limited'\]\) is deprecated: use http.rate_limit"):
        cst.http_faults(["rate_limited"])
