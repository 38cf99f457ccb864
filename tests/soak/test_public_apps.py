"""Hand-written chaos trials on three vendored public LangGraph apps (tests/apps/*, unmodified
but for how their clients are built; repository and commit in each SOURCE.md).

- react_agent (langchain-ai/react-agent@d89d249c): ChatAnthropic + a Tavily tool over httpx;
- retrieval_agent (langchain-ai/retrieval-agent-template@8f402554): query, retrieve, respond;
- rag_research_agent (langchain-ai/rag-research-agent-template@39f3ce6a): a router, a research
  plan and a researcher subgraph fanning out with ``Send``.

The real SDK clients run (default ``max_retries=2``); the model APIs are answered by the
built-in fakes (`chaos.http.fakes.ModelFakes`), the Tavily API by a route. No app has a
RetryPolicy or a TimeoutPolicy. So:

- no false alarm: a 429 with ``Retry-After`` at the model endpoint is retried by the SDK after
  the header's delay and the run recovers; the recovered run's messages (uuid ids minted per
  run, a system prompt with the wall time) are in steady state: every trial passes;
- no false green: a sustained 503 outage outlives the SDK's two retries and, with no
  RetryPolicy, fails the run (``transient_fatal``, true: in production one outage longer than
  about two seconds kills the conversation); a hung tool with no timeout never ends
  (``liveness``, true: nothing in the app can time it out).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chaos import Chaos, faults
from chaos.http import faults as http_faults
from chaos.http.fakes import ModelFakes
from chaos.targets import load

# The templates still build their graphs with config_schema and input= (deprecated in LangGraph 1.0 and 0.5) and pydantic's .copy(): not ours to change.
pytestmark = [pytest.mark.filterwarnings("ignore::langgraph.warnings.LangGraphDeprecatedSinceV10"),
              pytest.mark.filterwarnings("ignore::langgraph.warnings.LangGraphDeprecatedSinceV05"),
              pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")]

APPS = Path(__file__).resolve().parents[1] / "apps"
TAVILY = "https://api.tavily.com/search"
HITS = {"query": "q", "results": [{"title": "LangGraph", "url": "https://example.com", "content": "A library.", "score": 0.9}]}

#: app -> (graph in langgraph.json, input, config, the node that calls the chat model)
APP_RUNS: dict[str, tuple[str, dict[str, Any], dict[str, Any] | None, str]] = {
    "react_agent": ("agent", {"messages": [{"role": "user", "content": "What is LangGraph?"}]}, None, "call_model"),
    "retrieval_agent": ("retrieval_graph", {"messages": [{"role": "user", "content": "What does a checkpointer do?"}]},
                        {"configurable": {"user_id": "u1", "retriever_provider": "memory"}}, "respond"),
    "rag_research_agent": ("retrieval_graph", {"messages": [{"role": "user", "content": "How does LangGraph fan out work?"}]},
                           {"configurable": {"retriever_provider": "memory"}}, "respond"),
}


@pytest.fixture
def app_graph(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The app's graph, imported from its langgraph.json; its modules forgotten afterwards (two
    apps share the package name ``retrieval_graph``)."""
    name = request.param
    root = APPS / name
    for key in ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "TAVILY_API_KEY"):
        monkeypatch.setenv(key, "chaos-placeholder")
    saved = list(sys.path)
    try:
        yield load(f"{root}/langgraph.json:{APP_RUNS[name][0]}").graph
    finally:
        sys.path[:] = saved
        for mod, value in list(sys.modules.items()):
            if str(getattr(value, "__file__", "") or "").startswith(str(root)):
                del sys.modules[mod]


def harness(app: str, seed: int = 7) -> Chaos:
    chaos = Chaos(seed=seed, test_id=f"public-app::{app}")
    fakes = ModelFakes()
    if app == "rag_research_agent":
        # as the app's chaos-routes.toml: the router's structured answer sends the question to research
        fakes.script("analyze_and_route_query", {"tool": "Router", "args": {"logic": "a LangGraph question", "type": "langchain"}})
    chaos.http.fakes = fakes
    chaos.http.post(TAVILY).respond(200, json=HITS)
    return chaos


def run(app: str, graph: Any, chaos: Chaos) -> Any:
    _graph, input, config, _node = APP_RUNS[app]
    # react_agent reads runtime.context (its Context has a default for every field); the other
    # two read their configuration from config["configurable"].
    context = graph.context_schema() if app == "react_agent" else None
    return chaos.run(graph, input, config=config, context=context, raise_on_violation=False)


ALL = list(APP_RUNS)


@pytest.mark.parametrize("app_graph", ALL, indirect=True)
def test_a_rate_limit_the_sdk_retries_after_its_retry_after_passes(app_graph: Any, request: pytest.FixtureRequest) -> None:
    app = request.node.callspec.params["app_graph"]
    chaos = harness(app)
    try:
        chaos.inject(http_faults.status(429, retry_after=1, requests=[1]), node=APP_RUNS[app][3], attempts=[1])
        result = run(app, app_graph, chaos)
        assert result.baseline.outcome == "ok", (result.baseline.error, result.baseline.error_message)
        assert result.verdict == "pass", result.describe_failure()
        assert {"steady_state", "retry_after", "transient_fatal"} <= set(result.checked)
        sent = [h for h in result.journal.http if h.node == APP_RUNS[app][3]]
        assert sent[0].status == 429 and sent[0].retry_after == "1" and sent[1].time - sent[0].time >= 1.0
    finally:
        chaos.close()


@pytest.mark.parametrize("app_graph", ALL, indirect=True)
def test_a_sustained_outage_fails_the_run_because_no_node_has_a_retry_policy(app_graph: Any, request: pytest.FixtureRequest) -> None:
    app = request.node.callspec.params["app_graph"]
    node = APP_RUNS[app][3]
    chaos = harness(app)
    try:
        chaos.inject(http_faults.status(503), node=node)
        result = run(app, app_graph, chaos)
        assert result.verdict == "fail"
        [v] = result.violated("transient_fatal")
        assert v.node == node and "(HTTP 503)" in v.message and "has no RetryPolicy" in v.message
        assert "retry_on=(anthropic.RateLimitError, anthropic.InternalServerError, anthropic.APIConnectionError)" in v.message
        # the SDK's own retries (max_retries=2) ran first: three requests in the one attempt
        assert len([h for h in result.journal.http if h.node == node]) == 3
        assert [x.invariant for x in result.violations] == ["transient_fatal"]
    finally:
        chaos.close()


@pytest.mark.parametrize("app_graph", ["react_agent"], indirect=True)
def test_a_hung_tool_call_hangs_the_react_agent_forever(app_graph: Any) -> None:
    chaos = harness("react_agent")
    try:
        chaos.inject(faults.hang(), node="tools", attempts=[1])
        result = run("react_agent", app_graph, chaos)
        assert [v.invariant for v in result.violations] == ["liveness"]
    finally:
        chaos.close()
