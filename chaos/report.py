"""The JSON report (``--chaos-report=PATH``) and its schema.

The schema lives next to this module as ``report.schema.json`` and is part of the public
contract; `tests/test_report.py` validates written reports against it. Reports contain no
wall-clock timestamps, so the same seed gives byte-identical reports.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
SCHEMA_VERSION = 1


def build_report(seed: int, trials: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Assemble the report document from trial dicts (`TrialResult.to_json`), sorted by id."""
    ordered = sorted(trials, key=lambda t: t["id"])
    faults = Counter(
        a["fault_kind"] for t in ordered for a in t["journal"] if a.get("fault_kind")
    )
    violations = Counter(v["invariant"] for t in ordered for v in t["violations"])
    checked = Counter(name for t in ordered for name in t.get("checked", []))
    return {
        "schema_version": SCHEMA_VERSION,
        "seed": seed,
        "summary": {
            "trials": len(ordered),
            "passed": sum(t["verdict"] == "pass" for t in ordered),
            "failed": sum(t["verdict"] == "fail" for t in ordered),
            "faults_injected": dict(sorted(faults.items())),
            "violations": dict(sorted(violations.items())),
            "checked": dict(sorted(checked.items())),
        },
        "trials": ordered,
    }


def write_report(path: str | Path, report: dict[str, Any]) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, sort_keys=True, default=repr) + "\n")
    return out


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())
