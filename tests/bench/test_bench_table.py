"""The README's performance table is generated from the committed benchmark JSON, never edited by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaos.bench import table


def test_the_readme_and_the_performance_page_show_the_committed_json() -> None:
    data = json.loads(table.JSON_PATH.read_text())
    want = table.render(data)
    for page in table.PAGES:
        assert table.block(page.read_text()) == want, (
            f"{page.name}: the performance table does not match {table.JSON_PATH.name}; "
            "run python -m chaos.bench.table"
        )
    assert table.main(["--check"]) == 0


def test_the_committed_json_has_every_row_with_its_target() -> None:
    rows = json.loads(table.JSON_PATH.read_text())["rows"]
    assert [r["name"].split()[0] for r in rows] == [str(i) for i in range(1, 13)]
    for row in rows:
        assert row["target"] and row["headline"] and row["measured"], row["name"]
        if "CPU" in row["target"]:
            assert "wall" in row["headline"], f"{row['name']}: print the wall time next to the CPU time"


def test_a_stale_table_is_reported_and_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"intro\n{table.START}\n| old | numbers |\n{table.END}\nrest\n")
    monkeypatch.setattr(table, "PAGES", (page,))
    assert table.main(["--check"]) == 1
    assert table.main([]) == 0
    assert table.main(["--check"]) == 0
    text = page.read_text()
    assert text.startswith("intro\n") and text.endswith("rest\n") and "old" not in text


def test_cells_cannot_break_the_table_and_a_page_without_markers_is_an_error() -> None:
    out = table.render({"meta": {}, "rows": [{"name": "x", "headline": "a | b", "target": "t", "ok": False}]})
    assert "a \\| b" in out and "**no**" in out
    with pytest.raises(SystemExit, match="no <!-- performance-table -->"):
        table.replace_block("no markers", out, "README.md")


def test_the_bench_measures_the_readmes_main_job_command() -> None:
    from chaos.bench.suite_rows import MAIN_JOB_FLAGS

    readme = table.PAGES[0].read_text()
    command = next(line for line in readme.splitlines() if "pytest --chaos scenarios/" in line)
    assert " ".join(MAIN_JOB_FLAGS) in command and " -n " not in command
