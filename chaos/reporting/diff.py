"""What changed between two JSON reports of one suite (``langgraph-chaos diff OLD.json NEW.json``).

A nightly resilience suite is read every morning with one question: what changed since last
night? `diff_reports` answers it from two reports (``--chaos-report=PATH`` or a ``merge`` of
shards), trial by trial, matched by trial id:

- trials that newly fail (verdict ``fail`` or ``error`` now, not before), newly pass, or are
  newly inconclusive, and any other change of verdict (``fail`` to ``error``, to ``skipped``);
- for trials on both sides, the invariants whose violations appeared or went away;
- trials only one side has (the suite grew, shrank, or a shard was lost).

Each change carries both seeds. A change between runs with *different* seeds is marked "seed
changed": a new seed draws new faults, so a probabilistic fault may simply have landed
elsewhere. A change of verdict with the *same* seed is stated as a determinism defect: the
same seed must give the same faults, journal and verdict, so either the code under test
changed between the two runs or the trial is not deterministic (a race the harness does not
control). A determinism defect counts as a regression; when the code did change on purpose
(comparing a fix with the run that found the bug, on one seed), say so with
``--code-changed`` and the changes are classified as usual.

Verdicts are ``pass``, ``fail``, ``inconclusive`` (the harness could not judge, e.g. the
fault-free baseline failed), ``error`` (the harness itself failed) and ``skipped``; reports
written before ``inconclusive``/``error`` existed hold only ``pass``/``fail`` and compare the
same way.

`Diff.regressed` is true when a trial newly fails or is newly inconclusive, a trial that fails
on both sides violates an invariant it did not violate before, or a determinism defect was
found; the command then exits 1. Trials missing on the new side are a regression only with
``--fail-on-missing`` (a suite that drops trials on purpose is common; a lost shard is not).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FAILING",
    "VERDICTS",
    "Diff",
    "DiffError",
    "TrialChange",
    "diff_command",
    "diff_reports",
    "dumps",
    "format_diff",
    "render_compared_html",
    "render_diff_html",
    "trial_index",
    "write_compared_html",
]

#: Every verdict a report can hold (older reports use only the first two).
VERDICTS = ("pass", "fail", "inconclusive", "error", "skipped")
#: Verdicts that mean "this trial is red".
FAILING = frozenset({"fail", "error"})


class DiffError(ValueError):
    """Two reports that cannot be compared (not reports, or not of one suite)."""


@dataclass(frozen=True)
class TrialChange:
    """One trial whose verdict or violations differ between the old and the new report."""

    id: str
    old_verdict: str | None
    new_verdict: str | None
    old_seed: int | None
    new_seed: int | None
    #: Invariants violated now and not before, and the other way round.
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    #: The first new violation's message (what to read first), and the repro command.
    message: str | None = None
    repro: str | None = None

    @property
    def seed_changed(self) -> bool:
        """Whether the two runs drew their faults from different seeds."""
        return self.old_seed != self.new_seed

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "old_verdict": self.old_verdict,
            "new_verdict": self.new_verdict,
            "old_seed": self.old_seed,
            "new_seed": self.new_seed,
            "seed_changed": self.seed_changed,
            "added": list(self.added),
            "removed": list(self.removed),
            "message": self.message,
            "repro": self.repro,
        }


@dataclass(frozen=True)
class Diff:
    """The comparison of two reports of one suite; see the module docstring."""

    old_seed: int | None
    new_seed: int | None
    newly_failing: tuple[TrialChange, ...] = ()
    newly_passing: tuple[TrialChange, ...] = ()
    newly_inconclusive: tuple[TrialChange, ...] = ()
    #: Other changes of verdict (fail to error, to or from skipped, ...).
    other_changes: tuple[TrialChange, ...] = ()
    #: Trials whose verdict stayed but whose violated invariants changed.
    violations_changed: tuple[TrialChange, ...] = ()
    #: Same seed, different verdict: the same seed must give the same verdict.
    determinism_defects: tuple[TrialChange, ...] = ()
    #: invariant -> (trials violating it in the old report, in the new one), for those that moved.
    by_invariant: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    only_in_old: tuple[str, ...] = ()
    only_in_new: tuple[str, ...] = ()
    compared: int = 0

    @property
    def seed_changed(self) -> bool:
        return self.old_seed != self.new_seed

    @property
    def changed(self) -> bool:
        """Whether anything at all differs."""
        return bool(
            self.newly_failing or self.newly_passing or self.newly_inconclusive or self.other_changes
            or self.violations_changed or self.only_in_old or self.only_in_new
        )

    def regressed(self, *, missing: bool = False) -> bool:
        """Whether the new report is worse; ``missing=True`` counts trials the new one lost."""
        worse_violations = any(c.added and c.new_verdict in FAILING for c in self.violations_changed)
        return bool(
            self.newly_failing or self.newly_inconclusive or self.determinism_defects or worse_violations
            or (missing and self.only_in_old)
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``langgraph-chaos diff --json``); keys are stable."""
        def changes(cs: Iterable[TrialChange]) -> list[dict[str, Any]]:
            return [c.to_json() for c in cs]

        return {
            "old_seed": self.old_seed,
            "new_seed": self.new_seed,
            "seed_changed": self.seed_changed,
            "compared": self.compared,
            "regressed": self.regressed(),
            "newly_failing": changes(self.newly_failing),
            "newly_passing": changes(self.newly_passing),
            "newly_inconclusive": changes(self.newly_inconclusive),
            "other_changes": changes(self.other_changes),
            "violations_changed": changes(self.violations_changed),
            "determinism_defects": changes(self.determinism_defects),
            "by_invariant": {k: {"old": o, "new": n} for k, (o, n) in sorted(self.by_invariant.items())},
            "only_in_old": list(self.only_in_old),
            "only_in_new": list(self.only_in_new),
        }


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def trial_index(report: Mapping[str, Any], name: str = "report") -> dict[str, Mapping[str, Any]]:
    """The report's trials by id; `DiffError` naming ``name`` when it is not a report."""
    if not isinstance(report, Mapping) or not isinstance(report.get("trials"), list):
        raise DiffError(f"{name}: not a langgraph-chaos report (no 'trials' list); give a --chaos-report file")
    index: dict[str, Mapping[str, Any]] = {}
    for i, trial in enumerate(report["trials"]):
        if not isinstance(trial, Mapping) or not isinstance(trial.get("id"), str):
            raise DiffError(f"{name}: trials[{i}] has no string 'id'; the file is not a langgraph-chaos report")
        index[trial["id"]] = trial
    return index


