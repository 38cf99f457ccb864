"""How often each trial failed over N nightly reports (``langgraph-chaos history DIR``).

One night's diff says what changed since the night before; the history says what keeps
happening. A nightly suite draws one new seed per night, so a trial that fails on some nights
and passes on others is not flaky in the determinism sense: its faults land differently under
each seed (a probabilistic fault, a fault that reaches a rare path). `load_history` reads every
JSON report under a folder, in file-name order (name them by date: ``2026-12-01.json``), and
`summarize_history` counts, per trial id, the nights it ran, failed (``fail`` or ``error``), was
inconclusive, and the seeds of its failures, so each one can be replayed with
``--chaos-seed=N``.

Two reports with the *same* seed are two runs of one experiment: a trial whose verdict differs
between them is a determinism defect, listed apart (see `chaos.reporting.diff`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos.reporting.diff import FAILING, DiffError, trial_index

__all__ = ["HistoryError", "Night", "TrialHistory", "format_history", "history_command", "load_history", "summarize_history"]


class HistoryError(DiffError):
    """A history folder that cannot be read (missing, empty, or holding a bad report)."""


@dataclass(frozen=True)
class Night:
    """One report of the history: its file name, seed and trials by id."""

    name: str
    seed: int | None
    trials: Mapping[str, Mapping[str, Any]]


@dataclass
class TrialHistory:
    """One trial across the nights it ran."""

    id: str
    runs: int = 0
    failed: int = 0
    inconclusive: int = 0
    #: The seeds of the nights it failed on (replay one with ``--chaos-seed=N``).
    failed_seeds: list[int | None] = field(default_factory=list)
    #: The verdict of the newest night it ran in.
    last: str | None = None
    #: Invariants violated, with how many nights each.
    invariants: dict[str, int] = field(default_factory=dict)
    #: Seeds under which this trial got different verdicts on different nights.
    nondeterministic_seeds: list[int] = field(default_factory=list)

    @property
    def failure_rate(self) -> float:
        return self.failed / self.runs if self.runs else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "runs": self.runs,
            "failed": self.failed,
            "inconclusive": self.inconclusive,
            "failure_rate": round(self.failure_rate, 4),
            "failed_seeds": self.failed_seeds,
            "last": self.last,
            "invariants": dict(sorted(self.invariants.items())),
            "nondeterministic_seeds": self.nondeterministic_seeds,
        }


def load_history(folder: str | Path) -> list[Night]:
    """Every JSON report under ``folder`` (recursively), in path order."""
    root = Path(folder)
    if not root.is_dir():
        raise HistoryError(f"{root}: not a folder; give the folder that holds the nightly JSON reports")
    paths = sorted(p for p in root.rglob("*.json") if p.is_file())
    if not paths:
        raise HistoryError(f"{root}: no *.json report in it; keep each night's --chaos-report there")
    nights = []
    for path in paths:
        name = str(path.relative_to(root))
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise HistoryError(f"{path}: cannot read it ({exc})") from None
        except json.JSONDecodeError as exc:
            raise HistoryError(f"{path}: not a JSON report ({exc.msg} at line {exc.lineno})") from None
        trials = trial_index(report, str(path))
        seed = report.get("seed")
        nights.append(Night(name, seed if isinstance(seed, int) else None, trials))
    return nights


def summarize_history(nights: Sequence[Night]) -> list[TrialHistory]:
    """Per trial: runs, failures, their seeds; the most often failing first, then by id."""
    table: dict[str, TrialHistory] = {}
    by_seed: dict[tuple[str, int], set[str]] = {}
    for night in nights:
        for tid, trial in night.trials.items():
            h = table.setdefault(tid, TrialHistory(tid))
            verdict = str(trial.get("verdict"))
            if verdict == "skipped":
                continue
            h.runs += 1
            h.last = verdict
            if verdict in FAILING:
                h.failed += 1
                h.failed_seeds.append(night.seed)
            elif verdict == "inconclusive":
                h.inconclusive += 1
            for name in {str(v.get("invariant")) for v in trial.get("violations") or [] if isinstance(v, Mapping)}:
                h.invariants[name] = h.invariants.get(name, 0) + 1
            if night.seed is not None:
                by_seed.setdefault((tid, night.seed), set()).add(verdict)
    for (tid, seed), verdicts in sorted(by_seed.items()):
        if len(verdicts) > 1:
            table[tid].nondeterministic_seeds.append(seed)
    return sorted(table.values(), key=lambda h: (-h.failed, -h.inconclusive, h.id))


def format_history(nights: Sequence[Night], rows: Iterable[TrialHistory], *, show_all: bool = False) -> str:
    """The history as text: one line per trial that ever failed (every trial with ``show_all``)."""
    rows = list(rows)
    seeds = [n.seed for n in nights]
    lines = [f"{len(nights)} reports, {len(rows)} trials; seeds: {', '.join(map(str, seeds))}"]
    shown = [h for h in rows if show_all or h.failed or h.inconclusive or h.nondeterministic_seeds]
    if not shown:
        lines.append("no trial failed in any report")
    width = max((len(h.id) for h in shown), default=0)
    for h in shown:
        line = f"  {h.id.ljust(width)}  failed {h.failed}/{h.runs} ({h.failure_rate:.0%})"
        if h.inconclusive:
            line += f", inconclusive {h.inconclusive}"
        if h.invariants:
            line += "; " + ", ".join(f"{k} x{v}" for k, v in sorted(h.invariants.items()))
        if h.failed_seeds:
            line += "; failed with seeds " + ", ".join(map(str, h.failed_seeds))
        lines.append(line)
    defects = [h for h in rows if h.nondeterministic_seeds]
    if defects:
        lines.append(f"determinism defects ({len(defects)}): same seed, different verdicts on different nights")
        lines += [f"  {h.id}: seeds {', '.join(map(str, h.nondeterministic_seeds))}" for h in defects]
    return "\n".join(lines)


def history_command(folder: str | Path, *, as_json: bool = False, show_all: bool = False) -> str:
    """What ``langgraph-chaos history DIR`` prints."""
    nights = load_history(folder)
    rows = summarize_history(nights)
    if as_json:
        return json.dumps(
            {"reports": [{"name": n.name, "seed": n.seed} for n in nights], "trials": [h.to_json() for h in rows]},
            indent=2, sort_keys=True,
        )
    return format_history(nights, rows, show_all=show_all)
