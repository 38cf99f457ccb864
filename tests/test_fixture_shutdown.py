"""The Chaos object drives drain and kill trials, and records them like any other trial."""

from __future__ import annotations

from chaos import Chaos
from chaos.examples import ingest


def test_a_drain_through_the_chaos_object_resumes_exactly_once():
    h = Chaos(seed=3, test_id="drain-via-chaos")
    result = h.drain(ingest.builder, ingest.example_input, node="embed", saver="memory")
    assert result.verdict == "pass"
    assert [e.kind for e in result.journal.events if e.kind in ("drain", "resume")] == ["drain", "resume"]
    assert result.output == {"doc": "handbook.pdf", "log": ["fetched handbook.pdf", "embedded", "indexed", "published"]}
    assert h.results == [result]
    assert result.to_json()["verdict"] == "pass"


def test_a_drain_that_is_never_wired_is_reported(tmp_path):
    async def serve_without_control(graph, input, config):
        return await graph.ainvoke(input, config)  # no control=: the SIGTERM is never heard

    h = Chaos(seed=3, test_id="no-control")
    result = h.drain(ingest.builder, ingest.example_input, node="embed", saver="memory",
                     serve=serve_without_control, raise_on_violation=False)
    assert result.verdict == "fail"
    assert "drained" in {v.invariant for v in result.violations}
