"""The step vocabulary: what happens to one thread, in order, during a trial.

A trial is a scripted history. Each step is a small frozen value::

    from chaos.engine import Invoke, Resume, Wait, UpdateState, Sigterm, Kill, again

    steps = [
        Invoke(),                  # the trial's input on the trial's thread
        Resume(),                  # continue that thread from its checkpoint (input None)
        Resume("yes"),             # answer an interrupt(): Command(resume="yes")
        Wait(299),                 # simulated seconds pass (cache TTLs, rate-limit windows)
        again(),                   # the same input again, on a fresh thread
        again({"q": 2}, thread="same"),  # another input on the same thread
        UpdateState({"x": 1}, as_node="fetch"),
    ]

``Sigterm`` and ``Kill`` arm the run step that follows them: a real SIGTERM when a node starts
or at a superstep boundary (``Sigterm(step=k)``: drain after superstep k; in process), or a
hard kill of the child process running that step (the steps before it run in one child, the
steps after it in a new one). The fault-free baseline runs the same steps with every
``Sigterm``/``Kill`` removed (`baseline_steps`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

from chaos.errors import ChaosUsageError

ThreadChoice = Literal["same", "fresh"]
KillAt = Literal["start", "end"]
#: The config a `Resume` passes: a dict (the thread's id is filled in), or a function of the
#: compiled graph and the thread's plain config that returns one (a subgraph's config read
#: from ``get_state(..., subgraphs=True)``, as a service that stored it would pass).
ResumeConfig = Union[dict[str, Any], Callable[[Any, dict[str, Any]], dict[str, Any]]]


class _Same:
    """The trial's own input (the default of `Invoke`)."""

    _instance: _Same | None = None

    def __new__(cls) -> _Same:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SAME"

    def __reduce__(self) -> str:
        return "SAME"


#: Stands for the trial's input in `Invoke` (``Invoke()`` is ``Invoke(SAME)``).
SAME: Any = _Same()


@dataclass(frozen=True)
class Invoke:
    """Run the graph on an input (default: the trial's input).

    ``thread="same"`` continues the trial's current thread (the first run starts it);
    ``"fresh"`` starts a new thread (the node cache is not scoped by thread, so this is how
    cache hits and TTL expiry happen within a trial).
    """

    input: Any = SAME
    thread: ThreadChoice = "same"

    def __post_init__(self) -> None:
        if self.thread not in ("same", "fresh"):
            raise ChaosUsageError(f"Invoke(thread={self.thread!r}): use thread='same' or thread='fresh'")


@dataclass(frozen=True)
class Resume:
    """Continue the current thread from its checkpoint, with a fresh `RunControl`.

    ``value=None`` resumes with input ``None`` (after a failure, a drain or a kill); any other
    value answers a pending ``interrupt()`` with ``Command(resume=value)`` (a `Command` is
    passed as it is).
    """

    value: Any = None
    #: Run only when the thread's last run ended one of these ways (None: whenever it did not
    #: finish). A drain trial resumes only a drained run.
    only_after: tuple[str, ...] | None = None
    #: The config to resume with, the way a service resumes (None: the trial's config). A
    #: dict replaces the trial's config; ``{"configurable": {}}`` is "only the thread id",
    #: ``{"configurable": {"checkpoint_id": None}}`` the config a service keeps. A callable
    #: gets ``(graph, {"configurable": {"thread_id": ...}})`` and returns the config (e.g. a
    #: subgraph's). The trial's thread id always wins (baseline and chaos never share one).
    config: ResumeConfig | None = None

    def __post_init__(self) -> None:
        if self.config is not None and not (isinstance(self.config, dict) or callable(self.config)):
            raise ChaosUsageError(
                f"Resume(config={self.config!r}): give a dict such as {{'configurable': {{}}}} (only the "
                "thread id) or a function (graph, thread_config) -> config"
            )

    def resume_config(self, graph: Any, default: dict[str, Any], thread_id: str) -> dict[str, Any]:
        """The config this step resumes with (``default``: the trial's own, for ``thread_id``)."""
        if self.config is None:
            return default
        plain = {"configurable": {"thread_id": thread_id}}
        cfg = self.config(graph, plain) if callable(self.config) else self.config
        if not isinstance(cfg, dict):
            raise ChaosUsageError(f"Resume(config=...) returned {cfg!r}; return a config dict")
        out = dict(cfg)
        out["configurable"] = {**(cfg.get("configurable") or {}), "thread_id": thread_id}
        return out

    def graph_input(self) -> Any:
        """What the graph is run with."""
        if self.value is None:
            return None
        from langgraph.types import Command

        return self.value if isinstance(self.value, Command) else Command(resume=self.value)


