"""How the graph is driven is part of the spec; the journal is the same where it can be."""

from __future__ import annotations

import pytest

from chaos import Chaos, faults
from chaos.engine import Drive, parse_drive
from chaos.errors import ChaosUsageError
from tests import graphs
from tests.engine import engine_graphs as eg


@pytest.mark.parametrize("token, drive", [
    ("astream", Drive("astream", ("updates", "values"))),
    ("astream:messages", Drive("astream", ("messages",))),
    ("stream:updates,values", Drive("stream", ("updates", "values"))),
    ("ainvoke", Drive("ainvoke", ())),
    ("invoke", Drive("invoke", ())),
    ("astream_events:v2", Drive("astream_events", (), "v2")),
    ("abatch:3", Drive("abatch", (), "v2", 3)),
    ("batch:2", Drive("batch", (), "v2", 2)),
])
def test_the_drive_grammar(token, drive):
    assert parse_drive(token) == drive


def test_async_and_sync_are_deprecated_aliases():
    with pytest.warns(DeprecationWarning, match="use drive='astream'"):
        assert parse_drive("async").method == "astream"
    with pytest.warns(DeprecationWarning, match="use drive='stream'"):
        assert parse_drive("sync").method == "stream"


def test_the_old_invoke_keyword_is_a_deprecated_alias(harness: Chaos):
    with pytest.warns(DeprecationWarning, match="invoke='sync'"):
        result = harness.run(eg.PARALLEL, {"log": []}, invoke="sync")
    assert result.drive == "stream:updates,values"


@pytest.mark.parametrize("bad, message", [
    ("astreem", "unknown way of driving"), ("astream:valuez", "unknown stream_mode"),
    ("abatch:0", "batch size"), ("invoke:3", "takes no argument"), ("astream_events:v9", "v1 or v2")])
def test_bad_drive_tokens_name_the_value_and_the_fix(bad, message):
    with pytest.raises(ChaosUsageError, match=message):
        parse_drive(bad)


@pytest.mark.parametrize("drive", ["astream", "stream", "ainvoke", "invoke", "astream_events:v2",
                                   "astream:messages,custom,debug", "abatch:2", "batch:2"])
def test_every_drive_recovers_from_a_retried_fault_to_the_same_state(harness: Chaos, drive):
    harness.inject(faults.raise_status(503), node="fetch", attempts=[1])
    builder = graphs.sync_builder() if drive in ("stream", "invoke", "batch:2") else graphs.retry_builder()
    result = harness.run(builder, {"query": "q"}, drive=drive)
    assert result.verdict == "pass", result.describe_failure()
    assert result.output == result.baseline.final_state
    first = result.journal.tasks("fetch")["fetch#1"]
    assert [a.outcome for a in first] == ["error", "ok"]


def test_a_batch_drive_runs_every_copy_on_its_own_thread(harness: Chaos):
    result = harness.run(eg.PARALLEL, {"log": []}, drive="abatch:3")
    assert len(result.journal.batch_states) == 2
    assert all(s == result.output for s in result.journal.batch_states)
    assert len(result.attempts("join")) == 3


def test_ainvoke_and_astream_see_the_same_interrupt_free_final_state(harness: Chaos):
    a = harness.run(eg.HITL, {"log": []}, drive="ainvoke")
    b = harness.run(eg.HITL, {"log": []}, drive="astream")
    assert a.output == b.output == {"log": ["start"]}
