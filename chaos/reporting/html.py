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

__all__ = ["main", "render_html", "write_html"]

#: Journal fields the timeline and the attempts table use (the rest stay in the JSON report).
_ATTEMPT_KEYS = (
    "node", "task", "attempt", "step", "start", "end", "outcome",
    "error", "error_message", "timeout_kind", "fault", "fault_kind",
)
_OUTCOMES = ("ok", "error", "timeout", "cancelled", "cached", "aborted", "interrupted", "unknown")

_STYLE = """
:root { --ok:#2f9e44; --error:#e8590c; --timeout:#7048e8; --cancelled:#868e96;
  --cached:#1098ad; --aborted:#495057; --interrupted:#1c7ed6; --unknown:#adb5bd;
  --fail:#c92a2a; --fault:#f59f00; --ink:#212529; --muted:#5c636a; --line:#dee2e6;
  --bg:#f8f9fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 8px; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12.5px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px;
  min-width: 120px; }
.card .n { font-size: 26px; font-weight: 650; display: block; }
.card.pass .n { color: var(--ok); }
.card.fail .n { color: var(--fail); }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px;
  margin-bottom: 16px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px 3px 0; vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; width: 4em; }
td.barcell { width: 45%; }
svg.hbar { display: block; width: 100%; height: 10px; }
svg.hbar rect { fill: var(--fault); }
.viol svg.hbar rect { fill: var(--fail); }
.viol td:first-child, .red { color: var(--fail); }
.none { color: var(--ok); }
.sev-error, .sev-high, .sev-critical { color: var(--fail); font-weight: 600; }
.sev-warning, .sev-medium { color: var(--error); font-weight: 600; }
.toolbar { position: sticky; top: 0; z-index: 2; background: var(--bg); padding: 8px 0;
  display: flex; gap: 8px; flex-wrap: wrap; align-items: center; border-bottom: 1px solid var(--line);
  margin-bottom: 8px; }
.toolbar fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: 4px; }
.toolbar label.seg { border: 1px solid var(--line); background: #fff; border-radius: 6px;
  padding: 3px 10px; cursor: pointer; }
.toolbar label.seg:has(input:checked) { background: var(--ink); color: #fff; border-color: var(--ink); }
.toolbar input[type=radio] { position: absolute; opacity: 0; }
.toolbar input[type=search] { padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px;
  min-width: 260px; }
button { font: inherit; border: 1px solid var(--line); background: #fff; border-radius: 6px;
  padding: 3px 10px; cursor: pointer; }
button:hover, .toolbar label.seg:hover { border-color: var(--muted); }
.count { color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted);
  margin: 4px 0 10px; }
.legend svg { vertical-align: -2px; margin-right: 4px; }
details.trial { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--ok);
  border-radius: 6px; margin: 6px 0; }
details.trial.fail { border-left-color: var(--fail); }
details.trial > summary { cursor: pointer; padding: 6px 10px; display: flex; gap: 10px;
  align-items: baseline; flex-wrap: wrap; list-style-position: outside; }
details.trial > summary::marker { color: var(--muted); }
.badge { font-size: 11px; font-weight: 700; letter-spacing: .04em; border-radius: 4px;
  padding: 1px 6px; color: #fff; background: var(--ok); }
.badge.fail { background: var(--fail); }
.tid { font-weight: 600; word-break: break-all; }
.tags { color: var(--muted); font-size: 12.5px; }
.tbody { padding: 4px 14px 14px; border-top: 1px solid var(--line); }
ul.violations { margin: 8px 0; padding-left: 18px; color: var(--fail); }
ul.violations li { margin: 2px 0; }
.repro { display: flex; gap: 8px; align-items: flex-start; margin: 8px 0; }
.repro pre { flex: 1; margin: 0; padding: 6px 8px; background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; white-space: pre-wrap; word-break: break-all; user-select: all; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.timeline { margin-top: 10px; overflow-x: auto; }
.timeline svg { display: block; width: 100%; min-width: 760px; height: auto; }
.tl text { font-size: 11px; fill: var(--ink); }
.tl .lane-bg { fill: #f1f3f5; }
.tl .lane-label { font-family: ui-monospace, Menlo, Consolas, monospace; }
.tl .lane-label.vnode { fill: var(--fail); font-weight: 700; }
.tl .grid { stroke: var(--line); }
.tl .axis text { fill: var(--muted); font-size: 10px; }
.tl .bar { stroke: rgba(0,0,0,.25); stroke-width: .5; }
.tl .bar.vbar { stroke: var(--fail); stroke-width: 2; }
.tl .o-ok { fill: var(--ok); } .tl .o-error { fill: var(--error); }
.tl .o-timeout { fill: var(--timeout); } .tl .o-cancelled { fill: var(--cancelled); }
.tl .o-cached { fill: var(--cached); } .tl .o-aborted { fill: var(--aborted); }
.tl .o-interrupted { fill: var(--interrupted); } .tl .o-unknown { fill: var(--unknown); }
.tl .battempt { font-size: 9px; fill: #fff; pointer-events: none; }
.tl .wait { stroke: var(--muted); stroke-width: 1.5; stroke-dasharray: 3 3; }
.tl .waitlabel { font-size: 9px; fill: var(--muted); }
.tl .fault { fill: var(--fault); stroke: #7a4f01; stroke-width: .75; }
.tl .tmark { stroke: var(--timeout); stroke-width: 3; }
.tl .tlabel { font-size: 9px; fill: var(--timeout); font-weight: 600; pointer-events: none; }
.tl .tlabel.in { fill: #fff; }
.tl .ev { stroke: #1c7ed6; stroke-width: 1.5; stroke-dasharray: 6 3; }
.tl .ev-kill { stroke: #343a40; } .tl .ev-resume { stroke: var(--ok); }
.tl .evlabel { font-size: 10px; fill: #1c7ed6; font-weight: 600; }
.tl .http { stroke: #495057; stroke-width: 2; }
.tl .http.h-err { stroke: var(--error); } .tl .http.h-fault { stroke: var(--fault); stroke-width: 3; }
.tl .viol { stroke: var(--fail); stroke-width: 2; }
.tl .violabel { fill: var(--fail); font-weight: 700; font-size: 10px; }
.tl .vlane { fill: none; stroke: var(--fail); stroke-width: 1.5; }
.tl .hit { fill: transparent; }
details.attempts { margin-top: 6px; }
details.attempts summary { cursor: pointer; color: var(--muted); font-size: 12.5px; }
table.att td, table.att th { font-size: 12px; padding: 2px 10px 2px 0; }
table.att tr.o-row-error td, table.att tr.o-row-timeout td { color: var(--error); }
#chaos-errors:empty { display: none; }
#chaos-errors { background: #fff5f5; color: var(--fail); border: 1px solid var(--fail);
  padding: 8px; border-radius: 6px; white-space: pre-wrap; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
.empty { color: var(--muted); font-style: italic; }
"""

