"""The zero-code plugin surface: the conftest hook, routes files, unanswered requests."""

from __future__ import annotations

import pytest

APP = '''
from typing import TypedDict
import httpx
from langgraph.graph import StateGraph, START

class S(TypedDict, total=False):
    city: str
    weather: str
    user: str

async def fetch(state: S, config) -> S:
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get("https://weather.example.com/v1/now", params={"city": state["city"]})
    return {"weather": r.json()["sky"], "user": config["configurable"].get("user", "?")}

builder = StateGraph(S)
builder.add_node("fetch", fetch)
builder.add_edge(START, "fetch")
'''


def test_a_request_nothing_answers_makes_the_item_inconclusive_naming_the_route(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP)
    result = pytester.runpytest("--chaos", "--chaos-target=app.py:builder", '--chaos-input={"city": "Oslo"}', "-k", "exception")
    assert {k: v for k, v in result.parseoutcomes().items() if k not in ('deselected', 'warnings')} == {'failed': 1}
    result.stdout.fnmatch_lines([
        "*the fault-free baseline sent requests nothing answers*GET https://weather.example.com/v1/now,"
        " sent by node 'fetch', has no happy-path answer. Add to the --chaos-routes file: ??routes?? method = \"GET\""
        ' url = "https://weather.example.com/v1/now"*',
    ])


def test_a_routes_file_and_the_config_answer_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP)
    pytester.path.joinpath("routes.toml").write_text(
        '[[routes]]\nmethod = "GET"\nurl_prefix = "https://weather.example.com/"\njson = {sky = "clear"}\n'
    )
    pytester.makeini(
        "[pytest]\nchaos_routes = routes.toml\nchaos_input = {\"city\": \"Oslo\"}\n"
        'chaos_config = {"configurable": {"user": "ada"}}\n'
    )
    result = pytester.runpytest("--chaos", "--chaos-target=app.py:builder", "-k", "exception or raise_status_503")
    # The routes and the config answer the baseline (else both items would be inconclusive).
    # `fetch` has no RetryPolicy, so dying of one injected 503 is a true transient_fatal.
    assert {k: v for k, v in result.parseoutcomes().items() if k not in ('deselected', 'warnings')} == {
        'passed': 1, 'failed': 1}
    result.stdout.fnmatch_lines(["*[[]transient_fatal[]] node 'fetch' gave up on a transient httpx.HTTPStatusError (HTTP 503)*"
                                 "The node has no RetryPolicy*"])


def test_the_conftest_hook_sets_what_json_cannot_carry(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP)
    pytester.makeconftest('''
import respx

def pytest_chaos_setup(setup):
    assert setup.target == "app.py:builder"
    router = respx.Router(assert_all_called=False)
    router.get(url__startswith="https://weather.example.com/").respond(200, json={"sky": "rain"})
    setup.routers.append(router)
    setup.input = {"city": "Bergen"}
''')
    result = pytester.runpytest("--chaos", "--chaos-target=app.py:builder", "-k", "exception")
    assert {k: v for k, v in result.parseoutcomes().items() if k not in ('deselected', 'warnings')} == {'passed': 1}


def test_a_bad_routes_file_is_one_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP)
    pytester.path.joinpath("routes.toml").write_text('[[model]]\nnode = "fetch"\nreplies = [42]\n')
    result = pytester.runpytest("--chaos", "--chaos-target=app.py:builder", "--chaos-routes=routes.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*routes.toml: ??model?? table 1, reply 1: 42 is not a fake model reply*"])
