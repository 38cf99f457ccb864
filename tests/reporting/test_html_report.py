"""`chaos.reporting.render_html`: what the page says, that it is safe, and that it is fast.

The browser checks (timelines drawn, no console error) are in test_html_browser.py; these read
the HTML as text, on reports of real trials (tests/reporting/real_reports.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chaos.reporting import render_html, write_html
from chaos.reporting.html import main
from tests.reporting.real_reports import large_report, real_report, with_run_events

HOSTILE = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'


def data_blob(page: str) -> dict[str, Any]:
    """The JSON the page's script draws timelines from, decoded as the browser would."""
    match = re.search(r'<script type="application/json" id="chaos-data">(.*?)</script>', page, re.S)
    assert match, "no data blob"
    blob: dict[str, Any] = json.loads(match.group(1))
    return blob


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same JSON value with every object's keys inserted in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


class Trials(HTMLParser):
    """Each trial's verdict, open state, violation items and repro text, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.trials: list[dict[str, Any]] = []
        self._grab: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "details" and "trial" in (a.get("class") or ""):
            self.trials.append({"verdict": a["data-verdict"], "open": "open" in a, "violations": [], "repro": "", "id": ""})
        elif self.trials and tag == "li":
            self.trials[-1]["violations"].append("")
            self._grab = "violations"
        elif self.trials and tag == "pre" and (a.get("id") or "").startswith("r-"):
            self._grab = "repro"
        elif self.trials and tag == "span" and a.get("class") == "tid":
            self._grab = "id"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("li", "pre", "span"):
            self._grab = None

    def handle_data(self, data: str) -> None:
        if self._grab == "violations":
            self.trials[-1]["violations"][-1] += data
        elif self._grab:
            self.trials[-1][self._grab] += data


def parse_trials(page: str) -> list[dict[str, Any]]:
    parser = Trials()
    parser.feed(page)
    return parser.trials


def test_the_same_report_gives_the_same_bytes() -> None:
    report = with_run_events(real_report())
    page = render_html(report)

    assert render_html(json.loads(json.dumps(report))) == page
    assert render_html(shuffled(report, random.Random(1))) == page
    assert render_html(shuffled(report, random.Random(2))) == page


def test_the_summary_shows_seed_counts_faults_by_kind_and_violated_invariants() -> None:
    page = render_html(real_report())

    assert "seed <b class=\"mono\">20251122</b>" in page
    assert '<span class="n">5</span>trials' in page
    assert '<span class="n">3</span>passed' in page
    assert '<span class="n">2</span>failed' in page
    faults = page[page.index("Faults injected, by kind"):page.index("Invariants violated")]
    assert re.search(r">hang</td><td class=\"num\">4<", faults)
    assert re.search(r">raise_status</td><td class=\"num\">2<", faults)
    assert re.search(r">sigterm</td><td class=\"num\">1<", faults)
    invariants = page[page.index("Invariants violated"):page.index('aria-label="trials"')]
    assert re.search(r">faults_fired</td><td class=\"num\">1<", invariants)
    assert re.search(r">liveness</td><td class=\"num\">1<", invariants)
    assert "Audit findings" not in page


def test_a_failing_trial_shows_its_violations_and_repro_first_and_open() -> None:
    trials = parse_trials(render_html(real_report()))

    assert [t["verdict"] for t in trials] == ["fail", "fail", "pass", "pass", "pass"]
    assert [t["open"] for t in trials] == [True, False, False, False, False]
    liveness = trials[0]
    assert liveness["id"] == "no_timeout::hang"
    assert len(liveness["violations"]) == 1
    assert liveness["violations"][0].startswith("liveness (node fetch, at 0 s): node 'fetch' hangs")
    assert liveness["repro"] == "pytest --chaos --chaos-seed=20251122 -k 'no_timeout::hang'"
    assert trials[1]["violations"][0].startswith("faults_fired (node answer): declared fault")
    assert all(t["violations"] == [] for t in trials[2:])


def test_violations_are_styled_red() -> None:
    page = render_html(real_report())

    assert re.search(r'<ul class="violations"><li><b>liveness</b>', page)
    assert re.search(r"ul\.violations \{[^}]*color: var\(--fail\)", page)
    assert "--fail:#c92a2a" in page


def test_hostile_strings_are_escaped_in_html_and_round_trip_in_the_data() -> None:
    report = with_run_events(real_report())
    trial = report["trials"][0]
    trial["id"] = HOSTILE
    trial["repro"] = f"pytest -k '{HOSTILE}'"
    trial["violations"][0]["message"] = HOSTILE
    trial["violations"][0]["node"] = HOSTILE
    for attempt in trial["journal"]:
        attempt["node"] = attempt["task"] = HOSTILE
    report["findings"] = [{"code": "C1", "severity": "error", "node": HOSTILE, "message": HOSTILE, "fix": HOSTILE}]

    page = render_html(report)

    assert HOSTILE not in page
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # shown as text
    # Only the page's own three scripts open and close.
    assert page.count("<script") == 3 and page.count("</script>") == 3
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in page
    parsed = parse_trials(page)[0]
    assert parsed["id"] == HOSTILE
    assert parsed["repro"] == f"pytest -k '{HOSTILE}'"
    blob = data_blob(page)["trials"][0]
    assert blob["id"] == HOSTILE
    assert blob["violations"][0]["message"] == HOSTILE
    assert {a["task"] for a in blob["journal"]} == {HOSTILE}


def test_the_page_has_no_external_urls_even_when_the_report_has_some() -> None:
    report = with_run_events(real_report())
    report["trials"][0]["violations"][0]["message"] = "see https://docs.example.test/x and http://x.test"
    page = render_html(report)

    assert "http://" not in page and "https://" not in page and "://" not in page
    assert not re.search(r"\b(src|href|action|srcset|poster)\s*=", page)
    assert "@import" not in page and "url(" not in page
    # The URLs are still there for a reader: escaped in the text, intact in the data.
    assert "https:&#47;&#47;docs.example.test/x" in page
    urls = {h["url"] for t in data_blob(page)["trials"] for h in t["http"]}
    assert "https://search.example.test/v1?q=docs" in urls and "http://llm.example.test/chat" in urls


def test_the_csp_refuses_every_load_and_allows_exactly_the_inline_scripts_and_style() -> None:
    page = render_html(real_report())
    csp_meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    style_tag = re.search(r"<style>(.*?)</style>", page, re.S)
    assert csp_meta and style_tag
    csp, style = csp_meta.group(1), style_tag.group(1)

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert csp.startswith("default-src 'none'; ")
    assert "unsafe-inline" not in csp
    assert f"script-src {sha(scripts[0])} {sha(scripts[1])};" in csp
    assert f"style-src {sha(style)};" in csp


def test_the_data_blob_carries_what_the_timeline_draws() -> None:
    blob = data_blob(render_html(with_run_events(real_report())))
    hang = next(t for t in blob["trials"] if t["id"] == "support::hang")

    timeouts = [a for a in hang["journal"] if a["outcome"] == "timeout"]
    assert {(a["task"], a["timeout_kind"], a["end"], a["fault"]) for a in timeouts} == {
        (f"search#{k}", "idle", 10.0, "hang") for k in (1, 2, 3)
    }
    assert [e["kind"] for e in hang["events"]] == ["drain", "kill", "resume"]
    assert [h["status"] for h in hang["http"] if "status" in h] == [503, 200]
    drain = next(t for t in blob["trials"] if t["id"] == "support::drain")
    assert [e["kind"] for e in drain["events"]] == ["sigterm", "drain", "resume"]


def test_findings_are_listed_when_the_report_has_them() -> None:
    report = real_report()
    report["findings"] = [
        {"code": "no-timeout", "severity": "error", "node": "fetch", "message": "fetch has no TimeoutPolicy",
         "fix": "add timeout=TimeoutPolicy(run_timeout=30)"},
    ]
    page = render_html(report)

    section = page[page.index("Audit findings (1)"):]
    assert '<td class="sev-error">error</td><td class="mono">no-timeout</td><td class="mono">fetch</td>' in section
    assert "add timeout=TimeoutPolicy(run_timeout=30)" in section
    assert "No findings." in render_html({**real_report(), "findings": []})


def test_an_empty_report_and_a_report_without_summary_render() -> None:
    empty = render_html({"schema_version": 1, "seed": 1, "trials": []})
    assert "The report has no trials." in empty
    report = real_report()
    del report["summary"]
    assert '<span class="n">2</span>failed' in render_html(report)


def test_a_thousand_trials_render_and_stay_lazy(capsys: pytest.CaptureFixture[str]) -> None:
    report = large_report(1000)
    render_html(report)  # warm up imports and caches; the second render is the measurement

    start = time.perf_counter()
    page = render_html(report)
    elapsed = time.perf_counter() - start

    with capsys.disabled():
        # Printed, not asserted: the machines are shared, so wall time is no verdict.
        print(f"\nrender_html: 1,000 trials in {elapsed * 1000:.0f} ms, {len(page.encode()) / 1e6:.2f} MB")
    assert len(re.findall(r"<details (?:open )?class=\"trial", page)) == 1000
    # Lazy: no timeline is in the HTML; the script draws one when its trial is opened.
    assert not re.search(r'class="bar o-[a-z]+"', page)
    assert page.count("The timeline is drawn when the trial is opened") == 1000
    assert page.count("<details open ") == 1


def test_write_html_and_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = real_report()
    src = tmp_path / "chaos.json"
    src.write_text(json.dumps(report))

    assert main([str(src), str(tmp_path / "out" / "chaos.html")]) == 0

    out = (tmp_path / "out" / "chaos.html").read_text(encoding="utf-8")
    assert out == render_html(report)
    assert "wrote " in capsys.readouterr().out
    assert write_html(tmp_path / "again.html", report).read_text(encoding="utf-8") == out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not a JSON report, or a truncated one"),
        ('{"seed": 1}', "not a langgraph-chaos report: it has no 'schema_version'"),
    ],
)
def test_the_command_line_names_a_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    src = tmp_path / "in.json"
    if content is not None:
        src.write_text(content)

    with pytest.raises(SystemExit) as exit_info:
        main([str(src), str(tmp_path / "out.html")])

    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.html").exists()
