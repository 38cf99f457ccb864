"""``python -m chaos.bench --quick`` keeps working: twelve rows, positive numbers, valid JSON.

No timed assertions: the numbers depend on the machine and its load; only their shape is checked.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path


def test_the_quick_benchmark_prints_every_row_and_writes_positive_numbers(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "chaos.bench", "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    rows = data["rows"]
    assert [r["name"].split()[0] for r in rows] == [str(i) for i in range(1, 13)]
    for row in rows:
        assert row["target"] and row["name"] in proc.stdout
        if row["name"].startswith("11 main job"):  # two full pytest runs: not with --quick
            assert row["measured"] == {} and "not measured" in row["headline"]
            continue
        numbers = list(row["measured"].values())
        assert numbers, row["name"]
        for value in numbers:
            assert math.isfinite(value), (row["name"], value)
        if not row["name"].startswith("5 memory"):  # RSS can shrink between two samples
            assert all(v > 0 for v in numbers), (row["name"], row["measured"])
