"""Report files are untrusted input, and writing one never loses the run.

``langgraph-chaos merge`` / ``html`` on malformed, truncated or mismatched JSON name the file
and what is wrong with it, and exit with status 2, never with a traceback. Reports are written
atomically, and a path that cannot take a report is refused before any work is done.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chaos.cli import main
from chaos.report import (
    ReportError,
    TrialLog,
    build_report,
    check_writable,
    read_report,
    write_report,
)
from tests.reporting.real_reports import real_report

BAD_REPORTS: list[tuple[str, bytes, str]] = [
    ("a-list", b"[]", "holds a JSON array, not an object"),
    ("an-empty-object", b"{}", "it has no 'schema_version'"),
    ("a-future-version", json.dumps({"schema_version": 2, "seed": 1, "trials": []}).encode(),
     "unknown report schema_version 2; this langgraph-chaos reads version 1"),
    ("truncated", json.dumps(real_report()).encode()[:500], "not a JSON report, or a truncated one"),
    ("empty", b"", "the file is empty"),
    ("not-utf8", b"\xff\xfe{\x00", "not UTF-8"),
    ("a-string-seed", json.dumps({"schema_version": 1, "seed": "x", "trials": []}).encode(), "'seed' must be an integer"),
    ("trials-not-a-list", json.dumps({"schema_version": 1, "seed": 1, "trials": {}}).encode(),
     "'trials' must be a list of trial records, not object"),
    ("a-trial-that-is-a-number", json.dumps({"schema_version": 1, "seed": 1, "trials": [3]}).encode(),
     "trials[0] must be an object, not number"),
    ("an-unknown-verdict",
     json.dumps({"schema_version": 1, "seed": 1, "trials": [{"id": "a", "verdict": "maybe"}]}).encode(),
     "unknown verdict 'maybe'"),
    ("a-journal-of-strings",
     json.dumps({"schema_version": 1, "seed": 1, "trials": [{"id": "a", "verdict": "pass", "journal": ["x"]}]}).encode(),
     "'journal' must be a list of objects"),
]


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(("name", "content", "message"), BAD_REPORTS, ids=[b[0] for b in BAD_REPORTS])
def test_reading_a_bad_report_names_the_file_and_the_problem(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = _write(tmp_path, name, content)

    with pytest.raises(ReportError) as info:
        read_report(path)

    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_a_directory_or_a_missing_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="is a directory, not a JSON report"):
        read_report(tmp_path)
    with pytest.raises(ReportError, match="cannot read it"):
        read_report(tmp_path / "missing.json")


def test_a_real_report_reads_back_unchanged(tmp_path: Path) -> None:
    report = real_report()
    path = write_report(tmp_path / "r.json", report)

    assert read_report(path) == json.loads(json.dumps(report, default=repr))


@pytest.mark.parametrize("command", ["merge", "html"])
@pytest.mark.parametrize(("name", "content", "message"), BAD_REPORTS, ids=[b[0] for b in BAD_REPORTS])
def test_the_commands_exit_2_with_a_named_error_on_a_bad_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, name: str, content: bytes, message: str
) -> None:
    path = _write(tmp_path, name, content)
    out = tmp_path / "out.json"
    argv = ["merge", str(path), "-o", str(out)] if command == "merge" else ["html", str(path), str(out)]

    status = main(argv)

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("langgraph-chaos: error: ")
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


def test_merge_refuses_shards_with_different_results_for_one_trial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = real_report()
    two = json.loads(json.dumps(one))
    two["trials"][0]["verdict"] = "fail" if two["trials"][0]["verdict"] == "pass" else "pass"
    paths = [write_report(tmp_path / "1.json", one), write_report(tmp_path / "2.json", two)]

    status = main(["merge", *map(str, paths), "-o", str(tmp_path / "m.json")])

    assert status == 2
    assert "appears in two shards with different results" in capsys.readouterr().err


def test_merge_refuses_an_output_that_is_a_directory_before_reading_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["merge", str(tmp_path / "missing.json"), "-o", str(tmp_path)])

    err = capsys.readouterr().err
    assert status == 2
    assert f"--output={tmp_path}: is a directory; give a file path" in err


def test_the_console_script_prints_no_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, "list", b"[]")

    done = subprocess.run(
        [sys.executable, "-c", "import sys; from chaos.cli import main; sys.exit(main())",
         "html", str(path), str(tmp_path / "o.html")],
        capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "holds a JSON array, not an object" in done.stderr


# -- writing ------------------------------------------------------------------------------------


def test_a_report_path_under_a_file_or_at_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")

    with pytest.raises(ReportError, match=r"--chaos-report=.*: is a directory; give a file path"):
        check_writable(tmp_path, "--chaos-report")
    with pytest.raises(ReportError, match=r"--chaos-html=.*file.txt/r.html: cannot write there"):
        check_writable(tmp_path / "file.txt" / "r.html", "--chaos-html")
    check_writable(tmp_path / "new" / "r.json", "--chaos-report")  # creates the folder, leaves no probe
    assert list((tmp_path / "new").iterdir()) == []


def test_a_failed_write_keeps_the_previous_report_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = write_report(tmp_path / "r.json", build_report(1, []))
    before = path.read_bytes()

    class Unserializable:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_report(path, {"schema_version": 1, "seed": 1, "trials": [Unserializable()]})

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_the_streamed_report_is_byte_identical_to_the_built_one(tmp_path: Path) -> None:
    trials: list[dict[str, Any]] = list(reversed(real_report()["trials"]))
    log = TrialLog(7, spool=True)
    for t in trials:
        log.add(t)

    streamed = log.write_json(tmp_path / "streamed.json", {"audit": [{"target": "x"}]})
    built = build_report(7, trials)
    built["audit"] = [{"target": "x"}]
    log.close()

    assert streamed.read_bytes() == write_report(tmp_path / "built.json", built).read_bytes()
    assert log.summary() == built["summary"]


def test_ids_that_tie_or_hold_unicode_keep_the_built_reports_order(tmp_path: Path) -> None:
    # The log packs ids into one buffer; sorting must be the built report's (stable, by id).
    trials = [{"id": i, "verdict": "pass", "n": n, "journal": [], "violations": []}
              for n, i in enumerate(["b", "ä#1", "a", "b", "a#10", "a#2", "ü", "a"])]
    log = TrialLog(3, spool=True)
    for t in trials:
        log.add(t)

    streamed = log.write_json(tmp_path / "streamed.json")
    log.close()

    assert streamed.read_bytes() == write_report(tmp_path / "built.json", build_report(3, trials)).read_bytes()


def test_every_repro_line_is_kept_in_order_with_only_the_first_ones_in_memory() -> None:
    log = TrialLog(1, spool=False)
    for n in range(25):
        log.add({"id": f"t{n:02}", "verdict": "pass" if n % 5 == 0 else "fail", "repro": f"pytest t{n:02}",
                 "journal": [], "violations": []})

    every = list(log.needs_attention())
    assert [tid for tid, _v, _r in every] == [f"t{n:02}" for n in range(25) if n % 5]
    assert every[-1] == ("t24", "fail", "pytest t24") and log.attention_count == 20
    assert list(log.needs_attention(limit=3)) == every[:3]
    assert len(log._attention) == TrialLog.ATTENTION_KEPT  # the rest are in its file
    log.close()


def test_inconclusive_and_errored_trials_are_counted_apart_and_never_as_passes() -> None:
    trials = [
        {"id": "a", "verdict": "pass", "journal": [], "violations": []},
        {"id": "b", "verdict": "inconclusive", "journal": [], "violations": []},
        {"id": "c", "verdict": "error", "journal": [], "violations": []},
        {"id": "d", "verdict": "fail", "journal": [], "violations": [{"invariant": "liveness"}]},
    ]

    summary = build_report(1, trials)["summary"]

    assert (summary["trials"], summary["passed"], summary["failed"]) == (4, 1, 1)
    assert (summary["inconclusive"], summary["errors"]) == (1, 1)
