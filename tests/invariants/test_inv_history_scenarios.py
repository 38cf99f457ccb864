"""The history invariants (items 1-6 of issue 17) from scenario files with ``[[steps]]``.

Each scenario file runs a broken twin (tests/invariants/history_targets.py) through
``pytest --chaos``; its trial fails naming the invariant.
"""

from __future__ import annotations

import pytest

# Imported here, in the outer session: the inner pytest run would import (and assertion-rewrite)
# the test modules the targets reuse itself, and the TypedDict states would lose their globals.
import tests.invariants.history_targets  # noqa: F401

pytest_plugins = ["pytester"]

T = "tests.invariants.history_targets"
SCENARIOS = {
    "handler_timeout": (f"""
[scenario]
target = "{T}:handler_with_default_timeout"
[[faults]]
kind = "exception"
node = "fetch"
[[faults]]
kind = "hang"
node = "__error_handler__fetch"
""", "error_handler", "langchain-ai/langgraph#8842"),
    "sibling_rerun": (f"""
[scenario]
target = "{T}:saver_drops_siblings"
[[faults]]
kind = "exception"
error = "ConnectionError"
node = "notify"
attempts = [1]
times = 1
[[steps]]
kind = "invoke"
[[steps]]
kind = "resume"
""", "resume_exactly_once", "rerun only the failed and the un-started tasks"),
    "answer_lost": (f"""
[scenario]
target = "{T}:saver_drops_answers"
[[faults]]
kind = "exception"
error = "ConnectionError"
node = "ask"
after_interrupt = 1
times = 1
[[steps]]
kind = "invoke"
[[steps]]
kind = "resume"
value = "yes"
[[steps]]
kind = "resume"
[[steps]]
kind = "resume"
value = "yes again"
""", "interrupts_answered", "the answer was lost"),
    "swallowed_cancel": (f"""
[scenario]
target = "{T}:swallows_cancellation"
[[faults]]
kind = "delay"
node = "publish"
seconds = 1
""", "cancellation", "caught the CancelledError"),
    "cached_failure": (f"""
[scenario]
target = "{T}:negative_cache"
input = {{ symbol = "ACME" }}
[[faults]]
kind = "exception"
error = "ConnectionError"
node = "quote"
attempts = [1]
times = 1
[[steps]]
kind = "invoke"
[[steps]]
kind = "again"
""", "cache_hits", "neither ran nor was served from the cache"),
    "partial_write": (f"""
[scenario]
target = "{T}:mid_node_writes"
[[faults]]
kind = "lost_result"
node = "export"
""", "no_partial_writes", "are kept in the checkpointer next to the error"),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_scenario_file_with_steps_catches_the_broken_twin(pytester: pytest.Pytester, name: str):
    text, invariant, words = SCENARIOS[name]
    pytester.makefile(".chaos.toml", **{name: text})
    result = pytester.runpytest("--chaos", "-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert f"[{invariant}]" in out and words in out, out[-3000:]
