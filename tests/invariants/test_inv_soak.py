"""The bundled correct example graph passes every checker over seeded trials of every fault kind.

The 1,000-trial count is printed by ``python -m tests.invariants.soak_support 1000``; CI runs a
slice of the same sequence.
"""

from __future__ import annotations

from tests.invariants.soak_support import soak


def test_the_support_example_has_zero_violations_over_seeded_trials():
    counts, failing = soak(36)
    assert counts == {}, "\n".join(r.describe_failure() for r in failing[:3])
