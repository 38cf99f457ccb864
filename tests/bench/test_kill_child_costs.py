"""What made kill trials cheaper keeps their guarantees: a torn journal line is skipped, the
forkserver's warm-up leaves nothing behind, and the children report their CPU time."""

from __future__ import annotations

import glob
import importlib
import json
import tempfile
import threading
from pathlib import Path

from chaos.engine import child


def test_the_parent_reads_the_last_complete_snapshot_of_an_appended_journal(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    first, second = {"outcome": "unknown", "attempts": [1]}, {"outcome": "unknown", "attempts": [1, 2]}
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n" + '{"outcome": "unkn')  # killed mid-write
    assert child._read(path) == second
    path.write_text('{"torn')
    assert child._read(path) is None
    assert child._read(tmp_path / "missing.json") is None


def test_children_cpu_adds_what_each_child_reports() -> None:
    before = child.children_cpu
    assert child._account({"cpu": 0.25}) == {"cpu": 0.25}
    child._account({})  # an old journal without the field counts nothing
    assert abs(child.children_cpu - before - 0.25) < 1e-9


def test_the_forkserver_warm_up_leaves_no_thread_and_no_directory() -> None:
    threads = set(threading.enumerate())
    pattern = str(Path(tempfile.gettempdir()) / "langgraph-chaos-warm-*")
    dirs = set(glob.glob(pattern))
    import chaos.engine.warm as warm

    importlib.reload(warm)
    assert set(threading.enumerate()) == threads
    assert set(glob.glob(pattern)) == dirs
