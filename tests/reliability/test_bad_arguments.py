"""Marker and fixture arguments of the wrong type: a named error before the first trial.

Never a bare TypeError from deep inside the harness, never a raw traceback, never silently
accepted (``node=5`` used to match no node without a word; ``disable="steady_state"`` named
eleven one-letter invariants; ``seed="abc"`` half-built an event loop).
"""

from __future__ import annotations

from typing import Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph

from chaos import Chaos, faults
from chaos.errors import ChaosUsageError

MARKED = """
import pytest
from chaos import faults
from chaos.examples import support

INP = {{"question": "q"}}

@pytest.mark.chaos(faults.exception(), {args})
def test_marked(chaos):
    chaos.run(support.builder, INP)
"""

MARKER_CASES = [
    ('node="search", attempts="x"', "attempts='x': give an attempt number or a list of them (1-based), e.g. attempts=1"),
    ("node=5", "node=5: give the node's name as a string, a glob such as 'fetch[*]'"),
    ('node="search", disable="steady_state"', "disable='steady_state': give a list of names, e.g. disable=[[]'steady_state'[]]"),
    ('node="search", seed="abc"', "seed='abc': the seed is a whole number, e.g. seed=1234"),
    ('node="search", probability="0.5"', "probability='0.5': give a number between 0 and 1, e.g. probability=0.5"),
    ('node="search", times="2"', "times='2': give a whole number >= 1 or None, e.g. times=1"),
    ('node="search", attempts=[0.5]', "attempts=[[]0.5[]]: 0.5 is not an attempt number; give whole numbers >= 1*"),
    ('node="search", disable=["no_such_check"]', "unknown invariant(s) [[]'no_such_check'[]] to turn off; known: faults_fired, *"),
    ('node="search", attemps=[1]', "@pytest.mark.chaos got unknown argument(s) [[]'attemps'[]]; valid: attempts, *"),
]


@pytest.mark.parametrize(("args", "message"), MARKER_CASES, ids=[a for a, _m in MARKER_CASES])
def test_a_marker_argument_of_the_wrong_type_is_one_line_naming_it_and_the_fix(
    pytester: pytest.Pytester, args: str, message: str
) -> None:
    pytester.makepyfile(test_marked=MARKED.format(args=args))

    result = pytester.runpytest("--chaos", "-p", "no:randomly")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"test_marked.py::test_marked: *{message}*"])
    for noise in ("*Traceback*", "*TypeError*", "*INTERNALERROR*", "*hidden*", "*During handling*"):
        result.stdout.no_fnmatch_line(noise)


GOOD = """
import pytest
from chaos import faults
from chaos.examples import support

@pytest.mark.chaos(faults.exception(), node="search", attempts=[1], seed=7, disable=["steady_state"])
def test_marked(chaos):
    result = chaos.run(support.builder, {"question": "q"}, raise_on_violation=False)
    assert chaos.seed == 7 and "steady_state" not in result.checked
    assert [sorted(i.attempts) for i in result.injections] == [[1]]
"""


def test_a_marker_with_good_arguments_still_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_marked=GOOD)

    result = pytester.runpytest("--chaos", "-p", "no:randomly")

    result.assert_outcomes(passed=1)


# -- the fixture's methods: the graph never runs ----------------------------------------------


class S(TypedDict, total=False):
    n: int


def counting_graph(calls: list[str], **node_kwargs: Any) -> StateGraph[Any, Any, Any, Any]:
    def work(state: S) -> dict[str, int]:
        calls.append("work")
        return {"n": 1}

    builder: StateGraph[Any, Any, Any, Any] = StateGraph(S)
    builder.add_node("work", work, **node_kwargs)
    builder.add_edge(START, "work")
    builder.add_edge("work", END)
    return builder


RUN_CASES: list[tuple[dict[str, Any], str]] = [
    ({"drive": "bogus"}, "drive='bogus': unknown way of driving the graph; use one of astream, stream"),
    ({"invoke": "bogus"}, r"Chaos.run\(invoke='bogus'\): invoke= \(deprecated\) takes 'async' or 'sync'; use drive="),
    ({"disable": "steady_state"}, r"disable='steady_state': give a list of names, e.g. disable=\['steady_state'\]"),
    ({"enable": ["no_such_check"]}, r"unknown invariant\(s\) \['no_such_check'\] to turn on; known: "),
    ({"disable": [3]}, "3 is not a name; give strings"),
    ({"baseline": "sometimes"}, "baseline='sometimes': use 'memo'"),
]