def _violated(trial: Mapping[str, Any]) -> Counter[str]:
    return Counter(str(v.get("invariant")) for v in trial.get("violations") or [] if isinstance(v, Mapping))


def _seed(trial: Mapping[str, Any], report: Mapping[str, Any]) -> int | None:
    own = _as_int(trial.get("seed"))
    return own if own is not None else _as_int(report.get("seed"))


def _first_message(trial: Mapping[str, Any], invariants: Iterable[str]) -> str | None:
    wanted = set(invariants)
    for v in trial.get("violations") or []:
        if isinstance(v, Mapping) and (not wanted or v.get("invariant") in wanted):
            return f"[{v.get('invariant')}] {v.get('message')}"
    error = trial.get("error")
    return f"the run ended with {error}" if error else None


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any], *, code_changed: bool = False) -> Diff:
    """Compare two reports of one suite, trial by trial (see the module docstring).

    ``code_changed=True`` says the code under test changed between the two runs, so a verdict
    that changed under the same seed is an ordinary change, not a determinism defect.
    """
    old_trials, new_trials = trial_index(old, "OLD"), trial_index(new, "NEW")
    common = sorted(old_trials.keys() & new_trials.keys())
    if old_trials and new_trials and not common:
        raise DiffError(
            "the two reports share no trial id, so they are not reports of one suite; compare a "
            "night's report with the previous night's of the same suite"
        )
    buckets: dict[str, list[TrialChange]] = {
        k: [] for k in ("failing", "passing", "inconclusive", "other", "violations", "determinism")
    }
    old_count: Counter[str] = Counter()
    new_count: Counter[str] = Counter()
    for tid in common:
        o, n = old_trials[tid], new_trials[tid]
        ov, nv = str(o.get("verdict")), str(n.get("verdict"))
        o_inv, n_inv = _violated(o), _violated(n)
        old_count.update(o_inv.keys())
        new_count.update(n_inv.keys())
        added = tuple(sorted(n_inv.keys() - o_inv.keys()))
        removed = tuple(sorted(o_inv.keys() - n_inv.keys()))
        if ov == nv and not added and not removed:
            continue
        change = TrialChange(
            id=tid, old_verdict=ov, new_verdict=nv, old_seed=_seed(o, old), new_seed=_seed(n, new),
            added=added, removed=removed,
            message=_first_message(n, added) if nv != "pass" else None,
            repro=n.get("repro") if isinstance(n.get("repro"), str) else None,
        )
        if ov == nv:
            buckets["violations"].append(change)
            continue
        if not change.seed_changed and not code_changed:
            buckets["determinism"].append(change)
        if nv in FAILING and ov not in FAILING:
            buckets["failing"].append(change)
        elif nv == "pass":
            buckets["passing"].append(change)
        elif nv == "inconclusive":
            buckets["inconclusive"].append(change)
        else:
            buckets["other"].append(change)
    by_invariant = {
        name: (old_count[name], new_count[name])
        for name in sorted(old_count.keys() | new_count.keys())
        if old_count[name] != new_count[name]
    }
    return Diff(
        old_seed=_as_int(old.get("seed")),
        new_seed=_as_int(new.get("seed")),
        newly_failing=tuple(buckets["failing"]),
        newly_passing=tuple(buckets["passing"]),
        newly_inconclusive=tuple(buckets["inconclusive"]),
        other_changes=tuple(buckets["other"]),
        violations_changed=tuple(buckets["violations"]),
        determinism_defects=tuple(buckets["determinism"]),
        by_invariant=by_invariant,
        only_in_old=tuple(sorted(old_trials.keys() - new_trials.keys())),
        only_in_new=tuple(sorted(new_trials.keys() - old_trials.keys())),
        compared=len(common),
    )


