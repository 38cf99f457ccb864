"""The nightly workflow (.github/workflows/nightly-chaos.yml) lints, and runs exactly the chaos
commands its how-to page (docs/how-to/nightly.md) shows. It cannot run here: lint only."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs.pages import DOCS, ROOT, blocks

WORKFLOW = ROOT / ".github" / "workflows" / "nightly-chaos.yml"
CONFIG = ROOT / ".github" / "yamllint.yml"
PAGE = DOCS / "how-to" / "nightly.md"
CHAOS_COMMAND = re.compile(r"^(pytest --chaos|langgraph-chaos) ")


def _workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def _workflow_commands() -> list[str]:
    lines = []
    for job in _workflow()["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                if CHAOS_COMMAND.match(line.strip()):
                    lines.append(line.strip())
    return lines


def _page_commands() -> list[str]:
    """The commands of the page's steps 1 to 4, the ones the workflow runs (step 5, ``history``,
    is run by hand over downloaded reports)."""
    text = PAGE.read_text()
    end = text[: text.index("\n## 5.")].count("\n") + 1
    return [
        line.strip()
        for b in blocks(PAGE)
        if b.lang == "bash" and b.line < end
        for line in b.body.splitlines()
        if CHAOS_COMMAND.match(line.strip())
    ]


def test_the_workflow_passes_yamllint() -> None:
    yamllint = shutil.which("yamllint", path=str(Path(sys.executable).parent))
    if yamllint is None:
        pytest.fail("yamllint is not installed: pip install -e '.[test]'")
    done = subprocess.run([yamllint, "--strict", "-c", str(CONFIG), str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_runs_exactly_the_commands_the_docs_show() -> None:
    workflow, page = _workflow_commands(), _page_commands()
    assert len(workflow) == 5, workflow  # shard run, merge, html --against, diff, first-night html
    assert sorted(workflow) == sorted(page), (
        f"docs/how-to/nightly.md and the workflow differ:\nonly in the workflow: {sorted(set(workflow) - set(page))}\n"
        f"only in the docs: {sorted(set(page) - set(workflow))}"
    )


def test_the_docs_show_the_workflow_verbatim() -> None:
    assert '--8<-- ".github/workflows/nightly-chaos.yml"' in PAGE.read_text()


def test_the_matrix_covers_every_shard_with_one_seed() -> None:
    wf = _workflow()
    shards = int(wf["env"]["SHARDS"])
    assert wf["jobs"]["shard"]["strategy"]["matrix"]["shard"] == list(range(1, shards + 1))
    (run,) = [s["run"] for s in wf["jobs"]["shard"]["steps"] if "--chaos-shard" in str(s.get("run", ""))]
    assert '--chaos-shard="$I/$SHARDS"' in run and '--chaos-seed="$SEED"' in run
    assert wf["jobs"]["shard"]["needs"] == "seed"  # every shard gets the one seed of the night
    uploads = [s for job in wf["jobs"].values() for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert any("nightly.html" in str(s["with"]["path"]) and "nightly.json" in str(s["with"]["path"]) for s in uploads)


def test_the_docs_commands_are_real_commands_of_the_cli_and_plugin(pytester: pytest.Pytester) -> None:
    from chaos.cli import main

    help_text = pytester.runpytest("--help").stdout.str()
    for line in _page_commands():
        words = line.split()
        if words[0] == "pytest":
            for opt in re.findall(r"(--chaos[\w-]*)", line):
                assert opt in help_text, f"{opt} is not an option of the plugin"
        else:
            with pytest.raises(SystemExit) as exc:
                main([words[1], "--help"])
            assert exc.value.code == 0
            for opt in re.findall(r"\s(--[\w-]+)", line):
                assert opt in subprocess.run([sys.executable, "-m", "chaos.cli", words[1], "--help"],
                                             capture_output=True, text=True).stdout, f"{words[1]} has no {opt}"
