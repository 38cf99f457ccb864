"""``pytest --chaos`` with zero test code on vendored public LangGraph applications.

Each app in tests/apps/<name>/ is a minimal copy of a public repository (SOURCE.md: repository,
commit, license, what changed) with its own langgraph.json and a pytest.ini giving its input
(and, where it needs them, its config and a routes file). The run here is exactly what a user
types in the app's directory: ``pytest --chaos``.

On each app: no request reaches the network (the model SDKs are pointed at a loopback server
that counts what it receives: nothing), every baseline finishes, and two runs with the same
seed give the same items and verdicts.
"""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "apps"

#: app -> (the kinds whose verdict is "fail", and why each is true)
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    # No node of these apps has a TimeoutPolicy (a hung upstream hangs the run forever: liveness)
    # or a RetryPolicy (one transient failure of a node that calls an upstream, after the SDK's
    # own retries gave up, ends the run: transient_fatal, true by the contract).
    "react_agent": {"hang": "liveness", **dict.fromkeys(
        ["http_429", "http_5xx", "connect_error", "read_timeout", "lost_result", "requests_error", "aiohttp_error"],
        "transient_fatal")},
    "retrieval_agent": {"hang": "liveness", **dict.fromkeys(
        ["http_429", "http_5xx", "connect_error", "read_timeout", "requests_error"], "transient_fatal")},
    "rag_research_agent": {"hang": "liveness", **dict.fromkeys(
        ["http_429", "http_5xx", "connect_error", "read_timeout", "lost_result", "requests_error", "aiohttp_error"],
        "transient_fatal")},
    # human_node interrupts before it can return, so a lost result can never fire there.
    "agent_inbox": {"hang": "liveness", "lost_result": "faults_fired"},
}


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def _count(self) -> None:
        self.hits.append(f"{self.command} {self.path}")
        self.send_response(599)
        self.end_headers()

    do_GET = do_POST = _count

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A loopback server standing in for the model APIs; what it receives leaked."""
    hits: list[str] = []
    srv = http.server.HTTPServer(("127.0.0.1", 0), type("H", (_Counter,), {"hits": hits}))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    monkeypatch.setenv("OPENAI_BASE_URL", f"{base}/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", base)
    yield hits
    srv.shutdown()
    srv.server_close()


def _run(pytester: pytest.Pytester, report: str) -> dict[str, tuple[str, str]]:
    result = pytester.runpytest_subprocess("--chaos", "--chaos-seed=7", "-p", "no:cacheprovider", f"--chaos-report={report}")
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()
    trials = json.loads((pytester.path / report).read_text())["trials"]
    for trial in trials:
        baseline = trial["baseline"]
        assert baseline["outcome"] in ("ok", "interrupted"), (trial["id"], baseline["error"], baseline.get("error_message"))
    return {t["id"]: (t["verdict"], ",".join(sorted({v["invariant"] for v in t["violations"]}))) for t in trials}


@pytest.mark.parametrize("app", sorted(EXPECTED_FAILURES))
def test_zero_code_run_on_a_public_app(pytester: pytest.Pytester, network: list[str], app: str) -> None:
    shutil.copytree(APPS / app, pytester.path, dirs_exist_ok=True)
    first = _run(pytester, "first.json")
    second = _run(pytester, "second.json")
    assert network == []
    assert first == second
    failed = {item.split("::", 1)[1].split("[", 1)[0]: invariants
              for item, (verdict, invariants) in first.items() if verdict == "fail"}
    assert failed == EXPECTED_FAILURES[app]
    assert len(first) >= 8
