"""Everything the harness creates is removed: temporary directories and SQLite files.

``TMPDIR`` is pointed at an empty directory for each test, so anything left behind shows.
"""

from __future__ import annotations

import gc
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
