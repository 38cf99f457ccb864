"""The branches no correct LangGraph run can reach, on recorded journals tampered with.

A real run of a correct graph is recorded, then its journal is edited the way a broken runtime
(a regression, a fork, a patched retry loop) would have produced it, and the checker runs again
on the edited record. Each edit must make the named invariant fire with the right message; the
untouched record stays silent.
"""

from __future__ import annotations

import copy
import dataclasses

from chaos import Chaos, faults
from chaos.checks import run_checkers
from tests import graphs
from tests.invariants.test_inv_error_handler import handled, routing_handler


def recorded(harness: Chaos, builder, fault, **aim):
    harness.inject(fault, **aim)
    result = harness.run(builder, {}, baseline=False)
    assert result.violations == []
    return result


def recheck(result, edit):
    tampered = copy.copy(result)
    tampered.journal = dataclasses.replace(result.journal, attempts=[dataclasses.replace(a) for a in result.journal.attempts])
    edit(tampered.journal)
    return {v.invariant: v.message for v in run_checkers(tampered)}


def test_a_handler_run_twice_for_one_failure(harness: Chaos, calls):
    result = recorded(harness, handled(routing_handler), faults.raise_status(502), node="fetch")

    def run_handler_twice(journal):
        [h] = [a for a in journal.attempts if a.node == "__error_handler__fetch"]
        journal.attempts.append(dataclasses.replace(h, task="__error_handler__fetch#2", task_id="other"))

    found = recheck(result, run_handler_twice)
    assert "the handler '__error_handler__fetch' ran 2 times for one failure" in found["error_handler"]


def test_a_handler_that_never_ran(harness: Chaos, calls):
    result = recorded(harness, handled(routing_handler), faults.raise_status(502), node="fetch")

    def drop_handler(journal):
        journal.attempts[:] = [a for a in journal.attempts if a.node != "__error_handler__fetch"]

    found = recheck(result, drop_handler)
    assert "but no handler ran for this failure: expected 1 handler run" in found["error_handler"]


def test_a_handler_route_that_was_not_followed(harness: Chaos, calls):
    result = recorded(harness, handled(routing_handler), faults.raise_status(502), node="fetch")

    def skip_target(journal):
        journal.attempts[:] = [a for a in journal.attempts if a.node != "summarize"]

    found = recheck(result, skip_target)
    assert "the handler routed to 'summarize' with Command(goto=...), but 'summarize' did not run" in found["error_handler"]


def test_a_retry_that_started_before_its_backoff(harness: Chaos, calls):
    result = recorded(harness, graphs.retry_builder(), faults.raise_status(503), node="fetch", attempts=1)

    def retry_early(journal):
        second = [a for a in journal.attempts if a.node == "fetch"][1]
        second.start = 0.25  # the policy's backoff is 1 s

    found = recheck(result, retry_early)
    assert "the retry started 0.25s after attempt 1 failed at t=0s, before its backoff elapsed: expected a sleep in [1s, 1s]" in found["retry_schedule"]


def test_a_task_that_gave_up_while_its_policy_still_retries(harness: Chaos, calls):
    result = recorded(harness, graphs.retry_builder(), faults.raise_status(503), node="fetch", attempts=1)

    def give_up(journal):
        journal.attempts[:] = [a for a in journal.attempts if not (a.node == "fetch" and a.attempt == 2)]
        journal.attempts[:] = [a for a in journal.attempts if a.node != "summarize"]
        journal.outcome, journal.error = "error", "HTTPStatusError"

    found = recheck(result, give_up)
    assert "but no attempt 2 ran" in found["retry_schedule"]


def test_the_untouched_records_are_silent(harness: Chaos, calls):
    result = recorded(harness, handled(routing_handler), faults.raise_status(502), node="fetch")
    assert recheck(result, lambda journal: None) == {}
