"""``repeat``: the same input again within one trial, so cache hits and TTL expiry happen."""

from __future__ import annotations

from chaos import Chaos
from tests import graphs


def test_a_cache_hit_at_299_seconds_and_a_miss_at_301(harness: Chaos, calls):
    # expensive is cached for 300 s; it runs at 0, is served at 299 and runs again at 301.
    result = harness.run(graphs.cache_builder(), {"query": "q"}, repeat=[299, 2], baseline=False)
    seen = [(a.outcome, a.start, a.invocation) for a in result.attempts("expensive")]
    assert seen == [("ok", 0.0, 0), ("cached", 299.0, 1), ("ok", 301.0, 2)]
    assert calls == ["expensive", "expensive"]
    assert [e.detail for e in result.journal.events if e.kind == "repeat"] == [
        "invocation 2 after 299s",
        "invocation 3 after 2s",
    ]
    assert result.verdict == "pass"
