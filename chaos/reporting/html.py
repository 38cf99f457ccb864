"""The JSON report as one self-contained HTML page that people read.

``render_html(report)`` turns the document `chaos.report.build_report` writes (or a merge of
several) into a single page: the summary first (seed, counts, faults injected by kind,
invariants violated, audit findings), then one collapsed entry per trial, failed trials first,
with a filter (all / failed / passed / text). An opened trial shows its violations in red, the
repro command with a copy button, and a timeline of the chaos run on the trial's (simulated)
time axis, drawn as inline SVG.

Why the timelines are drawn by inline JavaScript from an embedded JSON blob rather than in
Python: a merged report can hold thousands of trials, and thousands of SVGs would make the page
slow to open. The blob costs one ``JSON.parse``; a timeline is drawn only when its trial is
opened. Everything else (summary, verdicts, violations, repro) is plain HTML, readable with
JavaScript off and findable with the browser's search.

The page is self-contained and loads nothing: CSS, JavaScript and SVG are inline, and a
Content-Security-Policy with ``default-src 'none'`` (scripts and the stylesheet allowed by
hash) makes the browser refuse any load a future change might add, and refuse to run any script
that got in through report data. No ``://`` appears in the document at all: report strings are
escaped so that URLs in data (HTTP records, messages) cannot be mistaken for, or become, links.

Output is deterministic: the same report gives the same bytes (no timestamps, sorted keys).

A report is untrusted input (reports get shared, and a JSON file is easy to edit): every field
is escaped on both sides (`_esc` here, ``esc``/``num``/``int`` in the page script), records that
are not objects are skipped, counts that are not numbers show as ``?``, and the trials are
redacted again (`chaos.http.redact.redact_json`), so a report written by an older version
shows no credential either.

Command line (the ``langgraph-chaos`` console script wraps `main`)::

    python -m chaos.reporting.html reports/chaos.json reports/chaos.html
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chaos.http.redact import redact_json
from chaos.reporting.assets import GUARD_SCRIPT, MAIN_SCRIPT, STYLE

__all__ = ["main", "render_html", "write_html"]

#: Journal fields the timeline and the attempts table use (the rest stay in the JSON report).
_ATTEMPT_KEYS = (
    "node", "task", "attempt", "step", "start", "end", "outcome",
    "error", "error_message", "timeout_kind", "fault", "fault_kind",
)
_OUTCOMES = ("ok", "error", "timeout", "cancelled", "cached", "aborted", "interrupted", "unknown")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# Scripts and the stylesheet are allowed by hash, not 'unsafe-inline': even if report data
# slipped past escaping, a script it smuggled in would not run.
_CSP = (
    "default-src 'none'; "
    f"script-src {_csp_hash(GUARD_SCRIPT)} {_csp_hash(MAIN_SCRIPT)}; "
    f"style-src {_csp_hash(STYLE)}; "
    "base-uri 'none'; form-action 'none'"
)


def _esc(value: Any) -> str:
    """HTML-escape text or an attribute value, and break every ``//`` so no URL stays whole."""
    return html.escape(str(value), quote=True).replace("//", "&#47;&#47;")


def _json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``//``.

    ``<``, ``>``, ``&`` and ``/`` occur only inside JSON strings, where their ``\\u``/``\\/``
    escapes decode back to the same characters, so replacing them everywhere is lossless.
    """
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("/", "\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def _records(value: Any) -> list[Mapping[str, Any]]:
    """The objects in a report list (a tampered report may hold anything else: skipped)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _int(value: Any) -> int | str:
    """A count from the report, or ``?`` when a tampered report holds something else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "?"
    return int(value)


def _secs(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "—"
    return f"{value:.3f}".rstrip("0").rstrip(".") + " s"


def _trial_data(trial: Mapping[str, Any]) -> dict[str, Any]:
    """What the timeline of one trial needs; ``None`` fields are dropped to keep the blob small."""
    journal = [
        {k: a.get(k) for k in _ATTEMPT_KEYS if a.get(k) is not None or k == "end"}
        for a in _records(trial.get("journal"))
    ]
    return {
        "id": trial.get("id"),
        "clock": trial.get("clock") or "simulated",
        "journal": journal,
        "events": [{k: v for k, v in e.items() if v is not None} for e in _records(trial.get("events"))],
        "http": [
            {k: h.get(k) for k in ("node", "task", "attempt", "method", "url", "time", "status", "error", "fault")
             if h.get(k) is not None}
            for h in _records(trial.get("http"))
        ],
        "violations": [
            {k: v.get(k) for k in ("invariant", "message", "node", "time", "task", "attempt") if v.get(k) is not None}
            for v in _records(trial.get("violations"))
        ],
    }


def _summary(report: Mapping[str, Any], trials: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The report's own summary, or one computed from the trials when it is missing."""
    given = report.get("summary")
    if isinstance(given, Mapping) and {"trials", "passed", "failed"} <= given.keys():
        out = dict(given)
    else:
        faults = Counter(
            str(a.get("fault_kind")) for t in trials for a in _records(t.get("journal")) if a.get("fault_kind")
        )
        viols = Counter(str(v.get("invariant")) for t in trials for v in _records(t.get("violations")))
        out = {
            "trials": len(trials),
            "passed": sum(t.get("verdict") == "pass" for t in trials),
            "failed": sum(t.get("verdict") == "fail" for t in trials),
            "faults_injected": dict(faults),
            "violations": dict(viols),
        }
    for key, verdict in (("inconclusive", "inconclusive"), ("errors", "error")):
        if key not in out:  # a report written before these verdicts existed
            out[key] = sum(t.get("verdict") == verdict for t in trials)
    return out


