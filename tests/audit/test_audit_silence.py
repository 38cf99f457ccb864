"""Silencing findings per node (metadata) and per graph (ignore list), and usage errors."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.errors import NodeError
from langgraph.types import TimeoutPolicy

from chaos.audit import RULES, audit
from chaos.errors import ChaosUsageError
from tests.audit.helpers import S, codes, one_node


def sync_work(state: S) -> dict[str, Any]:
    return {"result": "done"}


def sync_handler(state: S, error: NodeError) -> dict[str, Any]:
    return {"result": "degraded"}


def test_node_metadata_silences_a_code_for_that_node() -> None:
    graph = one_node(sync_work, metadata={"chaos": {"ignore": ["LGC101"]}})
    assert audit(graph) == []


def test_an_ignore_entry_silences_a_code_everywhere_or_at_one_location() -> None:
    assert audit(one_node(sync_work), ignore=["LGC101"]) == []
    assert audit(one_node(sync_work), ignore=["lgc101:wor*"]) == []
    assert codes(audit(one_node(sync_work), ignore=["LGC101:other"])) == [("LGC101", "work")]


def test_a_per_node_handler_is_silenced_by_the_handled_nodes_metadata() -> None:
    graph = one_node(
        sync_work, error_handler=sync_handler, metadata={"chaos": {"ignore": ["LGC101", "LGC401"]}}
    )
    assert audit(graph) == []


def test_unknown_codes_are_usage_errors_that_list_the_known_ones() -> None:
    with pytest.raises(ChaosUsageError, match="unknown audit code 'LGC999'.*LGC101"):
        audit(one_node(sync_work), ignore=["LGC999"])
    with pytest.raises(ChaosUsageError, match="node 'work'"):
        audit(one_node(sync_work, metadata={"chaos": {"ignore": ["NOPE"]}}))
    with pytest.raises(ChaosUsageError, match=r"must look like"):
        audit(one_node(sync_work, metadata={"chaos": {"ignore": "LGC101"}}))


def test_bad_arguments_say_how_to_fix_them() -> None:
    graph = one_node(sync_work, timeout=None)
    with pytest.raises(ChaosUsageError, match="budget"):
        audit(graph, budget=0)
    with pytest.raises(ChaosUsageError, match="durability='never'"):
        audit(graph, durability="never")  # type: ignore[arg-type]
    with pytest.raises(ChaosUsageError, match=r"scenarios=\{'crash'\}"):
        audit(graph, scenarios="crash")  # type: ignore[arg-type]


def test_a_probe_run_that_fails_is_reported_as_info_and_the_audit_goes_on() -> None:
    async def broken(state: S) -> dict[str, Any]:
        return {"result": state["query"]}  # no query in the input

    found = audit(one_node(broken, timeout=TimeoutPolicy(run_timeout=5)))
    assert [(f.code, f.severity) for f in found] == [("LGC001", "info")]
    assert "KeyError" in found[0].message


def test_findings_carry_the_catalogued_severity_and_a_docs_anchor() -> None:
    [finding] = audit(one_node(sync_work))
    assert finding.severity == RULES["LGC101"].severity
    assert finding.to_json()["docs"] == "docs/audit.md#lgc101"
    assert finding.format().startswith("LGC101 warning [node work] ")
