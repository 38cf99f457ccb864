"""`pytest --chaos --chaos-audit`: the item per target, the summary, the JSON report, the ini."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chaos.audit import RULES, audit

GRAPHS = """
from typing import TypedDict
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.channels import DeltaChannel
from langgraph.types import TimeoutPolicy
from typing import Annotated

class S(TypedDict, total=False):
    messages: Annotated[list, DeltaChannel(add_messages)]

async def work(state):
    return {}

def build():
    g = StateGraph(S)
    g.add_node("work", work, timeout=TimeoutPolicy(run_timeout=30))  # no LGC105 warning
    g.add_edge(START, "work")
    g.add_edge("work", END)
    return g

builder = build()
"""


@pytest.fixture
def target(pytester: pytest.Pytester) -> str:
    pytester.makepyfile(audited_graph=GRAPHS)
    pytester.syspathinsert()
    return "audited_graph:builder"


def test_the_audit_item_fails_on_error_findings_and_lists_them(pytester: pytest.Pytester, target: str) -> None:
    result = pytester.runpytest("--chaos", "--chaos-audit", f"--chaos-target={target}", "-k", "chaos-audit",
                                "-p", "no:cacheprovider", "--chaos-report=r.json")
    result.assert_outcomes(failed=1, deselected=_suite_items(result))
    result.stdout.fnmatch_lines([
        "*chaos audit of audited_graph:builder: 1 error finding(s)*",
        "*- chaos audit -*",
        "audit audited_graph:builder: 1 error(s)",
        "  LGC301 error ?channel messages? *Fix: *",  # ? for the brackets fnmatch reads as a set
    ])
    report = json.loads(Path(pytester.path, "r.json").read_text())
    [entry] = report["audit"]
    assert entry["target"] == target
    assert [f["code"] for f in entry["findings"]] == ["LGC301"]


def test_the_ini_ignore_list_silences_a_finding(pytester: pytest.Pytester, target: str) -> None:
    pytester.makeini("[pytest]\nchaos_audit_ignore =\n    LGC301:messages\n")
    result = pytester.runpytest("--chaos", "--chaos-audit", f"--chaos-target={target}", "-k", "chaos-audit",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, deselected=_suite_items(result))
    result.stdout.fnmatch_lines(["audit audited_graph:builder: no findings"])


def test_an_unknown_code_in_the_ini_is_a_usage_error(pytester: pytest.Pytester, target: str) -> None:
    pytester.makeini("[pytest]\nchaos_audit_ignore = LGC9\n")
    result = pytester.runpytest("--chaos", "--chaos-audit", f"--chaos-target={target}", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown audit code 'LGC9'*"])


def test_chaos_audit_needs_chaos(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--chaos-audit", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--chaos-audit * needs --chaos*"])


def _suite_items(result: pytest.RunResult) -> int:
    match = re.search(r"(\d+) deselected", result.outlines[-1])
    return int(match.group(1)) if match else 0


# -- docs and the bundled example ------------------------------------------------------------

DOCS = Path(__file__).parents[2] / "docs" / "audit.md"


def test_every_code_has_exactly_one_docs_section_and_no_section_is_stale() -> None:
    sections = re.findall(r"^## (LGC\d{3})$", DOCS.read_text(), flags=re.M)
    assert sorted(sections) == sorted(RULES) and len(sections) == len(set(sections))


def test_every_docs_section_states_the_catalogued_name_and_severity() -> None:
    text = DOCS.read_text()
    for rule in RULES.values():
        assert f"**{rule.name}** ({rule.severity})" in text, rule.code


def test_the_bundled_example_graph_has_no_findings() -> None:
    from chaos.examples.support import builder, example_input

    assert audit(builder, example_input) == []
