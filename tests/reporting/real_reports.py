"""Real chaos reports for the HTML report tests, made by running real trials.

The trials run LangGraph graphs under the harness (simulated time, so a 10 s idle timeout costs
milliseconds) and are assembled by `chaos.report.build_report`, exactly as ``--chaos-report``
does. Passing trials show retries with backoff waits, idle timeouts, and a real SIGTERM drain
and resume (`Chaos.drain`); two failing trials show a ``liveness`` violation (a hang nothing
can time out) and a ``faults_fired`` one.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

from chaos import Chaos, faults
from chaos.examples.support import builder as support_builder
from chaos.report import build_report

SEED = 20251122


class _S(TypedDict, total=False):
    log: list[str]


async def _fetch(state: _S) -> dict[str, Any]:
    return {"log": ["fetched"]}


async def _summarize(state: _S) -> dict[str, Any]:
    return {"log": [*state.get("log", []), "summarized"]}


def _no_timeout_builder() -> StateGraph[_S]:
    """fetch -> summarize with no TimeoutPolicy: a hang in fetch can never end (liveness)."""
    g = StateGraph(_S)
    g.add_node("fetch", _fetch)
    g.add_node("summarize", _summarize)
    g.add_edge(START, "fetch")
    g.add_edge("fetch", "summarize")
    g.add_edge("summarize", END)
    return g


def _trial(test_id: str, graph: Any, inp: dict[str, Any], *injections: tuple[Any, str, list[int]]) -> dict[str, Any]:
    chaos = Chaos(seed=SEED, test_id=test_id, repro=f"pytest --chaos --chaos-seed={SEED} -k '{test_id}'")
    try:
        for fault, node, attempts in injections:
            chaos.inject(fault, node, attempts=attempts)
        return chaos.run(graph, inp, raise_on_violation=False).to_json()
    finally:
        chaos.close()


def _drain_trial(test_id: str, inp: dict[str, Any]) -> dict[str, Any]:
    """A real SIGTERM while ``rank`` runs: the run drains, checkpoints and resumes."""
    chaos = Chaos(seed=SEED, test_id=test_id, repro=f"pytest --chaos --chaos-seed={SEED} -k '{test_id}'")
    try:
        return chaos.drain(support_builder, inp, node="rank", saver="memory", raise_on_violation=False).to_json()
    finally:
        chaos.close()


@functools.cache
def _real_report() -> dict[str, Any]:
    question = {"question": "How do I rotate API keys?"}
    trials = [
        _trial("support::http_429", support_builder, question, (faults.raise_status(429, retry_after=2), "rank", [1, 2])),
        _trial("support::hang", support_builder, question, (faults.hang(), "search", [1])),
        _trial("support::never_fires", support_builder, question, (faults.exception(RuntimeError("boom")), "answer", [3])),
        _trial("no_timeout::hang", _no_timeout_builder(), {}, (faults.hang(), "fetch", [1])),
        _drain_trial("support::drain", question),
    ]
    return build_report(SEED, trials)


def real_report() -> dict[str, Any]:
    """A fresh copy (tests may mutate it) of the report of four real trials."""
    return copy.deepcopy(_real_report())


def with_run_events(report: dict[str, Any]) -> dict[str, Any]:
    """Add run events and HTTP records to the idle-timeout trial.

    The real drain trial's events all happen at 0 s and no trial here sends HTTP requests, so
    these records (in the report schema's shape, at times inside the trial's real journal)
    exercise events spread over the axis and HTTP ticks on the task lanes.
    """
    trial = next(t for t in report["trials"] if t["id"] == "support::hang")
    trial["events"] = [
        {"kind": "drain", "time": 4.0, "node": None, "detail": "RunControl drain requested"},
        {"kind": "kill", "time": 6.5, "node": "search", "detail": "worker killed"},
        {"kind": "resume", "time": 10.5, "node": None, "detail": "resumed from checkpoint"},
    ]
    trial["http"] = [
        {"node": "search", "task": "search#1", "attempt": 1, "method": "GET",
         "url": "https://search.example.test/v1?q=docs", "time": 0.0, "status": 503,
         "error": None, "fault": "http 503", "delivered": False},
        {"node": "search", "task": "search#1", "attempt": 2, "method": "GET",
         "url": "https://search.example.test/v1?q=docs", "time": 11.4, "status": 200,
         "error": None, "fault": None, "delivered": True},
        {"node": "answer", "task": "answer#1", "attempt": 1, "method": "POST",
         "url": "http://llm.example.test/chat", "time": 11.7, "status": None,
         "error": "ReadTimeout", "fault": None, "delivered": True},
    ]
    return report


def large_report(n: int) -> dict[str, Any]:
    """``n`` trials made by repeating the real ones under new ids (as a big merge would look)."""
    base = real_report()["trials"]
    trials = []
    for i in range(n):
        t = copy.deepcopy(base[i % len(base)])
        t["id"] = f"{t['id']}[{i:05d}]"
        trials.append(t)
    return build_report(SEED, trials)
