"""Graph-run calls appear only in the engine's drive module (issue #13's first "Done when")."""

from __future__ import annotations

import ast
from pathlib import Path

import chaos

RUN_METHODS = {"ainvoke", "astream", "invoke", "stream", "astream_events", "abatch", "batch"}
ROOT = Path(chaos.__file__).parent
#: Outside the rule: benchmarks and examples (they show plain LangGraph), and the
#: task boundary, which calls a task's own runnable (not a graph).
EXEMPT = {"engine/drive.py", "inject/boundary.py"}


def test_only_the_drive_module_runs_graphs():
    """Every package source (the library and the pytest plugin), outside bench/ and examples/."""
    import pytest_langgraph_chaos

    offenders = []
    plugin = Path(pytest_langgraph_chaos.__file__).parent
    sources = [*((p, p.relative_to(ROOT).as_posix()) for p in sorted(ROOT.rglob("*.py"))),
               *((p, "plugin/" + p.relative_to(plugin).as_posix()) for p in sorted(plugin.rglob("*.py")))]
    assert len(sources) > 100
    for path, rel in sources:
        if rel.startswith(("bench/", "examples/")) or rel in EXEMPT:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RUN_METHODS:
                offenders.append(f"{rel}:{node.lineno}: .{node.func.attr}(")
    assert offenders == []


def test_the_rule_catches_a_graph_run_call():
    # The same walk finds each call form the rule is about (so an empty list above means something).
    calls = "await g.ainvoke(x)\ng.invoke(x)\nasync for c in g.astream(x): pass\ng.astream_events(x, version='v2')\n"
    tree = ast.parse("async def f(g, x):\n" + "".join(f"    {line}\n" for line in calls.splitlines()))
    found = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert found & RUN_METHODS == {"ainvoke", "invoke", "astream", "astream_events"}


def test_the_three_old_run_loops_are_gone():
    import chaos.shutdown.drain
    import chaos.stateful
    import chaos.trial

    assert not hasattr(chaos.shutdown.drain, "_run")
    assert not hasattr(chaos.stateful.ChaosMachine, "_MachineContext")
    assert "graph.astream" not in Path(chaos.trial.__file__).read_text()


def test_the_dead_code_of_issue_13_stays_gone():
    # derive_seed, current_run, iter_sites, phase_calls, the never-read fires_before_body
    # overrides and `node=None if rec else None` (no_partial_writes) were removed.
    dead = ("derive_seed", "current_run", "iter_sites", "phase_calls", "fires_before_body", "None if rec else None")
    found = [f"{p.relative_to(ROOT).as_posix()}: {name}" for p in sorted(ROOT.rglob("*.py"))
             for name in dead if name in p.read_text()]
    assert found == []


def test_the_executor_has_one_driver_for_sync_and_async_drives():
    from chaos.engine.executor import Executor

    assert not hasattr(Executor, "_amain") and not hasattr(Executor, "_smain")
    source = (ROOT / "engine" / "executor.py").read_text()
    # One driver performs every operation of the script: each graph call is written once.
    assert source.count("async def _main(") == 1
    for call in ("drv.run(", "drv.arun(", '_call("update_state"', '_call("clear_cache"', ".adelete_thread("):
        assert source.count(call) == 1, call
