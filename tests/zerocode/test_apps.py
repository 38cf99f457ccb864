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

#: app -> {kind: the invariant its trial fails with} for the kinds whose verdict is "fail"
#: (seed 7), and why each is true:
#: - no node of these apps has a TimeoutPolicy, and their SDK clients are built without a
#:   timeout (ChatAnthropic/ChatOpenAI/OpenAIEmbeddings default to none): a hung upstream, a
#:   lost response or a stalled stream hangs the run forever (liveness);
#: - no node has a RetryPolicy: one transient failure of a node that calls an upstream, after
#:   the SDK's own retries gave up, ends the run (transient_fatal, true by the issue's contract);
#: - react_agent's tools node POSTs to the search API without an Idempotency-Key: killed after
#:   its body ran, it runs again on resume and the POST is sent twice (duplicate_effects, and
#:   duplicate_deliveries from the kill children's HTTP journal).
_TRANSIENT = ["raise_status_429", "raise_status_503", "raise_connect_error", "raise_read_timeout"]
_HANGS = ["hang", "http.lost_response", "http.stalled_stream"]
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "react_agent": {**dict.fromkeys(_HANGS, "liveness"), **dict.fromkeys(
        [*_TRANSIENT, "lost_result", "http.status_429"], "transient_fatal"),
        "kill": "duplicate_deliveries,duplicate_effects"},
    "retrieval_agent": {**dict.fromkeys(_HANGS, "liveness"), **dict.fromkeys(_TRANSIENT, "transient_fatal")},
    "rag_research_agent": {**dict.fromkeys(_HANGS, "liveness"), **dict.fromkeys(
        [*_TRANSIENT, "lost_result"], "transient_fatal")},
    # Faults land in human_node after the answer to its interrupt (site human_node@run2a1).
    "agent_inbox": {"hang": "liveness"},
}

#: The kinds that must run on each app (every kind that applies to it): the node kinds, the
#: transport kinds where nodes call HTTP APIs, and the thread kinds (each app is served from
#: langgraph.json, so it gets a checkpointer as on the LangGraph server).
_NODE = ["exception", "raise_status_429", "raise_status_503", "raise_connect_error", "raise_read_timeout", "hang", "delay",
         "lost_result", "raises_cancelled"]
_HTTP = ["http.status_429", "http.status_503", "http.connect_error", "http.lost_response",
         "http.stalled_stream", "http.cut_stream"]
EXPECTED_KINDS: dict[str, set[str]] = {
    "react_agent": {*_NODE, *_HTTP, "sigterm", "kill", "resume"},
    "retrieval_agent": {*_NODE, *_HTTP, "sigterm", "kill", "resume"},
    "rag_research_agent": {*_NODE, *_HTTP, "sigterm", "kill", "resume"},
    # Its nodes call no upstream, so the node kinds that stand for a failed upstream call
    # (_TRANSIENT) have no site there and are not generated.
    # No sigterm: the top-level node that runs stops at interrupt() in the superstep a drain would
    # end, so there is nothing to drain after.
    "agent_inbox": {*_NODE, "resume"} - set(_TRANSIENT),
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
    kinds = {item.split("::", 1)[1].split("[", 1)[0] for item in first}
    assert kinds == EXPECTED_KINDS[app]
    failed = {item.split("::", 1)[1].split("[", 1)[0]: invariants
              for item, (verdict, invariants) in first.items() if verdict == "fail"}
    assert failed == EXPECTED_FAILURES[app]
    assert all(verdict in ("pass", "fail") for verdict, _ in first.values())
    if app == "react_agent":
        # The README's zero-code quickstart shows items of this very run.
        readme = (APPS.parents[1] / "README.md").read_text()
        block = readme.split("### Chaos on your agent app, without writing a test", 1)[1].split("```console", 1)[1]
        shown = [line.split() for line in block.split("```", 1)[0].strip().splitlines()[1:]]
        assert shown and all(first[item][0] == {"PASSED": "pass", "FAILED": "fail"}[verdict] for item, verdict in shown)
    if app == "agent_inbox":
        # The generated answer (agent-inbox protocol: accept) resumes the interrupt, so the
        # code after interrupt() gets faults.
        assert any("@run2" in item for item in first)
