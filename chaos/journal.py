"""The journal: what happened in one run of a graph, attempt by attempt.

Modelled on Jepsen's history: every node attempt is recorded when it starts and completed when
it ends, including attempts whose outcome the harness never learned (``outcome="unknown"``
means the attempt was still running when the run ended). Checkers and reports read only this
record, the checkpointer and the baseline, never the live graph.

Times are seconds from the start of the run on the trial's clock (simulated by default).
Task labels are stable (``node#k`` for the k-th task of that node in the run): LangGraph's task
ids derive from checkpoint ids, which carry wall-clock time, so they are kept only as
``task_id`` for cross-referencing the checkpointer and are left out of comparisons.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

#: An attempt's outcome (the report schema's ``attempt.outcome`` enum, same order).
Outcome = Literal["ok", "error", "timeout", "cancelled", "cached", "aborted", "interrupted", "unknown"]


@dataclass
class AttemptRecord:
    """One execution attempt of one node task."""

    node: str
    task: str
    attempt: int
    step: int | None
    start: float
    end: float | None = None
    outcome: Outcome = "unknown"
    error: str | None = None
    error_message: str | None = None
    timeout_kind: str | None = None
    fault: str | None = None
    fault_kind: str | None = None
    task_id: str | None = None
    #: Which invocation of the run this attempt belongs to (0: the first; see ``repeat``).
    invocation: int = 0
    #: The exception the attempt raised, kept in memory only (never in reports): checkers
    #: evaluate ``retry_on`` predicates and read ``Retry-After`` headers from it.
    exc: BaseException | None = field(default=None, repr=False, compare=False)
    #: The node's input as the attempt received it, in memory only (``cache_ttl`` derives
    #: cache keys from it with the node's ``key_func``).
    input: Any = field(default=None, repr=False, compare=False)
    #: The ``NodeError`` an error-handler attempt received, in memory only (``error_handler``).
    node_error: Any = field(default=None, repr=False, compare=False)
    #: A cache hit's served update (streamed with ``__metadata__.cached``), in memory only;
    #: its ``input`` is the state streamed before it (``cache_hits`` reruns the body on it).
    output: Any = field(default=None, repr=False, compare=False)

    @property
    def duration(self) -> float | None:
        return None if self.end is None else self.end - self.start

    def to_json(self) -> dict[str, Any]:
        rec = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _IN_MEMORY}
        return rec


_IN_MEMORY = frozenset({"exc", "input", "node_error", "output"})


@dataclass
class HttpRecord:
    """One HTTP request a node sent (recorded by the HTTP fault router)."""

    node: str | None
    task: str | None
    attempt: int | None
    method: str
    url: str
    time: float
    status: int | None = None
    #: The answer's ``Retry-After`` as sent (``retry-after-ms`` as ``"<n> ms"``), if any:
    #: ``retry_after`` checks an SDK's own retries inside one attempt against it.
    retry_after: str | None = None
    error: str | None = None
    fault: str | None = None
    delivered: bool = True  # False when the upstream never saw the request
    #: The request's ``Idempotency-Key`` header, if it had one (``duplicate_deliveries``).
    idempotency_key: str | None = None
    #: The client's own read timeout for this request, in seconds (None: it waits forever).
    read_timeout: float | None = None
    #: The client library that sent it (``httpx``, ``httpx2``, ``requests``, ``aiohttp`` ...).
    client: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EventRecord:
    """A run-level event: a fault decision without an attempt, a drain, a resume, a deadlock."""

    kind: str
    time: float
    node: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StepRecord:
    """One step of a trial's history (`chaos.engine.steps`): what it did and how it ended.

    ``outcome`` of a run step: ``ok``, ``interrupted`` (stopped at ``interrupt()``),
    ``drained``, ``error``, ``killed``, ``skipped`` (a resume of a thread with nothing left to
    do); ``done`` for waits and state updates. ``attempts`` is the slice of the journal's
    attempts it ran: ``journal.attempts[first:last]``.
    """

    index: int
    kind: str
    detail: str
    thread: str | None
    start: float
    end: float | None = None
    outcome: str = "unknown"
    error: str | None = None
    error_message: str | None = None
    first: int = 0
    last: int = 0
    #: The thread's latest checkpoint after the step (shutdown trials): step, next, tasks.
    checkpoint: dict[str, Any] | None = None
    #: The interrupts the step stopped at, as ``[id, repr(value)]`` (``interrupts_answered``;
    #: the interrupts of one task share an id, so the question tells them apart).
    interrupts_asked: list[list[str]] = field(default_factory=list)
    #: The nodes a run paused before at an ``interrupt_before``/``interrupt_after`` breakpoint
    #: (the thread's ``next``); None when it did not pause at one.
    breakpoint: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Journal:
    """Everything recorded in one run (the chaos run or its fault-free baseline)."""

    attempts: list[AttemptRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    http: list[HttpRecord] = field(default_factory=list)
    outcome: str = "unknown"
    error: str | None = None
    error_message: str | None = None
    final_state: Any = None
    #: Final states of the repeated invocations (``repeat``), in order; ``final_state`` is the first's.
    repeat_states: list[Any] = field(default_factory=list)
    duration: float = 0.0
    #: The history's steps, in order (one per `chaos.engine` step that ran).
    steps: list[StepRecord] = field(default_factory=list)
    #: Interrupts the runs stopped at (``interrupt()`` values), in order.
    interrupts: list[Any] = field(default_factory=list)
    #: Final states of the other copies of a batch drive (``abatch:N``), in order.
    batch_states: list[Any] = field(default_factory=list)
    #: Node updates streamed after the last ``values`` chunk of the main thread: the writes of
    #: tasks that finished in a superstep that then failed (LangGraph keeps them as pending
    #: writes, and ``get_state().values`` shows them applied). In memory only.
    pending_updates: list[tuple[str, Any]] = field(default_factory=list, repr=False, compare=False)

    def by_node(self, node: str) -> list[AttemptRecord]:
        """The attempts of ``node`` (a site name such as ``fetch`` or ``parent/child``)."""
        return [a for a in self.attempts if a.node == node]

    def tasks(self, node: str | None = None) -> dict[str, list[AttemptRecord]]:
        """Attempts grouped by task label, in order of first appearance."""
        out: dict[str, list[AttemptRecord]] = {}
        for a in self.attempts:
            if node is None or a.node == node:
                out.setdefault(a.task, []).append(a)
        return out

    def faulted(self) -> Iterator[AttemptRecord]:
        """The attempts that received a fault."""
        return (a for a in self.attempts if a.fault is not None)

    def to_json(self, *, with_task_ids: bool = False) -> dict[str, Any]:
        attempts = []
        for a in self.attempts:
            rec = a.to_json()
            if not with_task_ids:
                rec.pop("task_id")
            attempts.append(rec)
        return {
            "outcome": self.outcome,
            "error": self.error,
            "error_message": self.error_message,
            "duration": self.duration,
            "attempts": attempts,
            "events": [e.to_json() for e in self.events],
            "http": [h.to_json() for h in self.http],
            "final_state": _jsonable(self.final_state),
        }


def _jsonable(value: Any) -> Any:
    """Best-effort conversion of graph state to JSON (messages and models become dicts/strs)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return _jsonable(dump())
        except Exception:  # a model that cannot dump itself is still shown, as text
            pass
    return repr(value)
