"""The soak's reduced count in the suite: correct graphs, seeded trials, every verdict a pass.

The full soak (10,000 trials) runs outside the suite: ``python -m tests.soak.run --trials 10000``.
``CHAOS_SOAK_TRIALS`` sets the count here.
"""

from __future__ import annotations

import os

from tests.soak.run import HTTP_KINDS, main, soak, targets


def test_correct_graphs_get_no_violation_and_no_inconclusive_trial() -> None:
    n = int(os.environ.get("CHAOS_SOAK_TRIALS", "132"))
    counts = soak(n, seed=3)
    assert counts.trials == n
    assert set(counts.verdicts) <= {"pass", "skipped"}, "\n\n".join(
        r.describe_failure() if r.violations else f"{r.id}: {r.verdict}: {r.inconclusive}" for r in counts.failing
    )
    assert counts.verdicts["pass"] == n, "every trial runs a fault (a kind with no site passes its turn on)"


def test_every_model_graph_meets_the_http_faults_its_sdk_sees() -> None:
    models = [t for t in targets() if t.model_nodes]
    assert {t.name for t in models} == {"openai_chat", "anthropic_chat", "openai_agent", "anthropic_agent"}
    for t in models:
        assert set(HTTP_KINDS) <= set(t.kinds)
    # the HTTP kinds of the first model graph, one trial each: trial i of graph g is i*len+g
    counts = soak(len(HTTP_KINDS), seed=11, only=["openai_agent"], start=len(models[0].kinds) - len(HTTP_KINDS))
    assert set(counts.verdicts) == {"pass"}


def test_the_entry_point_prints_counts_and_cpu_next_to_wall(capsys: object) -> None:
    import pytest

    assert isinstance(capsys, pytest.CaptureFixture)
    assert main(["--trials", "3", "--graph", "openai_chat"]) == 0
    out = capsys.readouterr().out
    assert "soak: 3 trials, seed 0: pass 3" in out and "violations by invariant: none" in out
    assert " s wall, " in out and " s CPU " in out
