"""``langgraph-chaos``: commands around reports.

    langgraph-chaos merge shard-1.json shard-2.json -o merged.json --html merged.html
    langgraph-chaos html report.json report.html [--against previous.json]
    langgraph-chaos diff previous.json report.json [--json] [--fail-on-missing] [--code-changed]
    langgraph-chaos history reports/

Shards of one nightly suite (``--chaos-shard=I/N`` on several machines) each write a JSON
report; ``merge`` checks they share a seed, refuses overlapping trials with different results,
and writes one JSON report (and optionally one HTML report) as if one machine had run it all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from chaos.report import ReportError, atomic_write, build_report, check_writable, read_report, write_report
from chaos.reporting.diff import DiffError


class MergeError(ReportError):
    """Shard reports that cannot be merged (different seeds, conflicting trials, bad files)."""


def merge_reports(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One report from the shards' reports (same seed; each trial id at most once)."""
    if not reports:
        raise MergeError("nothing to merge: give at least one report")
    seeds = {r.get("seed") for r in reports}
    if len(seeds) != 1:
        raise MergeError(
            f"the shards ran with different seeds {sorted(map(str, seeds))}; run every shard with "
            "the same --chaos-seed=N"
        )
    trials: dict[str, dict[str, Any]] = {}
    for report in reports:
        for trial in report.get("trials", []):
            seen = trials.get(trial["id"])
            if seen is not None and seen != trial:
                raise MergeError(f"trial {trial['id']!r} appears in two shards with different results")
            trials[trial["id"]] = trial
    seed = seeds.pop()
    if not isinstance(seed, int):
        raise MergeError(f"the shards have no integer seed ({seed!r}); merge reports written with --chaos-report")
    merged = build_report(seed, trials.values())
    findings = [f for r in reports for f in r.get("findings", [])]
    if findings:
        merged["findings"] = findings
    return merged


def _load(path: str) -> dict[str, Any]:
    """A checked report: anything else is a `ReportError` naming the file (exit status 2)."""
    return read_report(path)


def _load_json(path: str) -> Any:
    """JSON read from ``path`` (`ReportError` if unreadable); ``diff`` checks the shape itself."""
    import json
    from pathlib import Path

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return read_report(path)  # raises the named error for exactly this file


def _write_html(path: str, report: dict[str, Any]) -> None:
    from chaos.reporting import write_html

    write_html(path, report)


def _writable(path: str, option: str) -> None:
    """Refuse an output path before any work is done (a directory, a read-only place)."""
    check_writable(path, option)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="langgraph-chaos", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    merge = sub.add_parser("merge", help="Merge shard JSON reports into one JSON (and HTML) report")
    merge.add_argument("reports", nargs="+", help="JSON reports written with --chaos-report")
    merge.add_argument("-o", "--output", required=True, help="Path of the merged JSON report")
    merge.add_argument("--html", default=None, help="Also write the merged HTML report here")
    html = sub.add_parser("html", help="Render a JSON report as a self-contained HTML report")
    html.add_argument("report")
    html.add_argument("output")
    html.add_argument("--against", default=None, help="Also show what changed since this older JSON report")
    diff = sub.add_parser("diff", help="What changed between two reports of one suite; exit 1 if it regressed")
    diff.add_argument("old", help="The older JSON report (e.g. last night's)")
    diff.add_argument("new", help="The newer JSON report")
    diff.add_argument("--json", action="store_true", help="Print the comparison as JSON")
    diff.add_argument("--fail-on-missing", action="store_true", help="Trials missing from NEW count as a regression")
    diff.add_argument("--code-changed", action="store_true",
                      help="The code changed between the runs: a same-seed change is no determinism defect")
    history = sub.add_parser("history", help="How often each trial failed over the JSON reports in a folder")
    history.add_argument("folder", help="A folder of JSON reports, one per night (read in file-name order)")
    history.add_argument("--json", action="store_true", help="Print the history as JSON")
    history.add_argument("--all", action="store_true", help="List every trial, not only those that ever failed")
    args = parser.parse_args(argv)
    try:
        if args.command == "merge":
            _writable(args.output, "--output")
            if args.html:
                _writable(args.html, "--html")
            merged = merge_reports([_load(p) for p in args.reports])
            write_report(args.output, merged)
            if args.html:
                _write_html(args.html, merged)
            s = merged["summary"]
            extra = "".join(f", {s[k]} {k}" for k in ("inconclusive", "errors") if s.get(k))
            print(f"merged {len(args.reports)} reports: {s['trials']} trials, {s['failed']} failed{extra} -> {args.output}")
            from chaos.strictness import never_fired_across

            unfired = never_fired_across(merged["trials"])
            for scope, label in unfired:
                print(f"[faults_fired] {scope}: probabilistic fault {label!r} never fired in any trial", file=sys.stderr)
            if unfired or s["failed"] or s.get("inconclusive") or s.get("errors"):
                return 1
        elif args.command == "diff":
            from chaos.reporting.diff import diff_command

            text, status = diff_command(_load_json(args.old), _load_json(args.new), as_json=args.json,
                                        fail_on_missing=args.fail_on_missing, code_changed=args.code_changed)
            print(text)
            return status
        elif args.command == "history":
            from chaos.reporting.history import history_command

            print(history_command(args.folder, as_json=args.json, show_all=args.all))
        elif args.against:
            from chaos.reporting.diff import render_compared_html

            _writable(args.output, "output")
            page = render_compared_html(_load(args.report), _load(args.against))
            atomic_write(args.output, lambda fh: fh.write(page))
        else:
            _writable(args.output, "output")
            _write_html(args.output, _load(args.report))
    except (ReportError, DiffError) as exc:
        print(f"langgraph-chaos: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a write that failed after the checks (disk full, removed folder)
        print(f"langgraph-chaos: error: {exc.filename or ''}: cannot write it ({exc.strerror or exc})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
