"""Node kinds that stand for a failed upstream call land only where an upstream is called.

``raise_status_429``/``raise_status_503``/``raise_connect_error``/``raise_read_timeout`` replace
a node's body with the error an SDK raises when its upstream fails. Aimed at a node that sends
no request, such a trial ends in error with nothing to judge (`transient_fatal` judges only
nodes that call an upstream), and the item passed: a false green on retrieval-agent-template,
where ``generate_query`` calls nothing. The suite now aims them only at nodes that sent a
request in the fault-free run, and says why they are absent when none did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.inject import instrument
from chaos.savers import default_cache, sqlite_saver_in
from chaos.suite import discover_steps, plan_suite
from tests.zerocode.test_suite_kinds import CACHED_APP, HTTP_APP, ROUTES, _kinds, _report

UPSTREAM = ("raise_status_429", "raise_status_503", "raise_connect_error", "raise_read_timeout")


def test_upstream_kinds_aim_only_at_nodes_that_sent_requests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(httpapp=HTTP_APP)
    (pytester.path / "routes.toml").write_text(ROUTES)
    pytester.syspathinsert()
    for seed in (1, 5, 7):
        got = _report(pytester, "--chaos-target=httpapp:builder", '--chaos-input={"q": "x"}',
                      f"--chaos-seed={seed}", "--chaos-routes=routes.toml", "--chaos-trials=3",
                      "-k", "raise_status or raise_connect or raise_read", name=f"r{seed}.json")
        assert {i.split("::", 1)[1].split("#")[0] for i in got} == {f"{k}[search@a1]" for k in UPSTREAM}
        # search has no RetryPolicy: each of these ends the run, and the verdict says so.
        assert set(got.values()) == {("fail", "transient_fatal")}, got


def test_a_graph_that_calls_no_upstream_gets_no_upstream_kinds(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(cachedapp=CACHED_APP)
    pytester.syspathinsert()
    kinds = _kinds(_report(pytester, "--chaos-target=cachedapp:builder", '--chaos-input={"x": 1}'))
    assert not set(UPSTREAM) & set(kinds)
    assert {"exception", "hang", "delay"} <= set(kinds)  # the other node kinds still run


def test_why_an_upstream_kind_is_absent(tmp_path: Path) -> None:
    from chaos.targets import load

    (tmp_path / "noupstream.py").write_text(CACHED_APP)
    target = load(f"{tmp_path / 'noupstream.py'}:builder")
    inst = instrument(target.graph, checkpointer_factory=sqlite_saver_in, cache_factory=default_cache)
    try:
        steps, journal = discover_steps(inst, {"x": 1})
        plan = plan_suite(inst, target="cachedapp", seed=0, trials=1, journal=journal, steps=steps)
        for kind in UPSTREAM:
            assert "sends an HTTP request or has a RetryPolicy" in plan.absent[kind]
            assert not any(c.kind == kind for c in plan.cases)
    finally:
        inst.close()
