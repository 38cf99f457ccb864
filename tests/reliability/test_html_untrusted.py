"""The HTML viewer treats a report as untrusted input: every field is escaped.

A report is easy to edit and gets shared, so a tampered one is run through both renderers:
the Python side (summary, trial list) and the page script that draws timelines (run here in
Node.js with a minimal DOM, and in Chromium by tests/reporting/test_html_browser.py). Every
field of every record holds markup, and numbers are replaced by markup too; the page must
build no element and no attribute from it, and must not crash on records of the wrong type.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chaos.reporting import render_html
from chaos.reporting.assets import MAIN_SCRIPT
from tests.reporting.real_reports import real_report

EVIL = '<img src=x onerror="alert(1)">"\'</title></svg></script><script>alert(2)</script>'
#: Elements the page itself builds; anything else came from report data.
PAGE_TAGS = {
    "html", "head", "meta", "title", "style", "script", "body", "main", "pre", "header", "h1", "h2", "p", "b",
    "span", "div", "section", "table", "thead", "tbody", "tr", "th", "td", "svg", "rect", "path", "line",
    "fieldset", "label", "input", "button", "details", "summary", "ul", "li", "dl", "dt", "dd", "footer",
    "text", "g",
}


def tampered_report() -> dict[str, Any]:
    """A real report with markup in every field, numbers included, and junk records mixed in."""
    report = real_report()

    def poison(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: poison(v) for k, v in value.items()}
        if isinstance(value, list):
            return [poison(v) for v in value]
        if value is None or isinstance(value, bool):
            return value
        return EVIL

    report["trials"] = [poison(t) for t in report["trials"]]
    for t in report["trials"][:2]:
        t["verdict"] = "fail"
        t["journal"].append("not a record")
        t["violations"].append(7)
    report["summary"] = poison(report["summary"])
    report["seed"] = EVIL
    report["findings"] = [{"code": EVIL, "severity": EVIL, "node": EVIL, "message": EVIL, "fix": EVIL}, "junk"]
    return report


class Elements(HTMLParser):
    """Every start tag and attribute name in a page or fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]
        self.scripts += tag == "script"


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def test_the_page_builds_no_element_from_a_tampered_report() -> None:
    page = render_html(tampered_report())

    found = elements(page)

    assert set(found.tags) <= PAGE_TAGS
    assert found.scripts == 3  # the guard, the data blob, the page script
    assert not [a for a in found.attrs if a.startswith("on")]
    assert "<img" not in page
    assert "<script>alert" not in page


def test_junk_where_records_or_counts_belong_is_skipped_not_fatal() -> None:
    report: dict[str, Any] = {
        "schema_version": 1, "seed": 1,
        "summary": {"trials": "many", "passed": None, "failed": [], "faults_injected": {"x": "y"}, "violations": 3},
        "trials": [5, "x", {"id": "t", "verdict": {"a": 1}, "journal": "oops", "violations": {"k": 1},
                            "faults": [1, {"fault": "weird"}], "events": 5, "http": [None], "fired": "all"}],
        "findings": "none",
    }

    page = render_html(report)

    assert '<span class="n">?</span>trials' in page
    assert 'data-verdict="error"' in page  # an unknown verdict is shown as an error, never a pass


def _run_page_script(data: dict[str, Any], out: Path) -> list[str]:
    """Run the page script in Node.js on ``data`` with every trial opened; the drawn HTML."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("Node.js is not installed (the Chromium test covers the page script too)")
    stub = """
    const DATA = process.argv[1];
    const n = JSON.parse(DATA).trials.length;
    function el(extra) { return Object.assign({attrs: {}, listeners: {}, innerHTML: '', textContent: '',
      getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; },
      setAttribute(k, v) { this.attrs[k] = String(v); }, removeAttribute(k) { delete this.attrs[k]; },
      addEventListener(k, f) { this.listeners[k] = f; }, querySelector() { return null; },
      querySelectorAll() { return []; }, scrollIntoView() {}, classList: {contains() { return false; }}}, extra); }
    const dets = [], boxes = [];
    for (let i = 0; i < n; i++) {
      const box = el({}); boxes.push(box);
      dets.push(el({attrs: {'data-i': String(i), 'data-verdict': 'fail', 'data-search': ''},
                    querySelector() { return box; }}));
    }
    const byId = {'chaos-data': el({textContent: DATA}), trials: el({querySelectorAll() { return dets; }}),
                  q: el({value: ''}), shown: el({}), expand: el({}), collapse: el({})};
    global.document = {getElementById(id) { return byId[id] || null; }, querySelector() { return null; },
                       querySelectorAll() { return []; }, documentElement: el({})};
    global.location = {hash: '#all'};
    global.window = {};
    global.navigator = {};
    process.on('exit', () => { require('fs').writeFileSync(process.argv[2], JSON.stringify(boxes.map(b => b.innerHTML))); });
    """
    script = stub + "\n" + MAIN_SCRIPT
    done = subprocess.run([node, "-e", script, json.dumps(data), str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    drawn: list[str] = json.loads(out.read_text())
    return drawn


def _data_blob(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="chaos-data">(.*?)</script>', page, re.S)
    assert match is not None
    blob: dict[str, Any] = json.loads(match.group(1))
    return blob


def test_the_page_script_draws_every_tampered_timeline_as_text(tmp_path: Path) -> None:
    data = _data_blob(render_html(tampered_report()))

    drawn = _run_page_script(data, tmp_path / "drawn.json")

    assert len(drawn) == len(data["trials"]) and all(drawn)
    for fragment in drawn:
        found = elements(fragment)
        assert set(found.tags) <= {"svg", "title", "rect", "text", "g", "line", "path", "details", "summary",
                                   "table", "thead", "tbody", "tr", "th", "td"}, fragment[:2000]
        assert not [a for a in found.attrs if a.startswith("on")]
        assert "<img" not in fragment


def test_the_page_script_still_draws_an_untampered_report(tmp_path: Path) -> None:
    data = _data_blob(render_html(real_report()))

    drawn = _run_page_script(data, tmp_path / "drawn.json")

    assert all('class="bar o-' in d for d in drawn if "no node attempts" not in d)