@dataclass(frozen=True)
class Wait:
    """Let ``seconds`` pass on the trial's clock (simulated: instantly)."""

    seconds: float

    def __post_init__(self) -> None:
        if not isinstance(self.seconds, (int, float)) or isinstance(self.seconds, bool) or self.seconds < 0:
            raise ChaosUsageError(f"Wait({self.seconds!r}): give a number of seconds >= 0, e.g. Wait(299)")


@dataclass(frozen=True)
class UpdateState:
    """``graph.update_state(config, values, as_node=...)`` on the current thread."""

    values: Any
    as_node: str | None = None


@dataclass(frozen=True)
class Sigterm:
    """A real SIGTERM to this process during the next run step.

    ``node``: when that node (name or glob) starts an attempt listed in ``attempts``.
    ``step=k``: at the superstep boundary after superstep ``k`` (LangGraph's step number, the
    ``step`` of the checkpoint the drain leaves, counted over the thread's history): the
    signal is delivered as the first task of superstep k starts, and since LangGraph honours a
    drain only between supersteps, the run drains right after superstep k. ``step=0`` (and the
    default, with no ``node``): before the run's first superstep. Either way LangGraph finishes
    the running superstep, checkpoints and raises ``GraphDrained``; follow it with `Resume`.
    A boundary the run never reaches is a fault that never fired (``faults_fired``).
    """

    node: str | None = None
    attempts: int | tuple[int, ...] | None = 1
    step: int | None = None

    def __post_init__(self) -> None:
        if self.step is not None and (not isinstance(self.step, int) or isinstance(self.step, bool) or self.step < 0):
            raise ChaosUsageError(f"Sigterm(step={self.step!r}): give a superstep number >= 0, e.g. Sigterm(step=2)")
        if self.step is not None and self.node is not None:
            raise ChaosUsageError(
                f"Sigterm(node={self.node!r}, step={self.step}): aim at a node's start or at a superstep "
                "boundary, not both"
            )

    @property
    def before_first_superstep(self) -> bool:
        """True when the signal is delivered before the run starts (no node, step 0)."""
        return self.node is None and not self.step


@dataclass(frozen=True)
class Kill:
    """Kill the child process running the next run step while ``node`` runs.

    SIGTERM, then SIGKILL after ``grace`` real seconds. ``at="end"``: after the node's body
    did its work, before LangGraph saw its result; ``"start"``: before the body. Every run
    step from here on runs in its own fresh child process (the resume in a new one).
    """

    node: str
    at: KillAt = "end"
    grace: float = 0.05

    def __post_init__(self) -> None:
        if self.at not in ("start", "end"):
            raise ChaosUsageError(f"Kill(at={self.at!r}): use at='start' or at='end'")
        if self.grace < 0:
            raise ChaosUsageError(f"Kill(grace={self.grace}): the grace period must be >= 0 seconds")


Step = Union[Invoke, Resume, Wait, UpdateState, Sigterm, Kill]
STEP_TYPES: tuple[type, ...] = (Invoke, Resume, Wait, UpdateState, Sigterm, Kill)
#: Steps that run the graph.
RUN_STEPS: tuple[type, ...] = (Invoke, Resume)


def again(input: Any = SAME, *, thread: ThreadChoice = "fresh") -> Invoke:
    """The same input (or ``input``) again: on a fresh thread by default, or ``thread="same"``."""
    return Invoke(input, thread)


def repeat_steps(waits: Iterable[float]) -> tuple[Step, ...]:
    """``repeat=[299, 2]`` as steps: invoke, then after each wait the same input on a fresh thread."""
    out: list[Step] = [Invoke()]
    for w in waits:
        out += [Wait(float(w)), again()]
    return tuple(out)


