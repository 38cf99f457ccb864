"""Unified names keep the old ones as deprecated aliases for a release."""

from __future__ import annotations

import pytest

from chaos import Chaos
from chaos.inject import instrument
from chaos.savers import default_cache
from chaos.trial import run_trial
from tests import graphs
from tests.engine import engine_graphs as eg


def test_disabled_checks_is_a_deprecated_alias_of_disable():
    with pytest.warns(DeprecationWarning, match="use disable="):
        h = Chaos(seed=1, disabled_checks=["steady_state"])
    assert h.disable == ["steady_state"]
    with pytest.warns(DeprecationWarning, match="use Chaos.disable"):
        assert h.disabled_checks == ["steady_state"]


def test_run_trial_keeps_disabled_checks_and_repeats_as_aliases(calls):
    inst = instrument(graphs.cache_builder(), cache_factory=default_cache)
    with pytest.warns(DeprecationWarning) as seen:
        result = run_trial(inst, {"query": "q"}, injections=[], seed=1, test_id="alias",
                           disabled_checks=["steady_state"], repeats=[299], baseline=False)
    assert {str(w.message) for w in seen} == {
        "run_trial(disabled_checks=...) is deprecated; use disable=",
        "run_trial(repeats=...) is deprecated; use repeat=",
    }
    assert "steady_state" not in result.checked
    assert [a.outcome for a in result.attempts("expensive")] == ["ok", "cached"]


def test_an_unknown_keyword_is_still_a_type_error():
    inst = instrument(eg.parallel_builder())
    with pytest.raises(TypeError, match="unexpected keyword argument 'disabel'"):
        run_trial(inst, {}, injections=[], seed=1, test_id="x", disabel=["x"])