def _change_line(c: TrialChange) -> str:
    seeds = f"seed {c.old_seed} -> {c.new_seed}, seed changed" if c.seed_changed else f"seed {c.new_seed}"
    parts = [f"  {c.id}: {c.old_verdict} -> {c.new_verdict} ({seeds})"]
    if c.added:
        parts.append(f"    now violates: {', '.join(c.added)}")
    if c.removed:
        parts.append(f"    no longer violates: {', '.join(c.removed)}")
    if c.message:
        parts.append(f"    {c.message}")
    if c.repro and c.repro not in (c.message or ""):
        parts.append(f"    reproduce: {c.repro}")
    return "\n".join(parts)


def format_diff(diff: Diff, *, missing: bool = False) -> str:
    """The comparison as text, most urgent first; ends with the one-line verdict."""
    seeds = (
        f"old seed {diff.old_seed}, new seed {diff.new_seed} (seed changed: a new seed draws new faults)"
        if diff.seed_changed
        else f"seed {diff.new_seed} on both sides (same seed: every verdict must be the same)"
    )
    lines = [f"compared {diff.compared} trials; {seeds}"]
    sections: Sequence[tuple[str, Sequence[TrialChange]]] = (
        ("newly failing", diff.newly_failing),
        ("newly inconclusive", diff.newly_inconclusive),
        ("violations changed (same verdict)", diff.violations_changed),
        ("other verdict changes", diff.other_changes),
        ("newly passing", diff.newly_passing),
    )
    if diff.determinism_defects:
        lines.append(
            f"determinism defects ({len(diff.determinism_defects)}): same seed, different verdict; either the "
            "code under test changed between the runs or these trials are not deterministic"
        )
        lines += [f"  {c.id}: {c.old_verdict} -> {c.new_verdict} (seed {c.new_seed})" for c in diff.determinism_defects]
    for title, changes in sections:
        if changes:
            lines.append(f"{title} ({len(changes)}):")
            lines += [_change_line(c) for c in changes]
    if diff.by_invariant:
        lines.append("violations by invariant (trials, old -> new):")
        lines += [f"  {name}: {o} -> {n}" for name, (o, n) in diff.by_invariant.items()]
    for title, ids in (("only in the old report", diff.only_in_old), ("only in the new report", diff.only_in_new)):
        if ids:
            lines.append(f"{title} ({len(ids)}):")
            lines += [f"  {tid}" for tid in ids]
    if diff.regressed(missing=missing):
        lines.append("REGRESSED")
    elif diff.changed:
        lines.append("changed, no regression")
    else:
        lines.append("no change")
    return "\n".join(lines)


