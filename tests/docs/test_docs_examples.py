"""Every code example on the documentation site runs, as ``tests/plugin/test_docs.py`` runs the README's.

Each page gets a fresh folder: its titled blocks are written there as files, its untitled
python blocks run as one script, its ``test_*.py`` files run under ``pytest --chaos`` and must
pass, and its ``<!-- docs-test: run -->`` commands must exit as stated. A page that says
``<!-- docs-test: fragments REASON -->`` shows pieces of larger code: its untitled python
blocks must parse, and are not run. See ``pages.py`` for the
conventions.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.pages import DOCS, ROOT, Block, blocks, pages

RUNNABLE = [p for p in pages() if any(not b.skipped and (b.title or b.lang == "python" or b.directive) for b in blocks(p))]



def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT)])
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run(args: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=folder, env=_env(folder), capture_output=True, text=True, timeout=300)


def _command(line: str) -> list[str]:
    program, *args = shlex.split(line)
    if program == "pytest":
        return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    assert program == "langgraph-chaos", f"a docs-test run block may hold only pytest or langgraph-chaos commands: {line}"
    return [sys.executable, "-m", "chaos.cli", *args]


def test_every_skipped_example_says_why() -> None:
    for page in pages():
        for b in blocks(page):
            if b.skipped:
                assert b.directive and len(b.directive.split(None, 1)) == 2, f"{page}:{b.line}: skip without a reason"


@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(DOCS)) for p in RUNNABLE])
def test_the_pages_examples_run(page: Path, tmp_path: Path) -> None:
    where = f"{page.relative_to(ROOT)}"
    script: list[str] = []
    tests: list[str] = []
    # In page order, as a reader follows the page: a file shown again replaces the first
    # version, and a command runs against the files shown above it.
    for b in blocks(page):
        if b.skipped:
            continue
        if b.title:
            target = tmp_path / b.title
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(b.body)
            if target.suffix == ".py" and target.parent != tmp_path:
                (target.parent / "__init__.py").touch()
            if target.name.startswith("test_") and target.suffix == ".py" and b.title not in tests:
                tests.append(b.title)
        elif b.lang == "python":
            script.append(b.body)
        if b.directive and b.directive.startswith("run"):
            expect = 0
            for word in b.directive.split()[1:]:
                if word.startswith("exit="):
                    expect = int(word.removeprefix("exit="))
            for line in _lines(b):
                done = _run(_command(line), tmp_path)
                assert done.returncode == expect, (
                    f"{where}:{b.line}: `{line}` exited {done.returncode}, the page says {expect}:\n"
                    f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
                )

    fragments = re.search(r"<!-- docs-test: fragments (\S.*?) -->", page.read_text())
    if fragments:  # snippets of a larger graph, each shown for one point: they must parse
        for i, body in enumerate(script):
            compile(body, f"{where} python block {i + 1}", "exec")
        script = []
    if script:
        (tmp_path / "docs_page_script.py").write_text("\n\n".join(script))
        done = _run([sys.executable, "docs_page_script.py"], tmp_path)
        assert done.returncode == 0, f"{where}: its untitled python blocks failed:\n{done.stdout}\n{done.stderr}"
    if tests:
        done = _run([sys.executable, "-m", "pytest", "--chaos", "-p", "no:cacheprovider", "-p", "no:randomly",
                     "-q", *tests], tmp_path)
        assert done.returncode == 0, f"{where}: its test files failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"


def _lines(b: Block) -> list[str]:
    return [line.strip() for line in b.body.splitlines() if line.strip() and not line.lstrip().startswith("#")]