def _count_table(title: str, counts: Mapping[str, Any], empty: str, css: str) -> str:
    items = counts.items() if isinstance(counts, Mapping) else ()
    rows = sorted(
        ((str(k), n) for k, v in items if isinstance(n := _int(v), int)), key=lambda kv: (-kv[1], kv[0])
    )
    out = [f'<section class="panel {css}"><h2>{_esc(title)}</h2>']
    if not rows:
        out.append(f'<p class="{"none" if css == "viol" else "empty"}">{_esc(empty)}</p></section>')
        return "".join(out)
    top = max(max(v for _, v in rows), 1)
    out.append("<table><tbody>")
    for name, n in rows:
        width = f"{100 * n / top:.1f}"
        out.append(
            f'<tr><td class="mono">{_esc(name)}</td><td class="num">{n}</td><td class="barcell">'
            f'<svg class="hbar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
            f'<rect x="0" y="0" width="{width}" height="10" rx="2"></rect></svg></td></tr>'
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _findings(findings: Iterable[Any]) -> str:
    rows = _records(list(findings))
    out = [f'<section class="panel findings"><h2>Audit findings ({len(rows)})</h2>']
    if not rows:
        out.append('<p class="none">No findings.</p></section>')
        return "".join(out)
    out.append(
        "<table><thead><tr><th>severity</th><th>code</th><th>node</th><th>finding</th><th>fix</th>"
        "</tr></thead><tbody>"
    )
    for f in rows:
        sev = str(f.get("severity") or "")
        out.append(
            f'<tr><td class="sev-{_esc(sev.lower())}">{_esc(sev)}</td><td class="mono">{_esc(f.get("code") or "")}</td>'
            f'<td class="mono">{_esc(f.get("node") or "")}</td><td>{_esc(f.get("message") or "")}</td>'
            f'<td>{_esc(f.get("fix") or "")}</td></tr>'
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _fault_label(inj: Mapping[str, Any]) -> str:
    fault = inj.get("fault") or {}
    kind = fault.get("kind", "?") if isinstance(fault, Mapping) else str(fault)
    return f"{kind} → {inj.get('node', '*')}"


#: Verdicts as the page shows them (anything else in a tampered report shows as ``error``).
_VERDICTS = ("pass", "fail", "inconclusive", "error")


def _verdict(t: Mapping[str, Any]) -> str:
    v = t.get("verdict")
    return v if isinstance(v, str) and v in _VERDICTS else "error"


def _trial_html(i: int, t: Mapping[str, Any]) -> str:
    verdict = _verdict(t)
    tid = str(t.get("id", f"trial {i}"))
    violations = _records(t.get("violations"))
    faults = _records(t.get("faults"))
    labels = [_fault_label(f) for f in faults]
    outcome = t.get("outcome")
    search = " ".join(
        [tid, str(t.get("target", "")), verdict, str(outcome or "")]
        + labels + [str(v.get("invariant", "")) for v in violations]
    ).lower()
    tags = []
    if labels:
        tags.append("faults: " + ", ".join(labels))
    if outcome and outcome != "ok":
        tags.append(f"run ended: {outcome}")
    if violations:
        names = sorted({str(v.get("invariant", "?")) for v in violations})
        tags.append(f"{len(violations)} violation{'s' if len(violations) != 1 else ''}: {', '.join(names)}")
    out = [
        f'<details class="trial {verdict}" id="t-{i}" data-i="{i}" data-verdict="{verdict}" data-search="{_esc(search)}">',
        f'<summary><span class="badge {verdict}">{verdict.upper()}</span><span class="tid">{_esc(tid)}</span>',
        f'<span class="tags">{_esc(" · ".join(tags))}</span></summary><div class="tbody">',
    ]
    if violations:
        out.append('<ul class="violations">')
        for v in violations:
            where = []
            if v.get("node"):
                where.append(f"node {v['node']}")
            if v.get("task"):
                where.append(f"task {v['task']}" + (f" attempt {v['attempt']}" if v.get("attempt") else ""))
            if isinstance(v.get("time"), (int, float)):
                where.append(f"at {_secs(v['time'])}")
            suffix = f" ({', '.join(where)})" if where else ""
            out.append(f'<li><b>{_esc(v.get("invariant", "?"))}</b>{_esc(suffix)}: {_esc(v.get("message", ""))}</li>')
        out.append("</ul>")
    repro = t.get("repro")
    if repro:
        out.append(
            f'<div class="repro"><pre id="r-{i}" aria-label="command that reproduces this trial">{_esc(repro)}</pre>'
            f'<button type="button" class="copy" data-for="r-{i}">Copy</button></div>'
        )
    meta: list[tuple[str, str]] = [("target", str(t.get("target", ""))), ("seed", str(t.get("seed", "")))]
    meta.append(("clock", str(t.get("clock") or "simulated")))
    meta.append(("run ended", str(outcome or "unknown") + (f" ({t['error']})" if t.get("error") else "")))
    baseline = t.get("baseline")
    if isinstance(baseline, Mapping):
        meta.append(("baseline", f"{baseline.get('outcome', '?')}, {len(_records(baseline.get('attempts')))} attempts"))
    fired = t.get("fired") if isinstance(t.get("fired"), list) else []
    for f in faults:
        fault = f.get("fault") or {}
        params = ", ".join(f"{k}={fault[k]}" for k in sorted(fault) if k != "kind") if isinstance(fault, Mapping) else ""
        attempts = f.get("attempts")
        chance = f"p={f.get('probability', 1)}" + (f", at most {f['times']}×" if f.get("times") is not None else "")
        if f.get("label"):  # the harness's own label already names kind, node and attempts
            meta.append(("fault", f"{f['label']}; {chance}"))
        else:
            chance = f"node {f.get('node', '*')}, attempts {attempts if attempts else 'any'}, {chance}"
            meta.append(("fault", f"{_fault_label(f)}{f' ({params})' if params else ''}; {chance}"))
    meta.append(("fired", ", ".join(str(x) for x in fired) if fired else "none"))
    # The timeline comes before the details: it is what a reader opens a trial for.
    out.append('<div class="timeline"><p class="empty">The timeline is drawn when the trial is opened (needs JavaScript).</p></div>')
    out.append('<dl class="meta">')
    for key, value in meta:
        out.append(f"<dt>{_esc(key)}</dt><dd>{_esc(value)}</dd>")
    out.append("</dl>")
    out.append("</div></details>")
    return "".join(out)


#: Legend entries other than the outcome colours: (width, height, SVG shape, label).
_LEGEND_MARKS = (
    (10, 8, '<path class="fault" d="M1 1h8l-4 6z"></path>', "fault injected"),
    (18, 8, '<line class="wait" x1="0" x2="18" y1="4" y2="4"></line>', "backoff wait"),
    (6, 12, '<line class="tmark" x1="3" x2="3" y1="0" y2="12"></line>', "timeout (run/idle)"),
    (6, 12, '<line class="ev" x1="3" x2="3" y1="0" y2="12"></line>', "event (drain, resume, kill)"),
    (6, 10, '<line class="http" x1="3" x2="3" y1="2" y2="10"></line>', "HTTP request"),
    (6, 12, '<line class="viol" x1="3" x2="3" y1="0" y2="12"></line>', "violation"),
)


def _legend() -> str:
    marks = [(14, 10, f'<rect class="o-{o}" width="14" height="10" rx="2"></rect>', o) for o in _OUTCOMES]
    items = [
        f'<span><svg width="{w}" height="{h}" aria-hidden="true" class="tl">{shape}</svg>{label}</span>'
        for w, h, shape, label in (*marks, *_LEGEND_MARKS)
    ]
    return '<div class="legend" aria-label="timeline legend">' + "".join(items) + "</div>"


def render_html(report: Mapping[str, Any]) -> str:
    """Render a chaos report (see ``chaos/report.schema.json``) as one self-contained HTML page.

    Deterministic: the same report gives the same string. Tolerant of merged reports and of
    optional fields that are missing; a ``findings`` list (``{code, severity, node, message,
    fix}``) is shown in the summary when present.
    """
    trials: list[Mapping[str, Any]] = [redact_json(t) for t in _records(report.get("trials"))]
    summary = _summary(report, trials)
    # Trials that need attention first (what a reader came for): failed, then inconclusive and
    # errored ones, then passed, each group in report order (sorted by id).
    rank = {"fail": 0, "inconclusive": 1, "error": 1}
    order = sorted(range(len(trials)), key=lambda i: (rank.get(_verdict(trials[i]), 2), i))
    targets = sorted({str(t.get("target")) for t in trials if t.get("target")})
    n, passed, failed = _int(summary["trials"]), _int(summary["passed"]), _int(summary["failed"])
    inconclusive, errors = _int(summary.get("inconclusive")), _int(summary.get("errors"))
    seed = report.get("seed")

    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>langgraph-chaos report: {failed} failed of {n} (seed {_esc(seed)})</title>",
        f"<style>{STYLE}</style>",
        f"<script>{GUARD_SCRIPT}</script>",
        "</head><body><main>",
        '<pre id="chaos-errors" role="alert"></pre>',
        "<header><h1>langgraph-chaos report</h1>",
        f'<p class="sub">seed <b class="mono">{_esc(seed)}</b> · report schema {_esc(report.get("schema_version", "?"))}'
        f' · target{"s" if len(targets) != 1 else ""}: <span class="mono">{_esc(", ".join(targets) or "none")}</span>'
        " · times are seconds from the start of each run, on the trial's clock</p>",
        '<div class="cards">',
        f'<div class="card"><span class="n">{n}</span>trials</div>',
        f'<div class="card pass"><span class="n">{passed}</span>passed</div>',
        f'<div class="card fail"><span class="n">{failed}</span>failed</div>',
        *([f'<div class="card inconclusive"><span class="n">{inconclusive}</span>inconclusive</div>']
          if inconclusive else []),
        *([f'<div class="card error"><span class="n">{errors}</span>errors</div>'] if errors else []),
        "</div></header>",
        '<div class="panels">',
        _count_table("Faults injected, by kind", summary.get("faults_injected") or {}, "No fault was injected.", "faults"),
        _count_table("Invariants violated", summary.get("violations") or {}, "None: every trial kept every invariant.", "viol"),
        "</div>",
    ]
    if "findings" in report:
        findings = report.get("findings")
        parts.append(_findings(findings if isinstance(findings, list) else []))
    parts += [
        '<section aria-label="trials"><div class="toolbar">',
        '<fieldset aria-label="show trials">',
        f'<label class="seg"><input type="radio" name="verdict" value="all" checked>All ({n})</label>',
        f'<label class="seg"><input type="radio" name="verdict" value="fail">Failed ({failed})</label>',
        f'<label class="seg"><input type="radio" name="verdict" value="pass">Passed ({passed})</label></fieldset>',
        '<input type="search" id="q" placeholder="Filter: trial id, fault kind, invariant…" aria-label="filter trials">',
        '<button type="button" id="expand">Open shown</button><button type="button" id="collapse">Close all</button>',
        f'<span class="count" id="shown">{len(trials)} of {len(trials)} shown</span></div>',
        _legend(),
        '<div id="trials">',
    ]
    first_failed = order[0] if order and _verdict(trials[order[0]]) != "pass" else None
    for i in order:
        block = _trial_html(i, trials[i])
        if i == first_failed:  # open the first failure: the page lands on what needs attention
            block = block.replace("<details ", "<details open ", 1)
        parts.append(block)
    if not trials:
        parts.append('<p class="empty">The report has no trials.</p>')
    parts += [
        "</div></section>",
        "<footer>Written by langgraph-chaos from the JSON report. The page loads nothing from the network.</footer>",
        "</main>",
        f'<script type="application/json" id="chaos-data">{_json_for_script({"trials": [_trial_data(t) for t in trials]})}</script>',
        f"<script>{MAIN_SCRIPT}</script>",
        "</body></html>\n",
    ]
    return "".join(parts)


def write_html(path: str | Path, report: Mapping[str, Any]) -> Path:
    """Render ``report`` and write it to ``path`` atomically (parent folders are created)."""
    from chaos.report import atomic_write

    page = render_html(report)
    return atomic_write(path, lambda fh: fh.write(page))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chaos.reporting.html REPORT.json OUT.html``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m chaos.reporting.html",
        description="Render a langgraph-chaos JSON report as a self-contained HTML page",
    )
    parser.add_argument("report", help="The JSON report (--chaos-report=PATH)")
    parser.add_argument("out", help="The HTML file to write")
    args = parser.parse_args(argv)
    from chaos.report import ReportError, check_writable, read_report

    try:
        check_writable(args.out, "out")
        report = read_report(args.report)
        out = write_html(args.out, report)
    except ReportError as exc:
        parser.error(str(exc))
    except OSError as exc:
        parser.error(f"{args.out}: cannot write it ({exc.strerror or exc})")
    print(f"wrote {out} ({len(report['trials'])} trials, {out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
