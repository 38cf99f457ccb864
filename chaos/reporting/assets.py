"""The page's inline stylesheet and scripts, kept apart from the Python that renders the page.

They are constants, hashed into the page's Content-Security-Policy by `chaos.reporting.html`,
so the browser runs exactly these and nothing else. ``MAIN_SCRIPT`` draws a trial's timeline
(inline SVG on the trial's time axis) from the page's embedded JSON when the trial is opened,
and runs the filter, open/close and copy buttons.
"""

STYLE = """
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
details.trial.inconclusive, details.trial.error { border-left-color: var(--fault); }
details.trial > summary { cursor: pointer; padding: 6px 10px; display: flex; gap: 10px;
  align-items: baseline; flex-wrap: wrap; list-style-position: outside; }
details.trial > summary::marker { color: var(--muted); }
.badge { font-size: 11px; font-weight: 700; letter-spacing: .04em; border-radius: 4px;
  padding: 1px 6px; color: #fff; background: var(--ok); }
.badge.fail { background: var(--fail); }
.badge.inconclusive, .badge.error { background: #9c5700; }
.card.inconclusive .n, .card.error .n { color: #9c5700; }
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
GUARD_SCRIPT = """
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

MAIN_SCRIPT = """
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
  // Every report field reaches the page through esc() (text) or num() (numbers): a report is
  // untrusted input, and a tampered one must not build live elements.
  function num(t) { var n = +t; return isFinite(n) ? String(+n.toFixed(3)) : '?'; }
  function int(t) { var n = +t; return isFinite(n) ? String(Math.round(n)) : esc(t); }
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
    // A coordinate from a field that is not a number (a tampered report) is 0, never NaN.
    function x(s) { var n = +s; return LABEL + ((isFinite(n) ? n : 0) / T) * PW; }
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
            'backoff: waited ' + num(gap) + ' s before attempt ' + int(a.attempt) + ' of ' + esc(l.task) + '</title></line>');
          if (x0 - wx0 > 46) o.push('<text class="waitlabel" x="' + ((wx0 + x0) / 2).toFixed(1) + '" y="' + (y - 1) + '" text-anchor="middle">wait ' + num(gap) + 's</text>');
        }
        var vbad = (t.violations || []).some(function (v) { return v.task === a.task && v.attempt === a.attempt; });
        var desc = esc(a.task) + ' attempt ' + int(a.attempt) + ': ' + esc(a.outcome) +
          (a.timeout_kind ? ' (' + esc(a.timeout_kind) + ' timeout)' : '') +
          ', ' + num(a.start) + ' to ' + secs(a.end) + (a.step !== null && a.step !== undefined ? ', step ' + int(a.step) : '') +
          (a.fault ? '; fault injected: ' + esc(a.fault) : '') +
          (a.error ? '; error: ' + esc(a.error) + (a.error_message ? ': ' + esc(a.error_message) : '') : '');
        o.push('<rect class="bar o-' + esc(a.outcome) + (vbad ? ' vbar' : '') + '" x="' + x0.toFixed(1) + '" y="' + y +
          '" width="' + w.toFixed(1) + '" height="' + BAR + '" rx="2"><title>' + desc + '</title></rect>');
        if (w > 16) o.push('<text class="battempt" x="' + (x0 + 3).toFixed(1) + '" y="' + (y + 9) + '">' + int(a.attempt) + '</text>');
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
            esc(a.task) + ' attempt ' + int(a.attempt) + ': ' + esc(a.fault) + '</title></path>');
        }
        prev = a;
      });
    });
    (t.http || []).forEach(function (h) {
      var l = httpLane(lanes, h); if (!l) return;
      var y = TOP + l.idx * LANE, hx = x(h.time).toFixed(1);
      var cls = h.fault ? ' h-fault' : (h.error || (+h.status >= 400)) ? ' h-err' : '';
      o.push('<line class="http' + cls + '" x1="' + hx + '" x2="' + hx + '" y1="' + (y + LANE - 7) + '" y2="' + (y + LANE - 1) + '"><title>HTTP ' +
        esc(h.method || '') + ' ' + esc(h.url || '') + ' at ' + secs(h.time) + ': ' + (h.status !== null && h.status !== undefined ? int(h.status) : esc(h.error || 'no response')) +
        (h.fault ? ' (fault: ' + esc(h.fault) + ')' : '') + (h.task ? ' from ' + esc(h.task) : '') + '</title></line>');
    });
    // Events at the same instant (a SIGTERM, its drain and the resume often share one) are
    // drawn as one line with one label, so their labels never overprint each other.
    var groups = [], byX = {};
    (t.events || []).forEach(function (e) {
      var key = x(e.time).toFixed(0);
      if (!byX[key]) { byX[key] = {time: e.time, evs: []}; groups.push(byX[key]); }
      byX[key].evs.push(e);
    });
    groups.forEach(function (g, k) {
      var ex = x(g.time).toFixed(1), last = g.evs[g.evs.length - 1];
      var text = g.evs.map(function (e) {
        return esc(e.kind) + ' at ' + secs(e.time) + (e.node ? ' on ' + esc(e.node) : '') + (e.detail ? ': ' + esc(e.detail) : '');
      }).join('\\n');
      var label = g.evs.map(function (e) { return e.kind; }).join(' \\u00b7 ');
      o.push('<line class="ev ev-' + esc(last.kind) + '" x1="' + ex + '" x2="' + ex + '" y1="' + (TOP - 12) + '" y2="' + bottom +
        '"><title>' + text + '</title></line>');
      o.push('<text class="evlabel" x="' + (+ex + 3) + '" y="' + (TOP - 14 + (k % 2) * 9) + '">' + esc(shorten(label, 40)) + '</text>');
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
      return '<tr class="o-row-' + esc(a.outcome) + '"><td>' + esc(a.task) + '</td><td>' + int(a.attempt) + '</td><td>' +
        (a.step === null || a.step === undefined ? '' : int(a.step)) + '</td><td>' + num(a.start) + '</td><td>' + secs(a.end) +
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
  var pick = {failed: 'fail', passed: 'pass'}[hash];
  if (pick) document.querySelector('input[name=verdict][value=' + pick + ']').checked = true;
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
