"""The audit's probes run on the sealed network with the model fakes: an SDK on httpx2 is seen,
and with real ChatOpenAI/ChatAnthropic clients not one request leaves the process, while the
audit still finds what is wrong with them."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any, TypedDict

import pytest

from langchain_anthropic import ChatAnthropic
from langgraph.graph import START, StateGraph

from chaos.audit import audit


class S(TypedDict, total=False):
    answer: str


def _graph() -> StateGraph[S]:
    model = ChatAnthropic(model="claude-chaos-test", api_key="sk-ant-test")  # type: ignore[call-arg,arg-type]

    async def ask(state: S) -> dict[str, Any]:
        return {"answer": str((await model.ainvoke("hi")).content)}

    builder = StateGraph(S)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    return builder


def test_an_anthropic_call_without_a_timeout_is_found_with_no_routes_given() -> None:
    found = audit(_graph(), {})
    assert ("LGC102", "ask") in [(f.code, f.location) for f in found], [f.format() for f in found]
    assert not [f for f in found if "probe" in f.message and "raised" in f.message]


# -- real ChatOpenAI and ChatAnthropic clients, pointed at a loopback server that counts --------

APP = '''
from typing import Any, TypedDict

from langchain_anthropic import ChatAnthropic
from langchain_openai import ChatOpenAI
from langgraph.graph import START, StateGraph
from langgraph.types import RetryPolicy


class S(TypedDict, total=False):
    a: str
    b: str


gpt = ChatOpenAI(model="gpt-4o-mini")
claude = ChatAnthropic(model="claude-haiku-4-5")


async def ask_gpt(state: S) -> dict[str, Any]:
    return {"a": str((await gpt.ainvoke("hi")).content)}


async def ask_claude(state: S) -> dict[str, Any]:
    return {"b": str((await claude.ainvoke("hi")).content)}


builder = StateGraph(S)
builder.add_node("ask_gpt", ask_gpt, retry_policy=RetryPolicy(retry_on=ValueError))
builder.add_node("ask_claude", ask_claude)
builder.add_edge(START, "ask_gpt")
builder.add_edge("ask_gpt", "ask_claude")
'''


@pytest.fixture
def leaks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A loopback server standing in for both model APIs: whatever reaches it left the process."""
    hits: list[str] = []

    class Counter(http.server.BaseHTTPRequestHandler):
        def _count(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.send_response(599)
            self.end_headers()

        do_GET = do_POST = _count

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    monkeypatch.setenv("OPENAI_BASE_URL", f"{base}/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", base)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    yield hits
    srv.shutdown()
    srv.server_close()


def _codes(found: list[Any]) -> set[tuple[str, str]]:
    return {(f.code, f.location) for f in found}


def test_an_audit_of_real_openai_and_anthropic_clients_sends_nothing_out_and_finds_their_problems(
    leaks: list[str], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "llmapp.py").write_text(APP)
    monkeypatch.syspath_prepend(str(tmp_path))
    import llmapp  # type: ignore[import-not-found]  # written above

    found = audit(llmapp.builder, {})
    assert leaks == []
    codes = _codes(found)
    # The probes ran both SDKs against the fakes (no client timeout on either), the storm probe
    # made the OpenAI SDK retry 503s, and the retry probes saw its real exception types.
    assert {("LGC102", "ask_gpt"), ("LGC102", "ask_claude"), ("LGC201", "ask_gpt"), ("LGC204", "ask_gpt"),
            ("LGC206", "ask_gpt")} <= codes, [f.format() for f in found]
    assert not [f for f in found if f.code == "LGC001"], [f.format() for f in found]  # every probe finished


def test_the_audit_item_of_pytest_chaos_sends_nothing_out_either(leaks: list[str], pytester: pytest.Pytester) -> None:
    pytester.makepyfile(llmapp=APP)
    pytester.syspathinsert()
    result = pytester.runpytest_subprocess("--chaos", "--chaos-audit", "--chaos-target=llmapp:builder", "-p", "no:cacheprovider",
                                           "-k", "chaos-audit or exception")
    assert leaks == []
    result.stdout.fnmatch_lines(["*LGC102 error [[]node ask_gpt[]]*", "*LGC102 error [[]node ask_claude[]]*"])
    assert result.parseoutcomes().get("failed") == 1  # the audit item: its LGC102 errors
