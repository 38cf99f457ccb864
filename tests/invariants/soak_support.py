"""Seeded soak of the bundled example graph: every checker must stay silent on a correct graph.

    python -m tests.invariants.soak_support 1000

Trial i runs fault kind ``SUITE_KINDS[i % k]`` on the node the built-in suite picks for
(seed=i, trial=i // k), exactly as ``pytest --chaos --chaos-target=chaos.examples.support:builder``
does, and prints the number of violations by invariant (expected: none).
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from chaos.examples.support import builder, example_input
from chaos.harness import Chaos
from chaos.suite import SUITE_KINDS, plan_case
from chaos.trial import TrialResult, run_trial

TARGET = "chaos.examples.support:builder"


def soak(trials: int) -> tuple[Counter[str], list[TrialResult]]:
    """Run ``trials`` seeded trials; return violations by invariant and the failing trials."""
    harness = Chaos(test_id="soak")
    inst = harness.instrument(builder)
    counts: Counter[str] = Counter()
    failing: list[TrialResult] = []
    try:
        for i in range(trials):
            kind = SUITE_KINDS[i % len(SUITE_KINDS)]
            case = plan_case(inst, target=TARGET, kind=kind, trial=i // len(SUITE_KINDS), seed=i)
            if case.injection is None:
                continue
            test_id = f"soak::{kind}[{i}]"
            result = run_trial(inst, example_input, injections=[case.injection], seed=i, test_id=test_id,
                               target=TARGET, run_number=i, repro=f"python -m tests.invariants.soak_support # trial {i}")
            counts.update(v.invariant for v in result.violations)
            if result.violations:
                failing.append(result)
    finally:
        harness.close()
    return counts, failing


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 1000
    started = time.perf_counter()
    counts, failing = soak(n)
    took = time.perf_counter() - started
    print(f"{n} trials of {TARGET}: {sum(counts.values())} violations {dict(counts)} in {took:.1f}s wall")
    for result in failing[:5]:
        print(result.describe_failure())
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
