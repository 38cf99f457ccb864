"""The graph handed to a user's ``serve``/``resume`` code: the instrumented copy, recording calls.

Service code is tested by what it does with the graph: whether it passes ``control=`` to the
run (LangGraph reads a `RunControl` only from that keyword, semantics §4) and whether it
resumes by thread (``{"configurable": {"thread_id": ...}}``) or by a ``checkpoint_id``, which
LangGraph treats as a replay.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunCall:
    """One call that ran the graph: which method, from which phase, with what."""

    phase: str  # "serve" or "resume"
    method: str  # invoke, ainvoke, stream, astream
    control: bool  # control= was passed (and is not None)
    thread_id: str | None
    checkpoint_id: str | None


class RecordingGraph:
    """Delegates everything to the compiled graph; records every run it starts."""

    def __init__(self, graph: Any, phase: str = "serve") -> None:
        self._graph = graph
        self.phase = phase
        self.calls: list[RunCall] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._graph, name)

    def _note(self, method: str, config: Any, kwargs: dict[str, Any]) -> None:
        conf = (config or {}).get("configurable", {}) if isinstance(config, dict) else {}
        self.calls.append(
            RunCall(self.phase, method, kwargs.get("control") is not None,
                    conf.get("thread_id"), conf.get("checkpoint_id"))
        )

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self._note("invoke", config, kwargs)
        return self._graph.invoke(input, config, **kwargs)

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self._note("ainvoke", config, kwargs)
        return await self._graph.ainvoke(input, config, **kwargs)

    def stream(self, input: Any, config: Any = None, **kwargs: Any) -> Iterator[Any]:
        self._note("stream", config, kwargs)
        return self._graph.stream(input, config, **kwargs)

    def astream(self, input: Any, config: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
        self._note("astream", config, kwargs)
        return self._graph.astream(input, config, **kwargs)

    def phase_calls(self, phase: str) -> list[RunCall]:
        return [c for c in self.calls if c.phase == phase]
