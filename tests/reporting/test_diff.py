"""``langgraph-chaos diff`` and ``history`` on real reports written by ``pytest --chaos-report``.

The reports come from the plugin's zero-code suite run on a one-node graph twice: once with a
TimeoutPolicy (every trial passes) and once after the policy was removed (the ``hang`` trial
fails ``liveness``): the graph broke between two nights.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chaos.cli import main
from chaos.reporting.diff import diff_reports, format_diff, render_compared_html
from chaos.reporting.history import load_history, summarize_history

GRAPH = """
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy


class S(TypedDict, total=False):
    query: str
    result: str


async def work(state: S) -> dict:
    return {"result": "done"}


builder = StateGraph(S)
builder.add_node("work", work, retry_policy=RetryPolicy(max_attempts=3), timeout=TimeoutPolicy(run_timeout=30))
builder.add_edge(START, "work")
builder.add_edge("work", END)
"""

#: The same graph after a change that dropped its policies: nothing can time out a hang now.
BROKEN_GRAPH = GRAPH.replace(", retry_policy=RetryPolicy(max_attempts=3), timeout=TimeoutPolicy(run_timeout=30)", "")

HANG = "chaos:app:builder::hang[work@a1]#0"


def _run(folder: Path, source: str, seed: int, name: str) -> None:
    """Run the zero-code suite on ``source`` (three fault kinds) in a fresh pytest process."""
    (folder / "app.py").write_text(source)
    # A subprocess, once per module: the three runs are shared by every test below.
    subprocess.run(
        [sys.executable, "-m", "pytest", "--chaos", "--chaos-target=app:builder", f"--chaos-seed={seed}",
         f"--chaos-report={name}.json", "-k", "hang or exception or delay", "-p", "no:cacheprovider", "-q"],
        cwd=folder, env={**os.environ, "PYTHONPATH": str(folder)}, capture_output=True, check=False,
    )
    assert (folder / f"{name}.json").is_file(), f"pytest wrote no report {name}.json"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("nights")
    _run(folder, GRAPH, 11, "good")
    _run(folder, BROKEN_GRAPH, 12, "broken")
    _run(folder, BROKEN_GRAPH, 11, "broken_same_seed")
    return folder


@pytest.fixture
def nights(reports: Path) -> dict[str, dict[str, Any]]:
    return {name: json.loads((reports / f"{name}.json").read_text()) for name in ("good", "broken", "broken_same_seed")}


def _files(reports: Path, *names: str) -> list[str]:
    return [str(reports / f"{n}.json") for n in names]


def test_a_graph_that_broke_between_two_nights_gives_its_new_failures_and_exit_1(
    reports: Path, nights: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert {t["id"] for t in nights["good"]["trials"]} >= {HANG}  # the suite really ran

    status = main(["diff", *_files(reports, "good", "broken")])
    out = capsys.readouterr().out
    assert status == 1
    assert f"  {HANG}: pass -> fail (seed 11 -> 12, seed changed)" in out
    assert "now violates: liveness" in out
    assert "old seed 11, new seed 12" in out
    assert "  liveness: 0 -> 1" in out
    assert out.rstrip().endswith("REGRESSED")
    diff = diff_reports(nights["good"], nights["broken"])
    assert [c.id for c in diff.newly_failing] == [HANG]
    assert diff.newly_passing == () and diff.determinism_defects == ()


def test_the_same_report_twice_is_no_change_and_exit_0(
    reports: Path, nights: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", *_files(reports, "broken", "broken")]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("no change")
    assert "same seed" in out and "newly" not in out


def test_a_fix_newly_passes_and_is_no_regression(
    reports: Path, nights: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", *_files(reports, "broken", "good")]) == 0
    out = capsys.readouterr().out
    assert "newly passing (1):" in out and f"{HANG}: fail -> pass" in out
    assert "no longer violates: liveness" in out
    assert out.rstrip().endswith("changed, no regression")


def test_a_changed_verdict_under_the_same_seed_is_a_determinism_defect(
    reports: Path, nights: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", *_files(reports, "good", "broken_same_seed")]) == 1
    out = capsys.readouterr().out
    assert "determinism defects (1): same seed, different verdict" in out
    assert f"  {HANG}: pass -> fail (seed 11)" in out
    # Said on purpose: the code changed, so the change is an ordinary one (still a regression).
    assert main(["diff", *_files(reports, "good", "broken_same_seed"), "--code-changed"]) == 1
    out = capsys.readouterr().out
    assert "determinism" not in out and "newly failing (1):" in out
    assert main(["diff", *_files(reports, "broken_same_seed", "good"), "--code-changed"]) == 0


def test_json_output_says_the_same(
    reports: Path, nights: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", *_files(reports, "good", "broken"), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["regressed"] is True and data["seed_changed"] is True
    (change,) = data["newly_failing"]
    assert change | {"message": None, "repro": None} == {
        "id": HANG, "old_verdict": "pass", "new_verdict": "fail", "old_seed": 11, "new_seed": 12,
        "seed_changed": True, "added": ["liveness"], "removed": [], "message": None, "repro": None,
    }
    assert change["repro"].startswith("pytest --chaos --chaos-seed=12")
    assert data["by_invariant"] == {"liveness": {"old": 0, "new": 1}}


def test_inconclusive_and_error_verdicts_and_missing_trials(nights: dict[str, dict[str, Any]]) -> None:
    old = nights["good"]
    new = copy.deepcopy(old)
    new["seed"] = 99
    by_id = {t["id"]: t for t in new["trials"]}
    by_id["chaos:app:builder::exception[work@a1]#0"]["verdict"] = "inconclusive"
    by_id[HANG]["verdict"] = "error"
    dropped = next(t["id"] for t in new["trials"] if "delay" in t["id"])
    new["trials"] = [t for t in new["trials"] if t["id"] != dropped]
    new["trials"].append({**by_id[HANG], "id": "chaos:app:builder::brand_new[work@a1]#0", "verdict": "pass"})

    diff = diff_reports(old, new)
    assert [c.id for c in diff.newly_inconclusive] == ["chaos:app:builder::exception[work@a1]#0"]
    assert [(c.id, c.new_verdict) for c in diff.newly_failing] == [(HANG, "error")]
    assert diff.only_in_old == (dropped,) and diff.only_in_new == ("chaos:app:builder::brand_new[work@a1]#0",)
    text = format_diff(diff)
    assert "newly inconclusive (1):" in text and f"only in the old report (1):\n  {dropped}" in text

    # Missing trials alone are a regression only when asked.
    lost = copy.deepcopy(old)
    lost["trials"] = [t for t in lost["trials"] if t["id"] != dropped]
    assert not diff_reports(old, lost).regressed()
    assert diff_reports(old, lost).regressed(missing=True)


def test_reports_of_different_suites_or_bad_files_are_refused_by_name(
    reports: Path, nights: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    other = copy.deepcopy(nights["good"])
    for t in other["trials"]:
        t["id"] = "other::" + t["id"]
    (reports / "other.json").write_text(json.dumps(other))
    (reports / "list.json").write_text("[]")
    assert main(["diff", *_files(reports, "good", "other")]) == 2
    assert "share no trial id" in capsys.readouterr().err
    assert main(["diff", *_files(reports, "good", "list")]) == 2
    assert "NEW: not a langgraph-chaos report" in capsys.readouterr().err
    assert main(["diff", str(reports / "missing.json"), *_files(reports, "good")]) == 2
    assert "missing.json: cannot read it" in capsys.readouterr().err


def test_the_html_report_shows_the_comparison(
    reports: Path, nights: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    out = reports / "out" / "night.html"
    assert main(["html", *_files(reports, "broken"), str(out), "--against", *_files(reports, "good")]) == 0
    page = out.read_text()
    section = page[page.index('<section class="panel compare"') : page.index('<section aria-label="trials">')]
    assert "Compared with the previous report: regressed" in section
    assert "Newly failing (1)" in section and HANG in section and "seed changed" in section
    # Report strings are escaped as everywhere on the page.
    hostile = copy.deepcopy(nights["broken"])
    evil = "<img src=x onerror=alert(1)>"
    next(t for t in hostile["trials"] if t["id"] == HANG)["id"] = evil
    page = render_compared_html(hostile, nights["good"])
    assert evil not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert render_compared_html(hostile, nights["good"]) == page  # deterministic


def test_history_counts_failures_per_trial_across_nights(
    reports: Path, nights: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = reports / "nightly"
    folder.mkdir()
    for i, name in enumerate(["good", "broken", "broken_same_seed"], 1):
        (folder / f"2026-12-0{i}.json").write_text(json.dumps(nights[name]))
    rows = {h.id: h for h in summarize_history(load_history(folder))}
    hang = rows[HANG]
    assert (hang.runs, hang.failed, hang.failed_seeds, hang.last) == (3, 2, [12, 11], "fail")
    assert hang.invariants == {"liveness": 2}
    # Seed 11 passed on night 1 and failed on night 3: a determinism defect (or a code change).
    assert hang.nondeterministic_seeds == [11]
    assert all(h.failed == 0 for tid, h in rows.items() if tid != HANG)

    assert main(["history", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 reports, 3 trials; seeds: 11, 12, 11")
    assert f"  {HANG}  failed 2/3 (67%); liveness x2; failed with seeds 12, 11" in out
    assert "determinism defects (1)" in out
    assert main(["history", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["trials"][0]["id"] == HANG and data["trials"][0]["failure_rate"] == 0.6667


def test_history_of_a_folder_without_reports_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", str(tmp_path)]) == 2
    assert f"{tmp_path}: no *.json report in it" in capsys.readouterr().err
    assert main(["history", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_the_pytest_option_compare_to_puts_the_comparison_in_the_html_report(reports: Path) -> None:
    (reports / "app.py").write_text(BROKEN_GRAPH)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--chaos", "--chaos-target=app:builder", "--chaos-seed=12",
         "--chaos-html=tonight.html", "--chaos-compare-to=good.json", "-k", "hang", "-p", "no:cacheprovider"],
        cwd=reports, env={**os.environ, "PYTHONPATH": str(reports)}, capture_output=True, text=True, check=False,
    )
    assert "compared with good.json: REGRESSED: 1 newly failing" in done.stdout, done.stdout + done.stderr
    page = (reports / "tonight.html").read_text()
    assert "Compared with the previous report: regressed" in page and HANG in page
    # A previous report that cannot be read never loses tonight's page.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--chaos", "--chaos-target=app:builder", "--chaos-seed=12",
         "--chaos-html=tonight2.html", "--chaos-compare-to=nope.json", "-k", "hang", "-p", "no:cacheprovider"],
        cwd=reports, env={**os.environ, "PYTHONPATH": str(reports)}, capture_output=True, text=True, check=False,
    )
    assert "compared with nope.json: not compared" in done.stdout
    assert "Compared with" not in (reports / "tonight2.html").read_text()
