"""Printed reproduce commands reproduce exactly; the summary stays readable; the trial cap counts
every kind and mode.

The app needs every input the zero-code suite takes: a config (the node reads a user from it),
a context (a required field), routes (its search API), answers (it rejects the generated
one), a mode and two trials. Without any of them its items would be inconclusive, not failed:
a repro command that dropped one would not reproduce the failure.
"""

from __future__ import annotations

import re
import shlex

import pytest

APP = '''
from dataclasses import dataclass
from typing import TypedDict

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt


@dataclass
class Ctx:
    region: str


class S(TypedDict, total=False):
    q: str
    answer: str
    hits: int
    user: str


def ask(state: S) -> dict:
    answer = interrupt("search?")
    if answer != "yes":
        raise ValueError(f"the answer must be yes, not {answer!r}")
    return {"answer": answer}


def search(state: S, config, runtime: Runtime[Ctx]) -> dict:
    with httpx.Client(timeout=5) as client:
        r = client.get(f"https://{runtime.context.region}.search.example.com/api", params={"q": state["q"]})
        r.raise_for_status()
    return {"hits": len(r.json()["hits"]), "user": config["configurable"]["user"]}


builder = StateGraph(S, context_schema=Ctx)
builder.add_node("ask", ask)
builder.add_node("search", search)
builder.add_edge(START, "ask")
builder.add_edge("ask", "search")
builder.add_edge("search", END)
'''

ROUTES = '[[routes]]\nmethod = "GET"\nurl = "https://eu.search.example.com/api"\njson = {hits = [1, 2]}\n'

REPRO = re.compile(r"^reproduce (chaos:\S+): (pytest .*)$")


@pytest.fixture
def app(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(reproapp=APP)
    (pytester.path / "my routes.toml").write_text(ROUTES)  # a space: the command must quote it
    pytester.syspathinsert()
    return pytester


def _repros(result: pytest.RunResult) -> dict[str, str]:
    return {m[1]: m[2] for m in (REPRO.match(line) for line in result.stdout.lines) if m}


def test_a_printed_repro_command_reproduces_its_failure_exactly(app: pytest.Pytester) -> None:
    result = app.runpytest(
        "--chaos", "--chaos-target=reproapp:builder", "--chaos-seed=12", "--chaos-trials=2",
        '--chaos-config={"configurable": {"user": "ada"}}', '--chaos-context={"region": "eu"}',
        "--chaos-routes=my routes.toml", '--chaos-answers=["yes"]', "--chaos-invoke=invoke",
        "--chaos-invoke=astream", "-o", 'chaos_input={"q": "weather"}', "-p", "no:cacheprovider",
        "-v",  # every repro line in the summary (without -v it shows the first few)
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") and not outcomes.get("inconclusive"), result.stdout.str()
    repros = _repros(result)
    # A failure of the second trial, under the non-default mode: everything shaped it.
    item = next(i for i in sorted(repros) if "::invoke::http.status_503[" in i and i.endswith("#1"))
    command = shlex.split(repros[item])
    for option in ("--chaos-seed=12", "--chaos-trials=2", '--chaos-config={"configurable": {"user": "ada"}}',
                   '--chaos-context={"region": "eu"}', "--chaos-routes=my routes.toml", '--chaos-answers=["yes"]',
                   "--chaos-invoke=invoke", 'chaos_input={"q": "weather"}', item):
        assert option in command, (option, command)
    assert command[0] == "pytest"
    again = app.runpytest(*command[1:])
    # Exactly that one item, and the same failure (the id and the invariant).
    assert again.parseoutcomes()["failed"] == 1 and "passed" not in again.parseoutcomes(), again.stdout.str()
    again.stdout.fnmatch_lines([f"chaos trial {item.replace('[', '[[]')} failed (seed=12, clock=simulated):",
                                "  [[]transient_fatal[]] node 'search' gave up*"])
    assert _repros(again) == {item: repros[item]}


def test_the_summary_prints_ten_repro_lines_and_says_where_the_rest_are(app: pytest.Pytester) -> None:
    args = ("--chaos", "--chaos-target=reproapp:builder", "--chaos-seed=12", "--chaos-trials=3",
            '--chaos-config={"configurable": {"user": "ada"}}', '--chaos-context={"region": "eu"}',
            "--chaos-routes=my routes.toml", '--chaos-answers=["yes"]', '--chaos-input={"q": "weather"}',
            "-p", "no:cacheprovider")
    quiet = app.runpytest(*args, "--chaos-report=r.json")
    failed = quiet.parseoutcomes()["failed"]
    assert failed > 10
    assert len(_repros(quiet)) == 10
    quiet.stdout.fnmatch_lines([f"reproduce: {failed - 10} more; each failure's report above ends with its command, "
                                "-v prints them all here, and the JSON report (r.json) has every one"])
    verbose = app.runpytest(*args, "-v")
    assert len(_repros(verbose)) == failed
    assert not [line for line in verbose.stdout.lines if line.startswith("reproduce: ")]


@pytest.mark.parametrize(("args", "ok"), [(["--chaos-trials=2"], True), (["--chaos-trials=3"], False),
                                          (["--chaos-trials=2", "--chaos-invoke=invoke", "--chaos-invoke=ainvoke"], False),
                                          (["--chaos-trials=1", "--chaos-invoke=invoke", "--chaos-invoke=ainvoke"], True)])
def test_the_trial_cap_counts_every_kind_of_the_suite_and_every_mode(
    app: pytest.Pytester, args: list[str], ok: bool
) -> None:
    from chaos.suite import ALL_KINDS

    app.makeini(f"[pytest]\nchaos_max_trials = {2 * len(ALL_KINDS)}\n")
    result = app.runpytest("--chaos", "--chaos-target=reproapp:builder", "--collect-only", "-q", *args)
    if ok:
        assert result.ret == pytest.ExitCode.OK, result.stderr.str()
        return
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    n = int(args[0].split("=")[1])
    modes = len(args) - 1
    shape = f"{len(ALL_KINDS)} kinds" + (f" x {modes} --chaos-invoke modes" if modes > 1 else "")
    result.stderr.fnmatch_lines([f"*{args[0]} gives up to {n * len(ALL_KINDS) * max(modes, 1)} generated trials per "
                                 f"target ({shape}), over chaos_max_trials = {2 * len(ALL_KINDS)}*"])
