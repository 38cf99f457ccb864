"""The built-in fault suite aims only at nodes the input makes run."""

from __future__ import annotations

from chaos.examples import compensation
from chaos.inject import instrument
from chaos.savers import default_cache, sqlite_saver_in
from chaos.suite import SUITE_KINDS, plan_case, reachable_sites


def test_a_fallback_behind_an_error_handler_is_never_a_target():
    inst = instrument(compensation.builder, checkpointer_factory=sqlite_saver_in, cache_factory=default_cache)
    reachable = reachable_sites(inst, compensation.example_input)
    assert reachable == {"live_quote", "respond"}  # cached_quote runs only after a failure
    aimed = {
        plan_case(inst, target="t", kind=kind, trial=t, seed=s, reachable=reachable).injection.node
        for kind in SUITE_KINDS
        if kind != "stall"
        for t in range(3)
        for s in range(5)
    }
    assert aimed == {"live_quote", "respond"}
    stall = plan_case(inst, target="t", kind="stall", trial=0, seed=0, reachable=reachable)
    assert stall.injection is None and "idle_timeout" in (stall.skip_reason or "")
    inst.close()
