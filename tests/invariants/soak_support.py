"""Seeded soak of the bundled example graphs: every checker must stay silent on correct graphs.

    python -m tests.invariants.soak_support 1000                 # every bundled example
    python -m tests.invariants.soak_support 1000 chaos.examples.llm:builder

Trial i of a target runs fault kind ``SUITE_KINDS[i % k]`` on the node the built-in suite picks
for (seed=i, trial=i // k), exactly as ``pytest --chaos --chaos-target=...`` does, and prints
the number of violations by invariant (expected: none).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

from chaos.harness import Chaos
from chaos.suite import SUITE_KINDS, plan_case, reachable_sites
from chaos.targets import load_target
from chaos.trial import TrialResult, run_trial

#: Every bundled correct example and the input it is soaked with (the long thread is shortened:
#: its 300-step input is what the benchmark's growth row measures).
EXAMPLES: dict[str, Any] = {
    "chaos.examples.support:builder": {"question": "How do I rotate API keys?"},
    "chaos.examples.research:builder": {"topic": "solar"},
    "chaos.examples.llm:builder": {"prompt": "summarize the incident"},
    "chaos.examples.compensation:builder": {"symbol": "ACME"},
    "chaos.examples.ingest:builder": {"doc": "handbook.pdf"},
    "chaos.examples.long_thread:builder": {"target": 12},
    "chaos.examples.search_api:builder": {"query": "rotate api keys"},
}


def _http_routes() -> Any:
    from chaos.examples.search_api import SEARCH_URL
    from chaos.http import HttpChaos

    http = HttpChaos()
    http.get(url__startswith=SEARCH_URL).respond(200, json={"hits": [{"title": "Rotating keys"}]})
    return http


def soak(trials: int, target: str = "chaos.examples.support:builder") -> tuple[Counter[str], list[TrialResult]]:
    """Run ``trials`` seeded trials of ``target``; return violations by invariant and failures."""
    harness = Chaos(test_id="soak")
    inst = harness.instrument(load_target(target))
    around = [_http_routes()] if target.startswith("chaos.examples.search_api") else []
    counts: Counter[str] = Counter()
    failing: list[TrialResult] = []
    try:
        for i in range(trials):
            kind = SUITE_KINDS[i % len(SUITE_KINDS)]
            case = plan_case(inst, target=target, kind=kind, trial=i // len(SUITE_KINDS), seed=i,
                             reachable=reachable_sites(inst, EXAMPLES[target], around=around))
            if case.injection is None:
                continue
            test_id = f"soak::{target}::{kind}[{i}]"
            result = run_trial(inst, EXAMPLES[target], injections=[case.injection], seed=i, test_id=test_id,
                               target=target, run_number=i, around=around,
                               repro=f"python -m tests.invariants.soak_support {trials} {target} # trial {i}")
            counts.update(v.invariant for v in result.violations)
            if result.violations:
                failing.append(result)
    finally:
        harness.close()
    return counts, failing


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 1000
    targets = argv[2:] or list(EXAMPLES)
    status = 0
    for target in targets:
        started = time.perf_counter()
        counts, failing = soak(n, target)
        took = time.perf_counter() - started
        print(f"{n} trials of {target}: {sum(counts.values())} violations {dict(counts)} in {took:.1f}s wall", flush=True)
        for result in failing[:3]:
            print(result.describe_failure())
        status |= 1 if failing else 0
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
