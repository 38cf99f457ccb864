"""The report schema stays true: it knows every fault kind, and real reports validate against it."""

from __future__ import annotations

import json

import jsonschema
import pytest

import chaos  # noqa: F401  (imports every fault module: node, HTTP and shutdown faults)
from chaos.faults import Fault
from chaos.report import load_schema

pytest_plugins = ["pytester"]


def _kinds(cls: type[Fault]) -> set[str]:
    out = {cls.kind} if "kind" in vars(cls) else set()
    for sub in cls.__subclasses__():
        out |= _kinds(sub)
    return out


def test_the_schema_lists_every_fault_kind():
    enum = load_schema()["properties"]["trials"]["items"]["properties"]["faults"]["items"]["properties"]["fault"][
        "properties"
    ]["kind"]["enum"]
    assert _kinds(Fault) - {"fault", "http"} <= set(enum)


def test_a_report_of_shutdown_and_http_scenarios_validates(pytester: pytest.Pytester):
    from pathlib import Path

    pack = Path(__file__).parents[1] / "scenarios"
    for name in ("rolling_deploy", "http_rate_limit", "hung_upstream"):
        pytester.makefile(".chaos.toml", **{name: (pack / f"{name}.chaos.toml").read_text()})
    result = pytester.runpytest("--chaos", "--chaos-seed=4", "-p", "no:cacheprovider", "--chaos-report=r.json")
    result.assert_outcomes(passed=8)  # 2 drain + 3 rate-limit + 3 hang trials
    report = json.loads((pytester.path / "r.json").read_text())
    assert {f["fault"]["kind"] for t in report["trials"] for f in t["faults"]} == {"sigterm", "http.rate_limit", "hang"}
    jsonschema.validate(report, load_schema())