def validate_steps(steps: Sequence[Any], *, where: str = "steps") -> tuple[Step, ...]:
    """Check a step list; return it as a tuple. Errors name the step and the fix."""
    out = tuple(steps)
    if not out:
        raise ChaosUsageError(f"{where}=[]: a trial needs at least one step, e.g. steps=[Invoke()]")
    for i, step in enumerate(out):
        if not isinstance(step, STEP_TYPES):
            raise ChaosUsageError(
                f"{where}[{i}]={step!r} is not a step; use Invoke, Resume, Wait, UpdateState, Sigterm "
                "or Kill from chaos.engine"
            )
        if isinstance(step, (Sigterm, Kill)):
            nxt = out[i + 1] if i + 1 < len(out) else None
            if not isinstance(nxt, RUN_STEPS):
                raise ChaosUsageError(
                    f"{where}[{i}]={step!r} arms the run step that follows it, but "
                    f"{'nothing follows' if nxt is None else repr(nxt) + ' is not one'}; "
                    "put Invoke() or Resume() right after it"
                )
    if not any(isinstance(s, RUN_STEPS) for s in out):
        raise ChaosUsageError(f"{where}={list(out)!r} never runs the graph; add Invoke()")
    if isinstance(out[0], (Resume, UpdateState)):
        raise ChaosUsageError(
            f"{where}[0]={out[0]!r}: the thread does not exist yet; start it with Invoke() first"
        )
    kills = [s for s in out if isinstance(s, Kill)]
    if len(kills) > 1:
        raise ChaosUsageError(f"{where}: at most one Kill step per trial (got {len(kills)})")
    if kills and any(isinstance(s, Sigterm) for s in out):
        raise ChaosUsageError(
            f"{where}: a trial has one signal step: a Kill (in child processes) or Sigterm steps "
            "(in process), not both"
        )
    return out


def baseline_steps(steps: Sequence[Step]) -> tuple[Step, ...]:
    """The fault-free baseline's steps: the same, with every Sigterm/Kill removed.

    A `Resume` that only continued a thread the removed signal interrupted is dropped too
    (the baseline's run was never interrupted); one that answers an interrupt is kept.
    """
    out: list[Step] = []
    armed = interrupted = False
    for step in steps:
        if isinstance(step, (Sigterm, Kill)):
            armed = True
            continue
        if isinstance(step, RUN_STEPS):
            if isinstance(step, Resume) and step.value is None and interrupted:
                interrupted = False
                continue
            interrupted, armed = armed, False
        out.append(step)
    return tuple(out)


def describe(step: Step) -> str:
    """One short line for the journal and reports."""
    if isinstance(step, Invoke):
        what = "the trial's input" if step.input is SAME else repr(step.input)
        return f"invoke {what} on the {step.thread} thread" if step.thread == "fresh" else f"invoke {what}"
    if isinstance(step, Resume):
        how = "" if step.config is None else f" ({_describe_config(step.config)})"
        return ("resume" if step.value is None else f"resume with Command(resume={step.value!r})") + how
    if isinstance(step, Wait):
        return f"wait {step.seconds:g}s"
    if isinstance(step, UpdateState):
        return f"update_state({step.values!r}, as_node={step.as_node!r})"
    if isinstance(step, Sigterm):
        if step.node:
            return f"SIGTERM when {step.node} starts"
        return f"SIGTERM after superstep {step.step}" if step.step else "SIGTERM before the first superstep"
    return f"kill while {step.node} runs (at {step.at}, grace {step.grace:g}s)"


def _describe_config(config: ResumeConfig) -> str:
    if callable(config):
        return f"config from {getattr(config, '__name__', 'a function')}"
    return config_summary(config)


def config_summary(config: dict[str, Any]) -> str:
    """``only the thread id`` or ``config {'checkpoint_id': None}``: what a resume passed,
    with checkpoint ids and task ids masked (they carry wall-clock time; journals must not)."""
    conf = config.get("configurable") or {}
    keys: dict[str, Any] = {}
    for k, v in conf.items():
        if k in ("thread_id", "checkpoint_map"):
            continue
        if k == "checkpoint_id" and v:
            v = "<id>"
        elif k == "checkpoint_ns" and v:
            v = "|".join(part.split(":", 1)[0] + ":<task>" for part in str(v).split("|"))
        keys[k] = v
    return f"config {keys}" if keys else "only the thread id"