@pytest.mark.parametrize(("kwargs", "message"), RUN_CASES, ids=[str(k) for k, _m in RUN_CASES])
def test_a_bad_run_argument_is_named_before_the_graph_runs(kwargs: dict[str, Any], message: str) -> None:
    calls: list[str] = []
    harness = Chaos(1, "bad-run")
    try:
        with pytest.raises(ChaosUsageError, match=message):
            harness.run(counting_graph(calls), {}, **kwargs)
    finally:
        harness.close()
    assert calls == []  # not even the baseline ran


INJECT_CASES: list[tuple[dict[str, Any], str]] = [
    ({"node": 5}, "node=5: give the node's name as a string"),
    ({"node": ""}, "node='': give the node's name as a string"),
    ({"node": "work", "attempts": "x"}, "attempts='x': give an attempt number or a list of them"),
    ({"node": "work", "attempts": True}, "attempts=True: give an attempt number or a list of them"),
    ({"node": "work", "attempts": [1, "2"]}, "'2' is not an attempt number"),
    ({"node": "work", "probability": "0.5"}, "probability='0.5': give a number between 0 and 1"),
    ({"node": "work", "times": 1.5}, "times=1.5: give a whole number >= 1 or None"),
]


@pytest.mark.parametrize(("kwargs", "message"), INJECT_CASES, ids=[str(k) for k, _m in INJECT_CASES])
def test_a_bad_inject_argument_is_named_where_it_is_written(kwargs: dict[str, Any], message: str) -> None:
    harness = Chaos(1, "bad-inject")

    with pytest.raises(ChaosUsageError, match=message):
        harness.inject(faults.exception(), **kwargs)

    assert harness.injections == []


@pytest.mark.parametrize("seed", ["abc", 1.5, True, None])
def test_a_seed_that_is_not_a_whole_number_is_named(seed: Any) -> None:
    with pytest.raises(ChaosUsageError, match="the seed is a whole number, e.g. seed=1234"):
        Chaos(seed, "bad-seed")


@pytest.mark.parametrize(
    ("node_kwargs", "message"),
    [
        ({"retry_policy": "three"}, r"node 'work': retry_policy='three' is not a RetryPolicy \(or a list of them\); write add_node\(\.\.\., retry_policy=RetryPolicy\(max_attempts=3\)\)"),
        ({"retry_policy": [1]}, r"node 'work': retry_policy=\[1\] is not a RetryPolicy"),
        ({"cache_policy": 300}, r"node 'work': cache_policy=300 is not a CachePolicy; write add_node\(\.\.\., cache_policy=CachePolicy\(ttl=300\)\)"),
    ],
)
def test_a_policy_of_the_wrong_type_is_named_before_the_graph_runs(node_kwargs: dict[str, Any], message: str) -> None:
    calls: list[str] = []
    harness = Chaos(1, "bad-policy")
    harness.inject(faults.exception(), node="work", attempts=[1])
    try:
        with pytest.raises(ChaosUsageError, match=message):
            harness.run(counting_graph(calls, **node_kwargs), {})
    finally:
        harness.close()
    assert calls == []


def test_policies_of_the_right_types_are_accepted_also_as_a_list_and_in_node_defaults() -> None:
    from langgraph.types import CachePolicy, RetryPolicy

    from chaos.arguments import check_policies

    calls: list[str] = []
    builder = counting_graph(calls, retry_policy=[RetryPolicy(max_attempts=2), RetryPolicy()], cache_policy=CachePolicy(ttl=5))
    builder.set_node_defaults(retry_policy=RetryPolicy(max_attempts=3))
    check_policies(builder)
    check_policies(builder.compile())

    bad = counting_graph(calls)
    bad.set_node_defaults(retry_policy="3")  # type: ignore[arg-type]
    with pytest.raises(ChaosUsageError, match=r"set_node_defaults\(\): retry_policy='3' is not a RetryPolicy"):
        check_policies(bad.compile())


BAD_POLICY_TARGET = """
from typing import TypedDict
from langgraph.graph import END, START, StateGraph

class S(TypedDict, total=False):
    n: int

builder = StateGraph(S)
builder.add_node("work", lambda s: {"n": 1}, retry_policy="three")
builder.add_edge(START, "work")
builder.add_edge("work", END)
"""


def test_a_target_with_a_policy_of_the_wrong_type_gets_a_named_error_not_an_internal_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(badpolicy=BAD_POLICY_TARGET)
    pytester.syspathinsert()

    result = pytester.runpytest("--chaos", "--chaos-target=badpolicy:builder", "-p", "no:randomly")

    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    (result.stdout.str() + result.stderr.str()).index("retry_policy='three' is not a RetryPolicy")
    assert result.ret != pytest.ExitCode.OK
