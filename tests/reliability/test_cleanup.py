"""Everything the harness creates is removed: temporary directories and SQLite files.

``TMPDIR`` is pointed at an empty directory for each test, so anything left behind shows.
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaos import Chaos, faults
from chaos.examples import support
from chaos.savers import sqlite_saver_in


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "TMPDIR"
    root.mkdir()
    monkeypatch.setenv("TMPDIR", str(root))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    yield root
    tempfile.tempdir = None


def test_a_closed_sqlite_saver_removes_its_directory(tmpdir_env: Path) -> None:
    saver = sqlite_saver_in()
    folder = next(tmpdir_env.iterdir())
    assert (folder / "checkpoints.sqlite").exists()

    saver.close()

    assert list(tmpdir_env.iterdir()) == []


def test_a_saver_nobody_closes_is_removed_when_collected(tmpdir_env: Path) -> None:
    saver = sqlite_saver_in()
    assert list(tmpdir_env.iterdir())

    del saver
    gc.collect()

    assert list(tmpdir_env.iterdir()) == []


def test_a_directory_given_by_the_caller_is_left_in_place(tmp_path: Path) -> None:
    saver = sqlite_saver_in(tmp_path)
    saver.close()

    assert (tmp_path / "checkpoints.sqlite").exists()


def test_runs_of_the_chaos_harness_leave_nothing_under_tmpdir(tmpdir_env: Path) -> None:
    harness = Chaos(3, "cleanup")
    harness.inject(faults.exception(), node="search", attempts=[1])
    for _ in range(3):
        harness.run(support.builder, {"question": "q"}, raise_on_violation=False)
    harness.close()

    assert list(tmpdir_env.iterdir()) == []


KILL_SCRIPT = """
import os, sys
from pathlib import Path
from chaos import Chaos

harness = Chaos(1, "kill cleanup")
for node in ("search", "answer"):
    result = harness.kill("chaos.examples.support:builder", {"question": "q"}, node=node, raise_on_violation=False)
    assert result.verdict != "error", result.describe_failure()
harness.close()
# Still running: multiprocessing's own folder of the forkserver's socket may be there (it is
# removed when this process exits); nothing of the harness's may be.
left = [p.name for p in Path(os.environ["TMPDIR"]).iterdir() if not p.name.startswith("pymp-")]
print("LEFT", left)
"""


def run_kill_script(tmpdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", KILL_SCRIPT], env={**os.environ, "TMPDIR": str(tmpdir)},
                          capture_output=True, text=True, timeout=300)


def test_kill_trials_leave_nothing_under_tmpdir() -> None:
    # A short folder: the forkserver's socket lives under TMPDIR (see the test below).
    root = Path(tempfile.mkdtemp(prefix="lgc-", dir="/tmp"))
    try:
        done = run_kill_script(root)

        assert done.returncode == 0, done.stderr[-3000:]
        assert "LEFT []" in done.stdout  # the kill trials' work folders, their SQLite files
        assert list(root.iterdir()) == []  # and once the process exited, nothing at all
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_tmpdir_too_long_for_the_forkserver_socket_is_named_with_the_fix(tmp_path: Path) -> None:
    root = tmp_path / ("long-" * 24)
    root.mkdir()

    done = run_kill_script(root)

    assert done.returncode == 1
    assert "ChaosUsageError: kill trials cannot start their child processes: multiprocessing's forkserver " \
           "socket under TMPDIR=" in done.stderr
    assert "run with a shorter TMPDIR (TMPDIR=/tmp pytest ...)" in done.stderr