# Installed before the main script so that even a syntax error in it is caught: every
# uncaught error, unhandled rejection and CSP violation (a blocked load) is written into
# #chaos-errors, where a reader sees it and the browser test looks for it.
_GUARD_SCRIPT = """
(function () {
  function note(msg) {
    var box = document.getElementById('chaos-errors');
    if (!box) { box = document.createElement('pre'); box.id = 'chaos-errors';
      (document.body || document.documentElement).appendChild(box); }
    box.textContent += msg + '\\n';
    document.documentElement.setAttribute('data-chaos-errors', 'yes');
  }
  window.addEventListener('error', function (e) {
    note('error: ' + (e.message || e.type) + (e.lineno ? ' (line ' + e.lineno + ')' : ''));
  });
  window.addEventListener('unhandledrejection', function (e) {
    note('unhandled rejection: ' + String(e.reason));
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    note('blocked by CSP: ' + e.violatedDirective + ' ' + e.blockedURI);
  });
})();
"""

_MAIN_SCRIPT = """
(function () {
  'use strict';
  var DATA = JSON.parse(document.getElementById('chaos-data').textContent);
  var TRIALS = DATA.trials;
  var W = 1000, LABEL = 150, RIGHT = 96, PW = W - LABEL - RIGHT;
  var LANE = 28, BAR = 12, BARY = 11, MIN_BAR = 4;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function num(t) { return String(+(+t).toFixed(3)); }
  function secs(t) { return t === null || t === undefined ? 'never' : num(t) + ' s'; }
  function niceStep(span) {
    var raw = span / 6, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function shorten(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '\\u2026' : s; }

  function lanesOf(t) {
    var order = [], byTask = {};
    function lane(task, node) {
      if (!byTask[task]) { byTask[task] = {task: task, node: node, idx: order.length, att: []};
        order.push(byTask[task]); }
      return byTask[task];
    }
    (t.journal || []).forEach(function (a) { lane(a.task || a.node, a.node).att.push(a); });
    (t.http || []).forEach(function (h) {
      if (h.task && byTask[h.task]) return;
      var first = order.filter(function (l) { return l.node === h.node; })[0];
      if (!first) lane(h.task || h.node || '(http)', h.node || null);
    });
    return order;
  }
  function httpLane(lanes, h) {
    for (var i = 0; i < lanes.length; i++) if (h.task && lanes[i].task === h.task) return lanes[i];
    for (i = 0; i < lanes.length; i++) if (h.node && lanes[i].node === h.node) return lanes[i];
    for (i = 0; i < lanes.length; i++) if (lanes[i].task === (h.task || h.node || '(http)')) return lanes[i];
    return lanes[0];
  }

  function timelineSVG(t, idx) {
    var lanes = lanesOf(t), T = 0;
    // Room above the lanes only for what is labelled there (events, timed violations).
    var TOP = ((t.events || []).length || (t.violations || []).some(function (v) { return typeof v.time === 'number'; })) ? 32 : 10;
    function see(x) { if (typeof x === 'number' && x > T) T = x; }
    (t.journal || []).forEach(function (a) { see(a.start); see(a.end); });
    (t.events || []).forEach(function (e) { see(e.time); });
    (t.http || []).forEach(function (h) { see(h.time); });
    (t.violations || []).forEach(function (v) { see(v.time); });
    if (!(T > 0)) T = 1;
    var step = niceStep(T); T = Math.ceil(T / step - 1e-9) * step;
    function x(s) { return LABEL + (s / T) * PW; }
    var H = TOP + Math.max(lanes.length, 1) * LANE + 22;
    var vnodes = {}, vtasks = {};
    (t.violations || []).forEach(function (v) { if (v.node) vnodes[v.node] = 1; if (v.task) vtasks[v.task] = 1; });
    var tid = 'tl-' + idx;
    var o = ['<svg class="tl" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-labelledby="' + tid + '">',
      '<title id="' + tid + '">Timeline of ' + esc(t.id) + ': ' + (t.journal || []).length +
      ' attempts in ' + lanes.length + ' tasks over ' + num(T) + ' ' + esc(t.clock || 'simulated') +
      ' seconds</title>'];
    lanes.forEach(function (l, i) {
      var y = TOP + i * LANE, bad = vnodes[l.node] || vtasks[l.task];
      if (i % 2 === 0) o.push('<rect class="lane-bg" x="0" y="' + y + '" width="' + W + '" height="' + LANE + '"></rect>');
      o.push('<text class="lane-label' + (bad ? ' vnode' : '') + '" x="6" y="' + (y + 18) + '"><title>' +
        esc(l.task) + (l.node ? ' (node ' + esc(l.node) + ')' : '') + (bad ? ': has a violation' : '') +
        '</title>' + esc(shorten(l.task, 20)) + '</text>');
      if (vtasks[l.task] || (vnodes[l.node] && !Object.keys(vtasks).length)) {
        o.push('<rect class="vlane" x="' + (LABEL - 2) + '" y="' + (y + 2) + '" width="' + (PW + 4) +
          '" height="' + (LANE - 4) + '"><title>violation on ' + esc(l.task) + '</title></rect>');
      }
    });
    var bottom = TOP + lanes.length * LANE;
    o.push('<g class="axis">');
    for (var s = 0; s <= T + 1e-9; s += step) {
      var gx = x(s).toFixed(1);
      o.push('<line class="grid" x1="' + gx + '" x2="' + gx + '" y1="' + (TOP - 4) + '" y2="' + bottom + '"></line>');
      o.push('<text x="' + gx + '" y="' + (bottom + 14) + '" text-anchor="middle">' + num(s) + 's</text>');
    }
    o.push('<text x="' + (W - 4) + '" y="' + (bottom + 14) + '" text-anchor="end">' + esc(t.clock || 'simulated') + ' time</text></g>');
    lanes.forEach(function (l, i) {
      var y = TOP + i * LANE + BARY, mid = y + BAR / 2, prev = null;
      l.att.slice().sort(function (a, b) { return (a.attempt - b.attempt) || (a.start - b.start); }).forEach(function (a) {
        var x0 = x(a.start), x1 = x(a.end === null || a.end === undefined ? T : a.end);
        var w = Math.max(x1 - x0, MIN_BAR);
        if (prev && typeof prev.end === 'number' && a.start > prev.end) {
          var wx0 = x(prev.end), gap = a.start - prev.end;
          o.push('<line class="wait" x1="' + wx0.toFixed(1) + '" x2="' + x0.toFixed(1) + '" y1="' + mid + '" y2="' + mid + '"><title>' +
            'backoff: waited ' + num(gap) + ' s before attempt ' + a.attempt + ' of ' + esc(l.task) + '</title></line>');
          if (x0 - wx0 > 46) o.push('<text class="waitlabel" x="' + ((wx0 + x0) / 2).toFixed(1) + '" y="' + (y - 1) + '" text-anchor="middle">wait ' + num(gap) + 's</text>');
        }
        var vbad = (t.violations || []).some(function (v) { return v.task === a.task && v.attempt === a.attempt; });
        var desc = esc(a.task) + ' attempt ' + a.attempt + ': ' + esc(a.outcome) +
          (a.timeout_kind ? ' (' + esc(a.timeout_kind) + ' timeout)' : '') +
          ', ' + num(a.start) + ' to ' + secs(a.end) + (a.step !== null && a.step !== undefined ? ', step ' + a.step : '') +
          (a.fault ? '; fault injected: ' + esc(a.fault) : '') +
          (a.error ? '; error: ' + esc(a.error) + (a.error_message ? ': ' + esc(a.error_message) : '') : '');
        o.push('<rect class="bar o-' + esc(a.outcome) + (vbad ? ' vbar' : '') + '" x="' + x0.toFixed(1) + '" y="' + y +
          '" width="' + w.toFixed(1) + '" height="' + BAR + '" rx="2"><title>' + desc + '</title></rect>');
        if (w > 16) o.push('<text class="battempt" x="' + (x0 + 3).toFixed(1) + '" y="' + (y + 9) + '">' + a.attempt + '</text>');
        if (a.outcome === 'timeout') {
          o.push('<line class="tmark" x1="' + (x0 + w).toFixed(1) + '" x2="' + (x0 + w).toFixed(1) + '" y1="' + (y - 3) + '" y2="' + (y + BAR + 3) + '"><title>' +
            esc(a.timeout_kind || '') + ' timeout of ' + esc(a.task) + ' at ' + secs(a.end) + '</title></line>');
          // Inside the bar when it fits, so the label never covers the backoff wait after it.
          var tl = esc(a.timeout_kind || '?') + ' timeout', inside = w > 80;
          o.push('<text class="tlabel' + (inside ? ' in' : '') + '" x="' + (inside ? x0 + w - 5 : x0 + w + 3).toFixed(1) + '" y="' + (y + 9) +
            '"' + (inside ? ' text-anchor="end"' : '') + '>' + tl + '</text>');
        }
        if (a.fault) {
          o.push('<path class="fault" d="M' + (x0 - 4).toFixed(1) + ' ' + (y - 6) + 'h8l-4 6z"><title>fault injected into ' +
            esc(a.task) + ' attempt ' + a.attempt + ': ' + esc(a.fault) + '</title></path>');
        }
        prev = a;
      });
    });
    (t.http || []).forEach(function (h) {
      var l = httpLane(lanes, h); if (!l) return;
      var y = TOP + l.idx * LANE, hx = x(h.time).toFixed(1);
      var cls = h.fault ? ' h-fault' : (h.error || (h.status && h.status >= 400)) ? ' h-err' : '';
      o.push('<line class="http' + cls + '" x1="' + hx + '" x2="' + hx + '" y1="' + (y + LANE - 7) + '" y2="' + (y + LANE - 1) + '"><title>HTTP ' +
        esc(h.method || '') + ' ' + esc(h.url || '') + ' at ' + secs(h.time) + ': ' + (h.status !== null && h.status !== undefined ? h.status : esc(h.error || 'no response')) +
        (h.fault ? ' (fault: ' + esc(h.fault) + ')' : '') + (h.task ? ' from ' + esc(h.task) : '') + '</title></line>');
    });
    (t.events || []).forEach(function (e, k) {
      var ex = x(e.time).toFixed(1);
      o.push('<line class="ev ev-' + esc(e.kind) + '" x1="' + ex + '" x2="' + ex + '" y1="' + (TOP - 12) + '" y2="' + bottom + '"><title>' +
        esc(e.kind) + ' at ' + secs(e.time) + (e.node ? ' on ' + esc(e.node) : '') + (e.detail ? ': ' + esc(e.detail) : '') + '</title></line>');
      o.push('<text class="evlabel" x="' + (+ex + 3) + '" y="' + (TOP - 14 + (k % 2) * 9) + '">' + esc(shorten(e.kind, 14)) + '</text>');
    });
    (t.violations || []).forEach(function (v, k) {
      if (typeof v.time !== 'number') return;
      var vx = x(v.time).toFixed(1);
      o.push('<line class="viol" x1="' + vx + '" x2="' + vx + '" y1="' + (TOP - 4) + '" y2="' + bottom + '"><title>violation ' +
        esc(v.invariant) + ' at ' + secs(v.time) + ': ' + esc(v.message) + '</title></line>');
      o.push('<text class="violabel" x="' + (+vx - 3) + '" y="' + (TOP - 18 + (k % 2) * 9) + '" text-anchor="end">\\u2716 ' + esc(shorten(v.invariant, 18)) + '</text>');
    });
    if (!lanes.length) o.push('<text x="' + LABEL + '" y="' + (TOP + 16) + '">no node attempts were recorded</text>');
    o.push('</svg>');
    return o.join('');
  }

  function attemptsTable(t) {
    var rows = (t.journal || []).map(function (a) {
      return '<tr class="o-row-' + esc(a.outcome) + '"><td>' + esc(a.task) + '</td><td>' + a.attempt + '</td><td>' +
        (a.step === null || a.step === undefined ? '' : a.step) + '</td><td>' + num(a.start) + '</td><td>' + secs(a.end) +
        '</td><td>' + esc(a.outcome) + (a.timeout_kind ? ' (' + esc(a.timeout_kind) + ')' : '') + '</td><td>' +
        esc(a.fault || '') + '</td><td>' + esc(a.error || '') + (a.error_message ? ': ' + esc(a.error_message) : '') + '</td></tr>';
    });
    return '<details class="attempts"><summary>Attempts as a table (' + rows.length + ')</summary>' +
      '<table class="att"><thead><tr><th>task</th><th>attempt</th><th>step</th><th>start (s)</th><th>end</th>' +
      '<th>outcome</th><th>fault</th><th>error</th></tr></thead><tbody>' + rows.join('') + '</tbody></table></details>';
  }

  var drawn = 0;
  function render(det) {
    if (det.getAttribute('data-drawn')) return;
    var i = +det.getAttribute('data-i'), box = det.querySelector('.timeline');
    box.innerHTML = timelineSVG(TRIALS[i], i) + attemptsTable(TRIALS[i]);
    det.setAttribute('data-drawn', '1');
    drawn++;
    document.documentElement.setAttribute('data-chaos-drawn', String(drawn));
  }

  // Opened trials are drawn from a queue in slices of about 30 ms, so "Open shown" on
  // thousands of trials (about 2 ms each) never freezes the page; a trial the reader opens
  // goes to the front of the queue.
  var queue = [], scheduled = false;
  function drain() {
    var t0 = performance.now();
    while (queue.length && performance.now() - t0 < 30) {
      var det = queue.shift();
      det.removeAttribute('data-queued');
      if (det.open) render(det);
    }
    scheduled = queue.length > 0;
    if (scheduled) setTimeout(drain, 0);
  }
  function want(det, first) {
    if (det.getAttribute('data-drawn') || det.getAttribute('data-queued')) return;
    det.setAttribute('data-queued', '1');
    if (first) queue.unshift(det); else queue.push(det);
    if (!scheduled) { scheduled = true; setTimeout(drain, 0); }
  }

  var list = document.getElementById('trials');
  var all = Array.prototype.slice.call(list.querySelectorAll('details.trial'));
  list.addEventListener('toggle', function (e) {
    if (e.target.classList && e.target.classList.contains('trial') && e.target.open) want(e.target, true);
  }, true);

  var search = document.getElementById('q'), shown = document.getElementById('shown');
  function verdictFilter() {
    var c = document.querySelector('input[name=verdict]:checked'); return c ? c.value : 'all';
  }
  function applyFilter() {
    var v = verdictFilter(), words = search.value.toLowerCase().split(/\\s+/).filter(Boolean), n = 0;
    all.forEach(function (d) {
      var hay = d.getAttribute('data-search');
      var ok = (v === 'all' || d.getAttribute('data-verdict') === v) &&
        words.every(function (w) { return hay.indexOf(w) >= 0; });
      d.hidden = !ok; if (ok) n++;
    });
    shown.textContent = n + ' of ' + all.length + ' shown';
  }
  Array.prototype.forEach.call(document.querySelectorAll('input[name=verdict]'), function (r) {
    r.addEventListener('change', applyFilter);
  });
  search.addEventListener('input', applyFilter);
  function setOpen(open) { all.forEach(function (d) { if (!d.hidden) { d.open = open; if (open) want(d); } }); }
  document.getElementById('expand').addEventListener('click', function () { setOpen(true); });
  document.getElementById('collapse').addEventListener('click', function () { setOpen(false); });

  list.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('button.copy'); if (!btn) return;
    var pre = document.getElementById(btn.getAttribute('data-for'));
    function done(msg) { btn.textContent = msg; setTimeout(function () { btn.textContent = 'Copy'; }, 1500); }
    function selectIt() {
      var r = document.createRange(); r.selectNodeContents(pre);
      var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
      var ok = false; try { ok = document.execCommand('copy'); } catch (err) { ok = false; }
      done(ok ? 'Copied' : 'Selected: press Ctrl+C');
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(pre.textContent).then(function () { done('Copied'); }, selectIt);
    } else { selectIt(); }
  });

  // #failed / #passed pick a filter, #all opens every trial, #t-N opens that trial.
  var hash = location.hash.slice(1);
  if (hash === 'failed' || hash === 'passed') {
    document.querySelector('input[name=verdict][value=' + hash + ']').checked = true;
  }
  applyFilter();
  if (hash === 'all') setOpen(true);
  var target = /^t-\\d+$/.test(hash) && document.getElementById(hash);
  if (target) { target.open = true; target.scrollIntoView(); }
  all.forEach(function (d) { if (d.open) want(d); });
  // Markers for the browser test (and anyone curious): the script finished, and how long
  // the page took to get there.
  document.documentElement.setAttribute('data-chaos-ready', String(all.length));
  document.documentElement.setAttribute('data-chaos-ms', String(Math.round(performance.now())));
})();
"""


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# Scripts and the stylesheet are allowed by hash, not 'unsafe-inline': even if report data
# slipped past escaping, a script it smuggled in would not run.
_CSP = (
    "default-src 'none'; "
    f"script-src {_csp_hash(_GUARD_SCRIPT)} {_csp_hash(_MAIN_SCRIPT)}; "
    f"style-src {_csp_hash(_STYLE)}; "
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


def _secs(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "—"
    return f"{value:.3f}".rstrip("0").rstrip(".") + " s"


def _trial_data(trial: Mapping[str, Any]) -> dict[str, Any]:
    """What the timeline of one trial needs; ``None`` fields are dropped to keep the blob small."""
    journal = [
        {k: a.get(k) for k in _ATTEMPT_KEYS if a.get(k) is not None or k == "end"}
        for a in trial.get("journal") or []
    ]
    return {
        "id": trial.get("id"),
        "clock": trial.get("clock") or "simulated",
        "journal": journal,
        "events": [{k: v for k, v in e.items() if v is not None} for e in trial.get("events") or []],
        "http": [
            {k: h.get(k) for k in ("node", "task", "attempt", "method", "url", "time", "status", "error", "fault")
             if h.get(k) is not None}
            for h in trial.get("http") or []
        ],
        "violations": [
            {k: v.get(k) for k in ("invariant", "message", "node", "time", "task", "attempt") if v.get(k) is not None}
            for v in trial.get("violations") or []
        ],
    }


def _summary(report: Mapping[str, Any], trials: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The report's own summary, or one computed from the trials when it is missing."""
    given = report.get("summary")
    if isinstance(given, Mapping) and {"trials", "passed", "failed"} <= given.keys():
        return dict(given)
    faults = Counter(a.get("fault_kind") for t in trials for a in t.get("journal") or [] if a.get("fault_kind"))
    viols = Counter(v.get("invariant") for t in trials for v in t.get("violations") or [])
    return {
        "trials": len(trials),
        "passed": sum(t.get("verdict") == "pass" for t in trials),
        "failed": sum(t.get("verdict") == "fail" for t in trials),
        "faults_injected": dict(faults),
        "violations": dict(viols),
    }


def _count_table(title: str, counts: Mapping[str, Any], empty: str, css: str) -> str:
    rows = sorted(((str(k), int(v)) for k, v in (counts or {}).items()), key=lambda kv: (-kv[1], kv[0]))
    out = [f'<section class="panel {css}"><h2>{_esc(title)}</h2>']
    if not rows:
        out.append(f'<p class="{"none" if css == "viol" else "empty"}">{_esc(empty)}</p></section>')
        return "".join(out)
    top = max(v for _, v in rows) or 1
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


def _findings(findings: Iterable[Mapping[str, Any]]) -> str:
    rows = list(findings)
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


def _trial_html(i: int, t: Mapping[str, Any]) -> str:
    verdict = "fail" if t.get("verdict") == "fail" else "pass"
    tid = str(t.get("id", f"trial {i}"))
    violations = t.get("violations") or []
    faults = t.get("faults") or []
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
        meta.append(("baseline", f"{baseline.get('outcome', '?')}, {len(baseline.get('attempts') or [])} attempts"))
    fired = t.get("fired") or []
    for f in faults:
        fault = f.get("fault") or {}
        params = ", ".join(f"{k}={fault[k]}" for k in sorted(fault) if k != "kind") if isinstance(fault, Mapping) else ""
        attempts = f.get("attempts")
        where = f"p={f.get('probability', 1)}" + (f", at most {f['times']}×" if f.get("times") is not None else "")
        if f.get("label"):  # the harness's own label already names kind, node and attempts
            meta.append(("fault", f"{f['label']}; {where}"))
        else:
            where = f"node {f.get('node', '*')}, attempts {attempts if attempts else 'any'}, {where}"
            meta.append(("fault", f"{_fault_label(f)}{f' ({params})' if params else ''}; {where}"))
    meta.append(("fired", ", ".join(str(x) for x in fired) if fired else "none"))
    # The timeline comes before the details: it is what a reader opens a trial for.
    out.append('<div class="timeline"><p class="empty">The timeline is drawn when the trial is opened (needs JavaScript).</p></div>')
    out.append('<dl class="meta">')
    for k, v in meta:
        out.append(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>")
    out.append("</dl>")
    out.append("</div></details>")
    return "".join(out)


def _legend() -> str:
    items = [f'<span><svg width="14" height="10" aria-hidden="true" class="tl"><rect class="o-{o}" width="14" height="10" rx="2"></rect></svg>{o}</span>' for o in _OUTCOMES]
    items += [
        '<span><svg width="10" height="8" aria-hidden="true" class="tl"><path class="fault" d="M1 1h8l-4 6z"></path></svg>fault injected</span>',
        '<span><svg width="18" height="8" aria-hidden="true" class="tl"><line class="wait" x1="0" x2="18" y1="4" y2="4"></line></svg>backoff wait</span>',
        '<span><svg width="6" height="12" aria-hidden="true" class="tl"><line class="tmark" x1="3" x2="3" y1="0" y2="12"></line></svg>timeout (run/idle)</span>',
        '<span><svg width="6" height="12" aria-hidden="true" class="tl"><line class="ev" x1="3" x2="3" y1="0" y2="12"></line></svg>event (drain, resume, kill)</span>',
        '<span><svg width="6" height="10" aria-hidden="true" class="tl"><line class="http" x1="3" x2="3" y1="2" y2="10"></line></svg>HTTP request</span>',
        '<span><svg width="6" height="12" aria-hidden="true" class="tl"><line class="viol" x1="3" x2="3" y1="0" y2="12"></line></svg>violation</span>',
    ]
    return '<div class="legend" aria-label="timeline legend">' + "".join(items) + "</div>"


def render_html(report: Mapping[str, Any]) -> str:
    """Render a chaos report (see ``chaos/report.schema.json``) as one self-contained HTML page.

    Deterministic: the same report gives the same string. Tolerant of merged reports and of
    optional fields that are missing; a ``findings`` list (``{code, severity, node, message,
    fix}``) is shown in the summary when present.
    """
    trials: list[Mapping[str, Any]] = list(report.get("trials") or [])
    summary = _summary(report, trials)
    # Failed trials first (what a reader came for), each group in report order (sorted by id).
    order = [i for i, t in enumerate(trials) if t.get("verdict") == "fail"]
    order += [i for i, t in enumerate(trials) if t.get("verdict") != "fail"]
    targets = sorted({str(t.get("target")) for t in trials if t.get("target")})
    n, passed, failed = int(summary["trials"]), int(summary["passed"]), int(summary["failed"])
    seed = report.get("seed")

    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>langgraph-chaos report: {failed} failed of {n} (seed {_esc(seed)})</title>",
        f"<style>{_STYLE}</style>",
        f"<script>{_GUARD_SCRIPT}</script>",
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
        "</div></header>",
        '<div class="panels">',
        _count_table("Faults injected, by kind", summary.get("faults_injected") or {}, "No fault was injected.", "faults"),
        _count_table("Invariants violated", summary.get("violations") or {}, "None: every trial kept every invariant.", "viol"),
        "</div>",
    ]
    if "findings" in report:
        parts.append(_findings(report.get("findings") or []))
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
    first_failed = order[0] if failed and order else None
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
        f"<script>{_MAIN_SCRIPT}</script>",
        "</body></html>\n",
    ]
    return "".join(parts)


def write_html(path: str | Path, report: Mapping[str, Any]) -> Path:
    """Render ``report`` and write it to ``path`` (parent folders are created)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(report), encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chaos.reporting.html REPORT.json OUT.html``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m chaos.reporting.html",
        description="Render a langgraph-chaos JSON report as a self-contained HTML page",
    )
    parser.add_argument("report", help="The JSON report (--chaos-report=PATH)")
    parser.add_argument("out", help="The HTML file to write")
    args = parser.parse_args(argv)
    try:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    except OSError as exc:
        parser.error(f"cannot read {args.report}: {exc.strerror or exc}")
    except json.JSONDecodeError as exc:
        parser.error(f"{args.report} is not JSON: {exc}")
    if not isinstance(report, dict) or not isinstance(report.get("trials"), list):
        parser.error(f"{args.report} is not a langgraph-chaos report: it has no 'trials' list")
    out = write_html(args.out, report)
    print(f"wrote {out} ({len(report['trials'])} trials, {out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