def render_diff_html(diff: Diff) -> str:
    """The comparison as one HTML section for the report page (``html --against``).

    Uses the page's own panel and badge styles (the page's Content-Security-Policy allows only
    its own stylesheet) and escapes every string, as the page does: a report is untrusted input.
    """
    from chaos.reporting.html import _esc

    def badge(verdict: str | None) -> str:
        v = verdict or "none"
        return f'<span class="badge {_esc(v)}">{_esc(v.upper())}</span>'

    seeds = (
        f"seed {_esc(diff.old_seed)} &rarr; {_esc(diff.new_seed)} (seed changed)"
        if diff.seed_changed
        else f"seed {_esc(diff.new_seed)} on both sides"
    )
    verdict = "regressed" if diff.regressed() else ("changed, no regression" if diff.changed else "no change")
    out = [
        '<section class="panel compare" aria-label="comparison">',
        f"<h2>Compared with the previous report: {_esc(verdict)}</h2>",
        f'<p class="sub">{diff.compared} trials on both sides; {seeds}</p>',
    ]
    groups: Sequence[tuple[str, Sequence[TrialChange]]] = (
        ("Determinism defects (same seed, different verdict)", diff.determinism_defects),
        ("Newly failing", diff.newly_failing),
        ("Newly inconclusive", diff.newly_inconclusive),
        ("Violations changed", diff.violations_changed),
        ("Other verdict changes", diff.other_changes),
        ("Newly passing", diff.newly_passing),
    )
    for title, changes in groups:
        if not changes:
            continue
        out.append(f"<h3>{_esc(title)} ({len(changes)})</h3><table><tbody>")
        for c in changes:
            note = []
            if c.added:
                note.append("now violates " + ", ".join(c.added))
            if c.removed:
                note.append("no longer violates " + ", ".join(c.removed))
            if c.seed_changed:
                note.append("seed changed")
            out.append(
                f'<tr><td class="mono">{_esc(c.id)}</td><td>{badge(c.old_verdict)} &rarr; {badge(c.new_verdict)}</td>'
                f"<td>{_esc('; '.join(note))}</td></tr>"
            )
        out.append("</tbody></table>")
    if diff.by_invariant:
        out.append("<h3>Violations by invariant (trials, old &rarr; new)</h3><table><tbody>")
        out += [
            f'<tr><td class="mono">{_esc(name)}</td><td>{o} &rarr; {n}</td></tr>'
            for name, (o, n) in diff.by_invariant.items()
        ]
        out.append("</tbody></table>")
    for title, ids in (("Only in the previous report", diff.only_in_old), ("Only in this report", diff.only_in_new)):
        if ids:
            out.append(f"<h3>{_esc(title)} ({len(ids)})</h3><ul>")
            out += [f'<li class="mono">{_esc(tid)}</li>' for tid in ids]
            out.append("</ul>")
    out.append("</section>")
    return "".join(out)


def render_compared_html(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    """The HTML page of ``new`` with its comparison against ``old`` above the trials."""
    from chaos.reporting.html import render_html

    page = render_html(new)
    # The comparison goes right before the trial list, after the summary panels: the page's
    # layout is the HTML module's, and this anchor is the one place it names the trial list.
    anchor = '<section aria-label="trials">'
    if anchor not in page:  # pragma: no cover - guarded by the tests of this module
        raise RuntimeError("the HTML report has no trial list to put the comparison before")
    return page.replace(anchor, render_diff_html(diff_reports(old, new)) + anchor, 1)


def dumps(diff: Diff) -> str:
    """``diff.to_json()`` as stable JSON text."""
    return json.dumps(diff.to_json(), indent=2, sort_keys=True)


def diff_command(old: Mapping[str, Any], new: Mapping[str, Any], *, as_json: bool = False,
                 fail_on_missing: bool = False, code_changed: bool = False) -> tuple[str, int]:
    """What ``langgraph-chaos diff`` prints and its exit status: 1 if regressed, else 0."""
    diff = diff_reports(old, new, code_changed=code_changed)
    text = dumps(diff) if as_json else format_diff(diff, missing=fail_on_missing)
    return text, int(diff.regressed(missing=fail_on_missing))


def write_compared_html(path: str | Path | None, new: Mapping[str, Any], old_path: str | Path) -> str:
    """Write ``new``'s HTML page compared with the report at ``old_path`` (``--chaos-compare-to``).

    Returns one line for the terminal summary (with ``path=None`` only that line is made). An old report that cannot be read or compared
    never loses tonight's page: the page is written without the comparison and the line says
    why.
    """
    from chaos.report import atomic_write
    from chaos.reporting.html import write_html

    try:
        old = json.loads(Path(old_path).read_text(encoding="utf-8"))
        page = render_compared_html(new, old)
        diff = diff_reports(old, new)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, DiffError) as exc:
        if path is not None:
            write_html(path, new)
        return f"compared with {old_path}: not compared ({exc})"
    if path is not None:
        atomic_write(path, lambda fh: fh.write(page))
    counts = (
        f"{len(diff.newly_failing)} newly failing, {len(diff.newly_inconclusive)} newly inconclusive, "
        f"{len(diff.newly_passing)} newly passing, {len(diff.determinism_defects)} determinism defects"
    )
    verdict = "REGRESSED" if diff.regressed() else ("changed" if diff.changed else "no change")
    return f"compared with {old_path}: {verdict}: {counts} (details: langgraph-chaos diff {old_path} REPORT.json)"
