"""The HTML report in a real browser: Debian's headless Chromium opens it from a file.

Chromium dumps the DOM after the page's scripts ran (``--dump-dom`` with a virtual-time
budget) and takes a screenshot. The checks: every trial's timeline was drawn as SVG with bars,
the page raised no error and logged nothing to the console, and the page loaded nothing (its
CSP refuses every load, and a refusal would be both logged and written into the page). The
screenshot is kept as a test artifact, and copied to ``reports/screenshots/`` when possible.

Without Chromium the tests skip, saying how to install it; under CI (``CI=true``) a missing
Chromium fails them, because ``.ci/run`` installs it with ``.ci/browser.sh``.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chaos.reporting import write_html
from tests.reporting.real_reports import large_report, real_report, with_run_events

REPO = Path(__file__).resolve().parents[2]
# Flags from the machine notes: without the background-networking ones Chromium tries to reach
# its services at start, and this machine has no network.
HEADLESS_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--hide-scrollbars",
    "--enable-logging=stderr", "--v=0",
)
BROWSER_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed, and CI must run the browser test: .ci/run installs it with .ci/browser.sh")
    pytest.skip("chromium is not installed; `bash .ci/browser.sh` installs Debian's chromium (needs root)")


def _processes_using(marker: str) -> list[int]:
    """Pids whose command line mentions ``marker`` (our unique --user-data-dir)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def run_chromium(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a fresh profile; leave no process and no profile behind.

    Chromium runs in its own session so that on a timeout the whole process group (browser,
    zygote, renderers) is killed, not only the browser. Afterwards no process may still use the
    profile directory: a survivor is killed (by pid: we started it) and fails the test.
    """
    profile = tempfile.mkdtemp(prefix="chaos-chromium-")
    try:
        proc = subprocess.Popen(
            [binary, *HEADLESS_FLAGS, f"--user-data-dir={profile}", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=BROWSER_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            pytest.fail(f"chromium did not finish in {BROWSER_TIMEOUT:.0f} s; stderr:\n{err[-4000:]}")
        deadline = time.monotonic() + 10
        while (left := _processes_using(profile)) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert not left, f"chromium processes outlived the browser: {left}"
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        assert not Path(profile).exists(), f"the browser profile {profile} was not removed"


def console_lines(stderr: str) -> list[str]:
    """What the page logged: Chromium writes console messages and uncaught errors as CONSOLE lines."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


class Dom(HTMLParser):
    """The parts of the dumped DOM the checks need."""

    def __init__(self) -> None:
        super().__init__()
        self.root_attrs: dict[str, str | None] = {}
        self.trials = 0
        self.hidden_trials: list[str | None] = []
        self.timelines = 0
        self.bars = 0
        self.rects = 0
        self.event_lines = 0
        self.imgs = 0
        self.errors = ""
        self._in_errors = False
        self._svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "html":
            self.root_attrs = a
        elif tag == "details" and "trial" in classes:
            self.trials += 1
            if "hidden" in a:
                self.hidden_trials.append(a.get("data-verdict"))
        elif tag == "svg" and "tl" in classes and a.get("role") == "img":
            self.timelines += 1
            self._svg_depth = 1
        elif tag == "svg" and self._svg_depth:
            self._svg_depth += 1
        elif tag == "line" and self._svg_depth and "ev" in classes:
            self.event_lines += 1
        elif tag == "rect" and self._svg_depth:
            self.rects += 1
            self.bars += "bar" in classes
        elif tag == "img":
            self.imgs += 1
        elif a.get("id") == "chaos-errors":
            self._in_errors = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        elif tag == "pre":
            self._in_errors = False

    def handle_data(self, data: str) -> None:
        if self._in_errors:
            self.errors += data


def dump_dom(binary: str, page: Path, fragment: str = "") -> tuple[Dom, list[str]]:
    """The DOM after the page's scripts ran (timers included), and its console lines."""
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    done = run_chromium(binary, "--virtual-time-budget=5000", "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-4000:]
    dom = Dom()
    dom.feed(done.stdout)
    return dom, console_lines(done.stderr)


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    page = tmp_path_factory.mktemp("html-report") / "report.html"
    write_html(page, with_run_events(real_report()))
    yield page


def test_every_timeline_renders_without_errors_when_all_trials_are_opened(chromium: str, report_page: Path) -> None:
    dom, console = dump_dom(chromium, report_page, "all")

    assert console == []
    assert dom.errors.strip() == ""
    assert dom.root_attrs.get("data-chaos-errors") is None
    assert dom.trials == 5
    assert dom.timelines == 5, "one timeline per opened trial"
    assert dom.root_attrs.get("data-chaos-ready") == "5", "the page script did not finish"
    # 9 + 8 + 6 + 6 attempts in the support trials and 1 in the liveness one, one bar each.
    assert dom.bars == 30
    assert dom.rects > dom.bars  # lane backgrounds and violation outlines too
    # The real drain's sigterm, drain and resume share 0 s (one line); the added ones do not.
    assert dom.event_lines == 1 + 3


def test_only_the_first_failed_trial_is_drawn_when_the_page_opens(chromium: str, report_page: Path) -> None:
    dom, console = dump_dom(chromium, report_page)

    assert console == []
    assert dom.errors.strip() == ""
    assert dom.timelines == 1  # lazy: the other trials are drawn when opened
    assert dom.bars == 1  # the liveness trial's single aborted attempt


def test_the_failed_filter_hides_the_passed_trials(chromium: str, report_page: Path) -> None:
    dom, console = dump_dom(chromium, report_page, "failed")

    assert console == []
    assert dom.errors.strip() == ""
    assert dom.hidden_trials == ["pass", "pass", "pass"]


def test_hostile_report_strings_stay_text_in_the_browser(chromium: str, tmp_path: Path) -> None:
    report = real_report()
    evil = '<img src=x onerror="document.title=1">'
    trial = report["trials"][0]
    trial["id"] = evil
    trial["violations"][0]["message"] = evil + "</script><script>document.title=2</script>"
    for attempt in trial["journal"]:
        attempt["task"] = evil
    page = tmp_path / "hostile.html"
    write_html(page, report)

    dom, console = dump_dom(chromium, page, "all")

    assert console == []
    assert dom.errors.strip() == ""
    assert dom.imgs == 0
    assert dom.timelines == 5


def test_a_thousand_trial_report_opens_fast_and_draws_only_the_opened_trial(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "large.html"
    write_html(page, large_report(1000))

    dom, console = dump_dom(chromium, page)

    assert console == []
    assert dom.errors.strip() == ""
    assert dom.trials == 1000
    assert dom.root_attrs.get("data-chaos-ready") == "1000"
    assert dom.timelines == 1  # the first failure, opened for the reader; the rest wait
    ready_ms = int(dom.root_attrs["data-chaos-ms"] or 0)
    print(f"1,000-trial page ready in the browser after {ready_ms} ms (parse, script, first timelines)")
    assert ready_ms < 10_000


def test_the_error_checks_catch_a_page_that_loads_from_the_network(chromium: str, report_page: Path, tmp_path: Path) -> None:
    # The checks above can fail: a page that tries a network load is refused by its CSP, and
    # the refusal shows up both in the console and in the page's error box.
    page = tmp_path / "leaky.html"
    page.write_text(report_page.read_text().replace("</main>", '<img src="https:&#47;/example.invalid/x.png"></main>', 1))

    dom, console = dump_dom(chromium, page)

    assert "blocked by CSP" in dom.errors
    assert any("Content Security Policy" in line for line in console), console


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_a_screenshot_of_the_report_is_kept(chromium: str, report_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "html-report.png"

    done = run_chromium(
        chromium, "--window-size=1400,1000", "--virtual-time-budget=5000", f"--screenshot={shot}",
        report_page.resolve().as_uri(),
    )

    assert done.returncode == 0, done.stderr[-4000:]
    assert console_lines(done.stderr) == []
    assert _png_size(shot) == (1400, 1000)
    assert shot.stat().st_size > 20_000, "a blank page compresses to a few KiB"
    keep = REPO / "reports" / "screenshots"
    try:
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, keep / shot.name)
    except OSError:
        pass  # a read-only checkout keeps the artifact in the pytest tmp dir only
    print(f"screenshot: {shot}")


def test_a_tampered_report_builds_no_live_element_in_the_browser(chromium: str, tmp_path: Path) -> None:
    # Markup in every field of every record, numbers included (attempt, step, status, start):
    # the page script must draw all of it as text (see tests/reliability/test_html_untrusted.py).
    from tests.reliability.test_html_untrusted import tampered_report

    page = tmp_path / "tampered.html"
    write_html(page, tampered_report())

    dom, console = dump_dom(chromium, page, "all")

    assert console == []
    assert dom.errors.strip() == ""
    assert dom.imgs == 0
    assert dom.timelines == dom.trials == 5
