"""How the graph is driven: the one place in the package that runs a graph.

A `Drive` says which LangGraph entry point a run step calls, the way production calls it:

========================  =========================================================
token                     call
========================  =========================================================
``astream`` (default)     ``graph.astream(x, cfg, stream_mode=["updates", "values"])``
``astream:messages``      ``graph.astream(x, cfg, stream_mode=[...user modes...])``
``stream:updates,values`` ``graph.stream(...)`` (LangGraph's sync loop and thread pool)
``ainvoke``               ``await graph.ainvoke(x, cfg)``
``invoke``                ``graph.invoke(x, cfg)`` (sync loop)
``astream_events:v2``     ``graph.astream_events(x, cfg, version="v2")`` (also ``v1``, and
                          ``v3`` where LangGraph has it: `unsupported` says when not)
``abatch:3``              ``await graph.abatch([x] * 3, [cfg_1, cfg_2, cfg_3])``
``batch:3``               ``graph.batch(...)`` (sync)
========================  =========================================================

``async`` and ``sync`` (the old ``invoke=`` values) are deprecated aliases of ``astream`` and
``stream``.

What the journal sees in each mode (LangGraph 1.2):

- Every mode journals every node attempt (start, end, outcome, fault): the node wrappers
  record them, whatever drives the graph.
- Streaming drives (``astream``/``stream``) also request ``updates`` and ``values`` next to the
  user's modes (LangGraph emits them without changing how nodes run; ``messages`` is what
  makes chat models stream). ``values`` gives the final state after every superstep, so a run
  that fails mid-way still has the last completed state; ``updates`` shows cache hits
  (``__metadata__.cached``), journaled as ``cached`` attempts, and ``__interrupt__``.
- ``ainvoke``/``invoke`` return only the final state: a failing run has no final state, and a
  cache hit leaves no record (no attempt ran, and nothing is streamed): ``cache_ttl`` cannot
  judge hits under them.
- ``astream_events`` gives the final state from the root run's ``on_chain_end`` event; hits
  are not visible.
- ``abatch``/``batch`` run N copies of the input on N threads (``<thread>-b<i>``), in
  parallel; the journal interleaves their attempts (task labels stay per node); the final
  state is the first copy's, the others are in ``journal.batch_states``. The checkers that
  match attempts with one thread's checkpoints (``no_partial_writes``,
  ``delta_reconstruction``, ``error_handler``) do not judge batch trials.
- A run that stops at ``interrupt()`` streams an ``__interrupt__`` key in its last ``values``
  chunk and ``ainvoke`` returns it in the state; the journal strips it from the final state
  (``get_state().values`` never has it) and records the interrupts as ``interrupt`` events.
- Sync drives run LangGraph's own thread pool: parallel sync nodes race on real threads (not
  deterministic); async drives run sync bodies in the harness's one-thread executor, one at a
  time in submission order.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from chaos.errors import ChaosUsageError

Method = Literal["astream", "stream", "ainvoke", "invoke", "astream_events", "abatch", "batch"]
METHODS: tuple[str, ...] = ("astream", "stream", "ainvoke", "invoke", "astream_events", "abatch", "batch")
STREAM_MODES = ("values", "updates", "messages", "custom", "debug", "checkpoints", "tasks")
_ALIASES = {"async": "astream", "sync": "stream"}
#: The modes the journal needs from a streaming drive (added to the user's).
JOURNAL_MODES = ("updates", "values")
INTERRUPT = "__interrupt__"
#: The ``astream_events`` versions a token may name; which of them run is `unsupported`'s call.
EVENTS_VERSIONS = ("v1", "v2", "v3")


@dataclass(frozen=True)
class Drive:
    """One way of driving the graph (see the module docstring for the token grammar)."""

    method: Method = "astream"
    stream_mode: tuple[str, ...] = JOURNAL_MODES
    version: str = "v2"
    n: int = 1

    @property
    def is_async(self) -> bool:
        return self.method in ("astream", "ainvoke", "astream_events", "abatch")

    @property
    def token(self) -> str:
        if self.method in ("astream", "stream"):
            return f"{self.method}:{','.join(self.stream_mode)}"
        if self.method == "astream_events":
            return f"astream_events:{self.version}"
        if self.method in ("abatch", "batch"):
            return f"{self.method}:{self.n}"
        return self.method

    def __str__(self) -> str:
        return self.token


DEFAULT = Drive()


def parse_drive(value: str | Drive | None, *, where: str = "drive") -> Drive:
    """``"astream:updates,values"``, ``"abatch:3"``, ... (or a `Drive`) as a `Drive`."""
    if value is None:
        return DEFAULT
    if isinstance(value, Drive):
        return value
    if not isinstance(value, str):
        raise ChaosUsageError(f"{where}={value!r}: give a string such as 'astream', 'invoke' or 'abatch:3'")
    name, _, arg = value.strip().partition(":")
    if name in _ALIASES:
        warnings.warn(
            f"{where}={value!r} is deprecated; use {where}={_ALIASES[name]!r}", DeprecationWarning, stacklevel=3
        )
        name = _ALIASES[name]
    if name not in METHODS:
        raise ChaosUsageError(
            f"{where}={value!r}: unknown way of driving the graph; use one of {', '.join(METHODS)} "
            "(e.g. 'astream:updates,values', 'stream:messages', 'astream_events:v2', 'abatch:3')"
        )
    method = cast(Method, name)  # one of METHODS, checked above
    if name in ("astream", "stream"):
        modes = tuple(m.strip() for m in arg.split(",") if m.strip()) if arg else JOURNAL_MODES
        bad = [m for m in modes if m not in STREAM_MODES]
        if bad:
            raise ChaosUsageError(f"{where}={value!r}: unknown stream_mode {bad}; use some of {', '.join(STREAM_MODES)}")
        return Drive(method, modes)
    if name == "astream_events":
        version = arg or "v2"
        if version not in EVENTS_VERSIONS:
            raise ChaosUsageError(
                f"{where}={value!r}: astream_events takes version v1 or v2 (or v3, where the installed "
                "LangGraph has it), e.g. 'astream_events:v2'"
            )
        return Drive("astream_events", (), version)
    if name in ("abatch", "batch"):
        try:
            n = int(arg or "2")
        except ValueError:
            n = 0
        if n < 1:
            raise ChaosUsageError(f"{where}={value!r}: give the batch size as a whole number >= 1, e.g. '{name}:3'")
        return Drive(method, (), "v2", n)
    if arg:
        raise ChaosUsageError(f"{where}={value!r}: {name} takes no argument")
    return Drive(method, ())


def events_versions(graph: Any = None) -> tuple[str, ...]:
    """The ``astream_events`` versions the installed LangGraph/langchain-core accept (read from
    the ``version`` annotation of ``astream_events``, the nearest class that annotates it:
    LangGraph added ``v3`` in 1.2.2x)."""
    import typing

    from langgraph.pregel import Pregel

    for cls in (type(graph) if graph is not None else Pregel).__mro__:
        method = cls.__dict__.get("astream_events")
        if method is None:
            continue
        try:
            hint = typing.get_type_hints(method).get("version")
        except Exception:  # unresolvable annotations: look further up
            continue
        if hint is not None:
            return tuple(str(a) for a in typing.get_args(hint)) or ("v1", "v2")
    return ("v1", "v2")


def unsupported(drive: Drive, graph: Any = None) -> str | None:
    """Why ``drive`` cannot run with the installed libraries (None when it can)."""
    if drive.method != "astream_events":
        return None
    versions = events_versions(graph)
    if drive.version in versions:
        return None
    from importlib.metadata import version

    return (f"{drive.token}: the installed langgraph {version('langgraph')} / langchain-core "
            f"{version('langchain-core')} has no astream_events version {drive.version!r} (it has "
            f"{', '.join(versions)})")


#: Called with (mode, chunk) for every streamed chunk the journal needs.
OnChunk = Callable[[str, Any], None]


@dataclass
class RunOutput:
    """What one run step returned: the final state(s) and the interrupts it stopped at."""

    final: Any = None
    has_final: bool = False
    interrupts: tuple[Any, ...] = ()
    batch: Sequence[Any] = ()


def _split_interrupt(value: Any, out: RunOutput) -> Any:
    if isinstance(value, dict) and INTERRUPT in value:
        out.interrupts = tuple(value[INTERRUPT])
        return {k: v for k, v in value.items() if k != INTERRUPT}
    return value


def _modes(drive: Drive) -> list[str]:
    return list(dict.fromkeys([*drive.stream_mode, *JOURNAL_MODES]))


def batch_configs(cfg: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """The N configs of a batch drive: the same, each on its own thread."""
    base = cfg["configurable"]["thread_id"]
    return [{**cfg, "configurable": {**cfg["configurable"], "thread_id": base if i == 0 else f"{base}-b{i}"}}
            for i in range(n)]


def _take(out: RunOutput, mode: str, chunk: Any, on_chunk: OnChunk) -> None:
    if mode == "values":
        out.final, out.has_final = _split_interrupt(chunk, out), True
        on_chunk(mode, out.final)
        return
    if mode == "updates" and isinstance(chunk, dict) and INTERRUPT in chunk:
        out.interrupts = tuple(chunk[INTERRUPT])
    on_chunk(mode, chunk)


async def arun(graph: Any, input: Any, cfg: dict[str, Any], drive: Drive, on_chunk: OnChunk, **kwargs: Any) -> RunOutput:
    """One run step on an async drive."""
    out = RunOutput()
    if drive.method == "astream":
        async for mode, chunk in graph.astream(input, cfg, stream_mode=_modes(drive), **kwargs):
            _take(out, mode, chunk, on_chunk)
    elif drive.method == "ainvoke":
        out.final, out.has_final = _split_interrupt(await graph.ainvoke(input, cfg, **kwargs), out), True
    elif drive.method == "astream_events" and drive.version not in ("v1", "v2"):
        # v3 (LangGraph >= 1.2.2x): a run-stream object; its output() drives the run to its end.
        with warnings.catch_warnings():
            # The user asked for v3: LangChain's "beta" warning on every run is noise (and an
            # error under filterwarnings=error). Only its creation is wrapped, not the run.
            warnings.filterwarnings("ignore", message=".*v3 streaming protocol.*")
            stream = await graph.astream_events(input, cfg, version=drive.version, **kwargs)
        async with stream:
            final = await stream.output()
            interrupts = tuple(await stream.interrupts())
        out.final, out.has_final = _split_interrupt(final, out), True
        out.interrupts = interrupts or out.interrupts
    elif drive.method == "astream_events":
        async for ev in graph.astream_events(input, cfg, version=drive.version, **kwargs):
            if ev.get("event") == "on_chain_end" and not ev.get("parent_ids") and isinstance(ev.get("data"), dict):
                output = ev["data"].get("output")
                out.final, out.has_final = _split_interrupt(output, out), True
    elif drive.method == "abatch":
        cfgs = batch_configs(cfg, drive.n)
        outputs = await graph.abatch([input] * drive.n, cfgs, **kwargs)
        out.batch = [_split_interrupt(o, RunOutput()) for o in outputs]
        out.final, out.has_final = _split_interrupt(outputs[0], out), True
    else:
        raise ChaosUsageError(f"drive {drive.token!r} is a sync drive; run it with the sync executor")
    return out


def run(graph: Any, input: Any, cfg: dict[str, Any], drive: Drive, on_chunk: OnChunk, **kwargs: Any) -> RunOutput:
    """One run step on a sync drive (LangGraph's sync loop and thread pool)."""
    out = RunOutput()
    if drive.method == "stream":
        for mode, chunk in graph.stream(input, cfg, stream_mode=_modes(drive), **kwargs):
            _take(out, mode, chunk, on_chunk)
    elif drive.method == "invoke":
        out.final, out.has_final = _split_interrupt(graph.invoke(input, cfg, **kwargs), out), True
    elif drive.method == "batch":
        cfgs = batch_configs(cfg, drive.n)
        outputs = graph.batch([input] * drive.n, cfgs, **kwargs)
        out.batch = [_split_interrupt(o, RunOutput()) for o in outputs]
        out.final, out.has_final = _split_interrupt(outputs[0], out), True
    else:
        raise ChaosUsageError(f"drive {drive.token!r} is an async drive; run it with the async executor")
    return out


async def adrain_serve(graph: Any, input: Any, config: dict[str, Any], **kwargs: Any) -> None:
    """The harness's own service: run the graph to its end (or drain), discarding the output."""
    async for _ in graph.astream(input, config, **kwargs):
        pass


def drain_serve(graph: Any, input: Any, config: dict[str, Any], **kwargs: Any) -> None:
    for _ in graph.stream(input, config, **kwargs):
        pass


def invoke_plain(graph: Any, input: Any, config: dict[str, Any], **kwargs: Any) -> Any:
    """``graph.invoke`` for helpers that run a plain (uninstrumented) graph once."""
    return graph.invoke(input, config, **kwargs)


@dataclass(frozen=True)
class RunCall:
    """One call that ran the graph: which method, from which phase, with what."""

    phase: str  # "serve" or "resume"
    method: str  # invoke, ainvoke, stream, astream
    control: bool  # control= was passed (and is not None)
    thread_id: str | None
    checkpoint_id: str | None


class RecordingGraph:
    """Delegates to the compiled graph; records every run a user's service code starts.

    Service code is tested by what it does with the graph: whether it passes ``control=`` (a
    `RunControl` is read only from that keyword) and whether it resumes by thread or by a
    ``checkpoint_id`` (which LangGraph treats as a replay).
    """

    def __init__(self, graph: Any, phase: str = "serve") -> None:
        self._graph = graph
        self.phase = phase
        self.calls: list[RunCall] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._graph, name)

    def _note(self, method: str, config: Any, kwargs: dict[str, Any]) -> None:
        conf = (config or {}).get("configurable", {}) if isinstance(config, dict) else {}
        self.calls.append(RunCall(self.phase, method, kwargs.get("control") is not None,
                                  conf.get("thread_id"), conf.get("checkpoint_id")))

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self._note("invoke", config, kwargs)
        return self._graph.invoke(input, config, **kwargs)

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self._note("ainvoke", config, kwargs)
        return await self._graph.ainvoke(input, config, **kwargs)

    def stream(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self._note("stream", config, kwargs)
        return self._graph.stream(input, config, **kwargs)

    def astream(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self._note("astream", config, kwargs)
        return self._graph.astream(input, config, **kwargs)
