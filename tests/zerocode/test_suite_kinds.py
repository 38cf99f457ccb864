"""The zero-code suite's kinds: every lever a graph has, aimed only where a fault can fire.

``pytest --chaos --chaos-target=...`` with no test code, on small real LangGraph graphs:
a builder with a CachePolicy node gets sigterm, kill, resume and cache_expiry items; a cache
that ignores TTLs is caught; transport faults hit the requests nodes really sent; the code
after an ``interrupt()`` gets faults once the suite answers it; item ids follow one grammar;
the same seed gives the same items and verdicts with -n 0, 2 and 4.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chaos.inject import instrument
from chaos.savers import default_cache, sqlite_saver_in
from chaos.suite import discover_steps, generated_answer, plan_suite

CACHED_APP = '''
import operator
from typing import Annotated, TypedDict

from langgraph.cache.memory import InMemoryCache
from langgraph.graph import END, START, StateGraph
from langgraph.types import CachePolicy


class S(TypedDict, total=False):
    x: int
    log: Annotated[list[str], operator.add]


def fetch(state: S) -> dict:
    return {"x": state.get("x", 0) + 1, "log": ["fetch"]}


def rank(state: S) -> dict:
    return {"log": ["rank"]}


builder = StateGraph(S)
builder.add_node("fetch", fetch, cache_policy=CachePolicy(ttl=60))
builder.add_node("rank", rank)
builder.add_edge(START, "fetch")
builder.add_edge("fetch", "rank")
builder.add_edge("rank", END)


class ForeverCache(InMemoryCache):
    """A cache backend that ignores TTLs: every entry lives forever."""

    def set(self, keys):
        super().set({k: (v, None) for k, (v, _ttl) in keys.items()})


forever = builder.compile(cache=ForeverCache())
'''

HTTP_APP = '''
from typing import TypedDict

import httpx
from langgraph.graph import END, START, StateGraph


class S(TypedDict, total=False):
    q: str
    hits: int


def search(state: S) -> dict:
    with httpx.Client(timeout=5) as client:
        r = client.get("https://search.example.com/api", params={"q": state.get("q", "")})
        r.raise_for_status()
        return {"hits": len(r.json()["hits"])}


def summarize(state: S) -> dict:
    return {"hits": state.get("hits", 0)}


builder = StateGraph(S)
builder.add_node("search", search)
builder.add_node("summarize", summarize)
builder.add_edge(START, "search")
builder.add_edge("search", "summarize")
builder.add_edge("summarize", END)
'''

ROUTES = '''
[[routes]]
method = "GET"
url = "https://search.example.com/api"
json = {hits = [1, 2]}
'''

ID = re.compile(r"^chaos:[^\s]+::[a-z_.0-9]+\[[^\s\]]+\]#\d+$")


def _report(pytester: pytest.Pytester, *args: str, name: str = "r.json") -> dict[str, tuple[str, str]]:
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider", f"--chaos-report={name}", *args)
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()
    trials = json.loads((pytester.path / name).read_text())["trials"]
    return {t["id"]: (t["verdict"], ",".join(sorted({v["invariant"] for v in t["violations"]}))) for t in trials}


def _kinds(ids: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    return {i.split("::", 1)[1].split("[", 1)[0]: v for i, v in ids.items()}


def test_a_builder_with_a_cache_policy_gets_every_thread_kind(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(cachedapp=CACHED_APP)
    pytester.syspathinsert()
    got = _report(pytester, "--chaos-target=cachedapp:builder", '--chaos-input={"x": 1}', "--chaos-seed=5")
    assert all(ID.match(i) for i in got), sorted(got)
    kinds = _kinds(got)
    assert {"sigterm", "kill", "resume", "cache_expiry", "cache_after_failure"} <= set(kinds)
    # Correct graph, correct cache: the thread kinds all hold (kill reruns only pure nodes).
    assert {k: v for k, v in kinds.items() if k in ("sigterm", "kill", "resume", "cache_expiry",
                                                    "cache_after_failure")} == dict.fromkeys(
        ["sigterm", "kill", "resume", "cache_expiry", "cache_after_failure"], ("pass", ""))
    # Nothing here sends HTTP: no transport kind, no requests/aiohttp kind is generated.
    assert not any(k.startswith("http.") or k in ("requests_error", "aiohttp_error") for k in kinds)


def test_a_cache_that_ignores_ttls_is_caught_with_zero_test_code(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(cachedapp=CACHED_APP)
    pytester.syspathinsert()
    got = _report(pytester, "--chaos-target=cachedapp:forever", '--chaos-input={"x": 1}', "--chaos-seed=5",
                  "-k", "cache_expiry")
    assert list(got.values()) == [("fail", "cache_ttl")]


def test_transport_faults_hit_the_requests_nodes_sent(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(httpapp=HTTP_APP)
    (pytester.path / "routes.toml").write_text(ROUTES)
    pytester.syspathinsert()
    got = _report(pytester, "--chaos-target=httpapp:builder", '--chaos-input={"q": "x"}', "--chaos-seed=5",
                  "--chaos-routes=routes.toml", "-k", "http.")
    sites = {i.split("::", 1)[1] for i in got}
    # Only search sent a request (its 1st, in attempt 1): every transport kind aims there.
    assert sites == {f"{k}[search@a1r1]#0" for k in ("http.status_429", "http.status_503", "http.connect_error",
                                                    "http.lost_response", "http.stalled_stream", "http.cut_stream")}
    # No RetryPolicy: a 503 or a refused connection ends the run (true by the contract); a
    # client with a timeout survives nothing it cannot retry, but never hangs.
    assert got["chaos:httpapp:builder::http.status_503[search@a1r1]#0"] == ("fail", "transient_fatal")
    assert all(verdict != "pass" or inv == "" for verdict, inv in got.values())
    assert not any("liveness" in inv for _v, inv in got.values())  # httpx.Client(timeout=5)


def test_a_file_path_target_appears_in_the_ids_as_written(pytester: pytest.Pytester) -> None:
    (pytester.path / "pkg").mkdir()
    (pytester.path / "pkg" / "app.py").write_text(CACHED_APP)
    result = pytester.runpytest("--chaos", "--chaos-target=pkg/app.py:builder", '--chaos-input={"x": 1}',
                                "--collect-only", "-q", "-p", "no:cacheprovider")
    ids = [line for line in result.outlines if line.startswith("chaos:")]
    assert ids and all(i.startswith("chaos:pkg/app.py:builder::") and ID.match(i) for i in ids)


def test_the_code_after_an_interrupt_gets_faults() -> None:
    from chaos.targets import load

    project = Path(__file__).resolve().parents[1] / "apps" / "agent_inbox" / "langgraph.json"
    inst = instrument(load(f"{project}:agent").graph, checkpointer_factory=sqlite_saver_in, cache_factory=default_cache)
    saver = inst.graph.checkpointer = sqlite_saver_in()  # as the LangGraph server gives one
    inst.cleanups.append(saver.close)
    try:
        steps, journal = discover_steps(inst, {})
        assert journal.outcome == "ok" and len(steps) == 2  # invoke, then the generated answer
        plan = plan_suite(inst, target="inbox", seed=3, trials=1, journal=journal, steps=steps)
        assert any(c.site == "human_node@run2a1" for c in plan.cases)
    finally:
        inst.close()


def test_generated_answers_follow_the_agent_inbox_protocol() -> None:
    question = [{"action_request": {"action": "a", "args": {}}, "config": {"allow_accept": True}}]
    assert generated_answer(question) == [{"type": "accept", "args": {"action": "a", "args": {}}}]
    respond = [{"action_request": {}, "config": {"allow_accept": False, "allow_respond": True}}]
    assert generated_answer(respond)[0]["type"] == "response"
    assert isinstance(generated_answer("Approve?"), str)


REJECTING_APP = '''
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class S(TypedDict, total=False):
    ok: bool


def ask(state: S) -> dict:
    answer = interrupt("approve?")
    if answer not in ("yes", "no"):
        raise ValueError(f"unexpected answer {answer!r}")
    return {"ok": answer == "yes"}


builder = StateGraph(S)
builder.add_node("ask", ask)
builder.add_edge(START, "ask")
builder.add_edge("ask", END)
'''


def test_a_rejected_generated_answer_is_inconclusive_and_chaos_answers_fixes_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(askapp=REJECTING_APP)
    pytester.syspathinsert()
    rejected = _report(pytester, "--chaos-target=askapp:builder", "--chaos-input={}", "--chaos-seed=2", "-k", "exception")
    assert [v for v, _ in rejected.values()] == ["inconclusive"]
    answered = _report(pytester, "--chaos-target=askapp:builder", "--chaos-input={}", "--chaos-seed=2",
                       '--chaos-answers=["yes"]', name="a.json")
    assert "inconclusive" not in {v for v, _ in answered.values()}
    assert any("@run2a1" in i for i in answered)


def test_one_seed_gives_the_same_items_and_verdicts_with_0_2_and_4_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(cachedapp=CACHED_APP, httpapp=HTTP_APP)
    (pytester.path / "routes.toml").write_text(ROUTES)
    args = ("--chaos", "--chaos-target=cachedapp:builder", "--chaos-target=httpapp:builder",
            '--chaos-input={"x": 1, "q": "x"}', "--chaos-routes=routes.toml", "--chaos-seed=9", "-p", "no:cacheprovider")

    def verdicts(workers: str) -> dict[str, tuple[str, list[str]]]:
        name = f"n{workers}.json"
        result = pytester.runpytest_subprocess(*args, "-n", workers, f"--chaos-report={name}")
        assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()
        trials = json.loads(Path(pytester.path / name).read_text())["trials"]
        return {t["id"]: (t["verdict"], sorted(v["invariant"] for v in t["violations"])) for t in trials}

    serial = verdicts("0")
    assert {"kill", "sigterm", "resume", "cache_expiry", "http.status_429"} <= {
        i.split("::", 1)[1].split("[", 1)[0] for i in serial}
    assert verdicts("2") == serial
    assert verdicts("4") == serial
