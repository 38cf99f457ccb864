"""``python -m chaos.bench [--quick] [--json PATH]``: print the table, write the JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from chaos.bench.rows import FULL, QUICK, Row, run_all, suite_rows


def render(rows: list[Row]) -> str:
    """The rows with their targets, then the per-graph details."""
    lines = [f"{'row':<58} {'measured':<100} {'target':<34} ok", "-" * 198]
    for r in rows:
        ok = "-" if r.ok is None else ("yes" if r.ok else "NO")
        lines.append(f"{r.name:<58} {r.headline:<100} {r.target:<34} {ok}")
    for r in rows:
        if r.detail:
            lines.append("")
            lines.append(r.name)
            for d in r.detail:
                lines.append("  " + "  ".join(f"{k}={_fmt(v)}" for k, v in d.items()))
    return "\n".join(lines)


def _fmt(v: object) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chaos.bench", description="Measure the harness's overhead over the graph itself"
    )
    parser.add_argument(
        "--quick", action="store_true", help="Small counts: every row in a few seconds (numbers are rough)"
    )
    parser.add_argument(
        "--json", default="reports/bench.json", metavar="PATH",
        help="Where to write the results as JSON (default: reports/bench.json)",
    )
    parser.add_argument(
        "--rows", choices=("all", "suite"), default="all",
        help="'suite': only rows 7 to 12 (what a user's test suite pays)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started = time.perf_counter()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    progress = lambda m: print(f"... {m}", file=sys.stderr, flush=True)  # noqa: E731
    rows = run_all(plan, progress=progress) if args.rows == "all" else suite_rows(plan, progress)
    print(render(rows))
    elapsed = time.perf_counter() - started
    meta = {"quick": args.quick, "python": platform.python_version(), "cpus": os.cpu_count(),
            "loadavg_start": load, "loadavg_end": os.getloadavg() if load else None, "seconds": elapsed}
    print(f"\n{elapsed:.1f} s; load average {meta['loadavg_start']} -> {meta['loadavg_end']} on {meta['cpus']} cpus")
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": meta, "rows": [r.to_json() for r in rows]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
