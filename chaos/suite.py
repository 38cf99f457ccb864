"""The built-in fault suite that ``pytest --chaos --chaos-target=MODULE:ATTR`` runs.

The suite is planned from the graph's configuration and its fault-free run (`probe`): every
lever the graph has gets a trial kind, aimed only where it can fire.

- **node** kinds (`NODE_KINDS`, the `chaos.faults` names): the node body is replaced by the
  fault, at the first attempt of a node that runs (site ``node@a1``);
- **http** kinds (`HTTP_KINDS`): a transport fault on one request a node sent in the
  fault-free run (site ``node@a1r2``: attempt 1, its 2nd request), below the SDK, so the SDK's
  own retry loop and the user's ``except`` run for real;
- **thread** kinds (`THREAD_KINDS`): ``sigterm`` (drain at a superstep boundary, then resume),
  ``kill`` (a crash mid-node, resumed in a new process), ``resume`` (a node fails for good, the
  user retries the thread), ``cache_expiry`` and ``cache_after_failure`` (CachePolicy nodes),
  ``handled`` (a node with an error handler fails for good) and ``handler_fault`` (its
  handler then hangs, where a TimeoutPolicy must bound it).

Interrupts are answered (`answer_steps`) so the nodes after an ``interrupt()`` get faults too.

Each `SuiteCase` is one trial: its item name is ``<kind>[<site>]#<trial>``. The site is chosen
by a hash of (seed, target, kind, trial) among the sites the kind can fire at, so trials of one
kind cover different sites across trials and seeds while every trial replays exactly. A kind
with no site on this graph is not generated (`plan_suite` says why in `SuitePlan.absent`).
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from chaos.decide import unit_interval
from chaos.engine.drive import DEFAULT as DEFAULT_DRIVE
from chaos.engine.drive import Drive
from chaos.engine.steps import Invoke, Kill, Resume, Sigterm, Step, Wait, again
from chaos.faults import FAULT_KINDS, HttpStatus, Injection, RaiseError, TransportError
from chaos.http.faults import CutStream, HttpFault, LostResponse, StalledStream, Status, TransportFailure
from chaos.inject import InstrumentedGraph, NodeInfo
from chaos.journal import AttemptRecord, Journal

#: The node-boundary kinds (the `chaos.faults.FAULT_KINDS` names), in item order.
NODE_KINDS: tuple[str, ...] = tuple(FAULT_KINDS)

#: Transport faults on one request (``requests`` = its ordinal within the node attempt).
HTTP_KINDS: dict[str, Callable[[int], HttpFault]] = {
    "http.status_429": lambda r: Status(429, retry_after=1, requests=frozenset({r})),
    "http.status_503": lambda r: Status(503, requests=frozenset({r})),
    "http.connect_error": lambda r: TransportFailure("connect", requests=frozenset({r})),
    "http.lost_response": lambda r: LostResponse("read_timeout", requests=frozenset({r})),
    "http.stalled_stream": lambda r: StalledStream(0, requests=frozenset({r})),
    "http.cut_stream": lambda r: CutStream(0, requests=frozenset({r})),
}

#: Kinds that script the thread's history (signals, resumes, waits).
THREAD_KINDS: tuple[str, ...] = (
    "sigterm", "kill", "resume", "cache_expiry", "cache_after_failure", "handled", "handler_fault",
)

#: Every kind of the suite, in item order.
ALL_KINDS: tuple[str, ...] = (*NODE_KINDS, *HTTP_KINDS, *THREAD_KINDS)

#: The old name of `NODE_KINDS` (the suite's kinds before the http and thread kinds).
SUITE_KINDS: tuple[str, ...] = NODE_KINDS

#: The answer given to an interrupt when ``--chaos-answers`` gives none.
GENERATED_ANSWER = "chaos: a generated answer (pass --chaos-answers=JSON to choose one)"

#: The clients whose requests a node-level ``requests_error``/``aiohttp_error`` stands for
#: (requests is caught at urllib3 when the ``responses`` library is not installed).
_CLIENT_OF_KIND: dict[str, frozenset[str]] = {
    "requests_error": frozenset({"requests", "urllib3"}),
    "aiohttp_error": frozenset({"aiohttp"}),
}

Mode = Literal["trial", "drain", "kill"]

#: The exception of "fails for good" kinds (LangGraph's default ``retry_on`` does not retry it).
PERMANENT = RuntimeError("chaos: injected permanent failure")


@dataclass(frozen=True)
class SuiteCase:
    """One generated trial: what to inject where, and the thread's history.

    ``mode``: ``"trial"`` (an ordinary trial), ``"drain"`` (SIGTERM steps: judged as a drain)
    or ``"kill"`` (a Kill step: children of the forkserver engine).
    """

    kind: str
    site: str
    trial: int
    injections: tuple[Injection, ...] = ()
    steps: tuple[Step, ...] = (Invoke(),)
    mode: Mode = "trial"
    node: str | None = None
    skip_reason: str | None = None
    #: Kill cases: nodes whose rerun is harmless, as seen in the fault-free run (they sent no
    #: request with a side effect), so ``duplicate_effects`` judges only the others.
    idempotent: tuple[str, ...] = ()
    #: How every run step calls the graph (``--chaos-invoke``; `chaos.engine.drive`).
    drive: Drive = DEFAULT_DRIVE

    @property
    def name(self) -> str:
        """The item name: ``<kind>[<site>]#<trial>``, under a mode other than the default
        ``<mode>::<kind>[<site>]#<trial>`` (no spaces; the default mode's ids never change when
        more modes are added)."""
        base = f"{self.kind}[{self.site}]#{self.trial}"
        return base if self.drive == DEFAULT_DRIVE else f"{self.drive.token}::{base}"

    @property
    def injection(self) -> Injection | None:
        """The first injection (None for signal-only kinds): the old single-fault view."""
        return self.injections[0] if self.injections else None


@dataclass
class SuitePlan:
    """The suite of one target: the cases, and why each absent kind is absent."""

    cases: list[SuiteCase] = field(default_factory=list)
    absent: dict[str, str] = field(default_factory=dict)


# -- the graph's fault-free run -----------------------------------------------------------------


def answer_steps(answers: Sequence[Any]) -> tuple[Step, ...]:
    """The thread's steps: invoke, then answer each interrupt it stops at.

    Each answer resumes with ``Command(resume=answer)``, only when the previous run ended
    interrupted (a graph that never interrupts runs as one invoke): the values of
    ``--chaos-answers`` in order, else one generated answer. A graph that rejects the generated
    answer fails its fault-free baseline: its items are inconclusive, never failed.
    """
    return (Invoke(), *(Resume(a, only_after=("interrupted",)) for a in (list(answers) or [GENERATED_ANSWER])))


def generated_answer(question: Any) -> Any:
    """An answer to an ``interrupt(question)`` when ``--chaos-answers`` gives none.

    A question in LangGraph's agent-inbox protocol (a list of ``HumanInterrupt`` dicts, as
    ``langgraph.prebuilt.interrupt`` defines them) gets the response it allows, in the order
    accept, respond, ignore; any other question gets `GENERATED_ANSWER`.
    """
    if isinstance(question, list) and question and all(
        isinstance(q, dict) and "action_request" in q and isinstance(q.get("config"), dict) for q in question
    ):
        out = []
        for q in question:
            allowed = q["config"]
            if allowed.get("allow_accept"):
                out.append({"type": "accept", "args": q["action_request"]})
            elif allowed.get("allow_respond"):
                out.append({"type": "response", "args": GENERATED_ANSWER})
            else:
                out.append({"type": "ignore", "args": None})
        return out
    return GENERATED_ANSWER


#: At most this many interrupts are answered with generated answers (each costs one more
#: fault-free run at planning).
MAX_GENERATED_ANSWERS = 3


def discover_steps(
    inst: InstrumentedGraph,
    input: Any,
    *,
    answers: Sequence[Any] = (),
    config: dict[str, Any] | None = None,
    around: Sequence[Any] = (),
    context: Any = None,
    drive: Drive = DEFAULT_DRIVE,
) -> tuple[tuple[Step, ...], Journal]:
    """The history every suite case starts from, and its fault-free run.

    With ``answers`` (``--chaos-answers``): `answer_steps`. Without: invoke, and while the run
    stops at an interrupt, resume it with a `generated_answer` to the question it asked.
    """
    if answers:
        steps = answer_steps(answers)
        return steps, probe(inst, input, config=config, around=around, context=context, steps=steps, drive=drive)
    steps = (Invoke(),)
    while True:
        journal = probe(inst, input, config=config, around=around, context=context, steps=steps, drive=drive)
        runs = [r for r in journal.steps if r.kind in ("invoke", "resume")]
        asked = sum(isinstance(s, Resume) for s in steps)
        if not runs or runs[-1].outcome != "interrupted" or not journal.interrupts or asked >= MAX_GENERATED_ANSWERS:
            return steps, journal
        question = getattr(journal.interrupts[-1], "value", None)
        steps = (*steps, Resume(generated_answer(question), only_after=("interrupted",)))


def probe(
    inst: InstrumentedGraph,
    input: Any,
    *,
    config: dict[str, Any] | None = None,
    around: Sequence[Any] = (),
    context: Any = None,
    steps: Sequence[Step] = (Invoke(),),
    drive: Drive = DEFAULT_DRIVE,
) -> Journal:
    """The fault-free run the suite is planned from (seed 0, simulated clock; memoised), driven
    as the cases will be (``drive``)."""
    from chaos.engine.baseline import run_baseline
    from chaos.engine.run import thread_id_for
    from chaos.engine.spec import TrialSpec

    key = ("suite-probe", json.dumps(input, sort_keys=True, default=repr),
           json.dumps(config, sort_keys=True, default=repr), repr(tuple(steps)), drive.token)
    if key not in inst.memo:
        spec = TrialSpec(graph=inst, input=input, steps=tuple(steps), test_id="chaos-suite-reachability",
                         config=config, context=context, around=tuple(around), source=inst, drive=drive)
        inst.memo[key] = run_baseline(spec, thread_id_for(key[1], "reachability", 0))
    journal: Journal = inst.memo[key]
    return journal


def reachable_sites(
    inst: InstrumentedGraph,
    input: Any,
    *,
    config: dict[str, Any] | None = None,
    around: Sequence[Any] = (),
    context: Any = None,
    steps: Sequence[Step] = (Invoke(),),
) -> frozenset[str]:
    """The nodes that run when ``input`` meets no fault (see `probe`).

    A fault aimed at a node the input never reaches (a fallback behind an error handler, a
    branch not taken) could never fire: the suite aims only at nodes that run.
    """
    journal = probe(inst, input, config=config, around=around, context=context, steps=steps)
    return frozenset(a.node for a in journal.attempts)


# -- where each kind can fire --------------------------------------------------------------------


def eligible_nodes(inst: InstrumentedGraph, kind: str) -> list[NodeInfo]:
    """The user nodes a node kind is meaningful for (subgraph container nodes excluded)."""
    from langgraph.pregel import Pregel

    nodes = [
        info
        for info in inst.nodes.values()
        if not info.site.rsplit("/", 1)[-1].startswith("__")
        and not isinstance(getattr(info.spec, "runnable", None), Pregel)
    ]
    if kind == "stall":
        # A stall is only observable through an idle_timeout on an async node.
        nodes = [n for n in nodes if n.is_async and n.timeout is not None and n.timeout.idle_timeout]
    return nodes


def _first_attempts(journal: Journal) -> dict[str, AttemptRecord]:
    """Each node's first attempt in the fault-free run (the one ``attempts=1, times=1`` hits)."""
    out: dict[str, AttemptRecord] = {}
    for rec in journal.attempts:
        out.setdefault(rec.node, rec)
    return out


def _run_firsts(journal: Journal) -> dict[tuple[str, int], AttemptRecord]:
    """The first attempt of each node in each run of the history (a node an interrupt stopped
    runs again when the answer resumes it: the code after ``interrupt()`` is a site too)."""
    out: dict[tuple[str, int], AttemptRecord] = {}
    for rec in journal.attempts:
        out.setdefault((rec.node, rec.invocation), rec)
    return out


def _site(node: str, invocation: int, rest: str = "a1") -> str:
    """``node@a1`` in the first run, ``node@run2a1`` in the run that answered an interrupt."""
    return f"{node}@{rest}" if invocation == 0 else f"{node}@run{invocation + 1}{rest}"


def _runs(invocation: int) -> tuple[int, ...] | None:
    return None if invocation == 0 else (invocation,)


def _clients(journal: Journal) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rec in journal.http:
        if rec.node is not None and rec.client is not None:
            out.setdefault(rec.node, set()).add(rec.client)
    return out


def request_sites(journal: Journal) -> list[tuple[str, int, int, int]]:
    """(node, invocation, attempt, request ordinal) of each answered request of each node's
    first task in each run."""
    firsts = {rec.task: key for key, rec in _run_firsts(journal).items()}
    counts: dict[tuple[str, int], int] = {}
    out: list[tuple[str, int, int, int]] = []
    for rec in journal.http:
        if rec.node is None or rec.attempt is None or rec.task not in firsts:
            continue
        n = counts[(rec.task, rec.attempt)] = counts.get((rec.task, rec.attempt), 0) + 1
        if rec.error is None and rec.status is not None:
            out.append((rec.node, firsts[rec.task][1], rec.attempt, n))
    return out


def _node_sites(inst: InstrumentedGraph, kind: str, journal: Journal | None) -> tuple[list[tuple[str, int]], str]:
    """The (node, run) pairs a node kind can fire at, or why there is none."""
    names = [n.site for n in eligible_nodes(inst, kind)]
    if journal is None:
        return [(n, 0) for n in names], "the graph has no user node"
    firsts = _run_firsts(journal)
    sites = [key for key in firsts if key[0] in names]
    if kind == "stall":
        return sites, "no async node that runs on this input has an idle_timeout, so a stall cannot be observed"
    if kind == "lost_result":
        # The result can only be lost when the body produced one (not at an interrupt).
        sites = [key for key in sites if firsts[key].outcome == "ok"]
        return sites, "no node that runs returns a result in its first attempt (they interrupt), so none can be lost"
    fault = FAULT_KINDS[kind]
    if isinstance(fault, (HttpStatus, TransportError)):
        # These stand for a failed upstream call. A node meets one when it calls an upstream
        # (there `transient_fatal` judges a run it kills), or when its author expects it: its
        # RetryPolicy retries it, so the trial tests that policy. Aimed at any other node,
        # the run would end in error with nothing to judge it: a false green.
        callers = {rec.node for rec in journal.http if rec.node is not None}
        exc = fault.make()
        sites = [key for key in sites if key[0] in callers or _attempts_for(inst.nodes.get(key[0]), exc) > 1]
        return sites, ("no node that runs sends an HTTP request or has a RetryPolicy that retries "
                       f"{type(exc).__name__}, so an upstream failure cannot happen there")
    if kind in _CLIENT_OF_KIND:
        clients = _clients(journal)
        want = _CLIENT_OF_KIND[kind]
        sites = [key for key in sites if clients.get(key[0], set()) & want]
        lib = kind.removesuffix("_error")
        return sites, f"no node that runs sends requests through {lib}, so {lib}'s errors cannot happen there"
    return sites, "no node runs on this input, so there is nowhere to put a fault"


def _attempts_for(info: NodeInfo | None, exc: BaseException) -> int:
    """How many attempts the node's RetryPolicy makes when every one raises ``exc``."""
    from langgraph.types import RetryPolicy

    policies = getattr(info, "retry_policy", None) if info is not None else None
    if not policies:
        return 1
    for policy in [policies] if isinstance(policies, RetryPolicy) else list(policies):
        if _retries(policy, exc):
            return max(1, int(policy.max_attempts))
    return 1


def _retries(policy: Any, exc: BaseException) -> bool:
    """Whether ``policy.retry_on`` accepts ``exc`` (a type, a sequence of types, a predicate)."""
    retry_on = policy.retry_on
    if isinstance(retry_on, type):
        return isinstance(exc, retry_on)
    if isinstance(retry_on, Sequence):
        return isinstance(exc, tuple(retry_on))
    return bool(retry_on(exc)) if callable(retry_on) else False


def _fail_for_good(inst: InstrumentedGraph, node: str) -> Injection:
    """Every attempt of ``node`` fails (for one run: ``times`` is what its policy makes)."""
    return Injection.of(RaiseError(PERMANENT), node, None, times=_attempts_for(inst.nodes.get(node), PERMANENT))


def _after_run(steps: Sequence[Step], invocation: int, extra: Iterable[Step]) -> tuple[Step, ...]:
    """``steps`` with ``extra`` right after its ``invocation``-th run step (0-based)."""
    out: list[Step] = []
    n = -1
    for step in steps:
        out.append(step)
        if isinstance(step, (Invoke, Resume)):
            n += 1
            if n == invocation:
                out.extend(extra)
    return tuple(out)


def _before_run(steps: Sequence[Step], invocation: int, extra: Iterable[Step]) -> tuple[Step, ...]:
    out: list[Step] = []
    n = -1
    for step in steps:
        if isinstance(step, (Invoke, Resume)):
            n += 1
            if n == invocation:
                out.extend(extra)
        out.append(step)
    return tuple(out)


def _side_effects(journal: Journal, node: str) -> bool:
    """Whether ``node`` sent a request with a side effect in the fault-free run: not a read
    (GET/HEAD/OPTIONS), not model inference, without an ``Idempotency-Key``."""
    from chaos.sdk.endpoints import is_inference_endpoint

    return any(
        rec.node == node and rec.method not in ("GET", "HEAD", "OPTIONS") and rec.idempotency_key is None
        and not is_inference_endpoint(rec.url, rec.method)
        for rec in journal.http
    )


def _runs_a_graph(info: NodeInfo | None) -> bool:
    """Whether the node is a subgraph, or a function that names a compiled graph it runs."""
    from langgraph.pregel import Pregel

    if info is None:
        return False
    runnable = getattr(info.spec, "runnable", None)
    if isinstance(runnable, Pregel):
        return True
    for fn in (getattr(runnable, "afunc", None), getattr(runnable, "func", None)):
        fn = getattr(fn, "__wrapped__", fn)
        code, scope = getattr(fn, "__code__", None), getattr(fn, "__globals__", {})
        if code is not None and any(isinstance(scope.get(name), Pregel) for name in code.co_names):
            return True
    return False


def _plain_function(info: NodeInfo) -> bool:
    from langgraph._internal._runnable import RunnableCallable

    return isinstance(getattr(info.spec, "runnable", None), RunnableCallable)


# -- planning -------------------------------------------------------------------------------------


def _pick(options: Sequence[Any], seed: int, target: str, kind: str, trial: int) -> Any:
    return options[int(unit_interval(seed, target, kind, trial) * len(options))]


def _kind_sites(
    inst: InstrumentedGraph, kind: str, journal: Journal | None, steps: tuple[Step, ...], kill_reason: str | None,
) -> tuple[list[SuiteCase], str]:
    """Every case ``kind`` could be (trial 0), or why there is none."""
    first = _first_attempts(journal) if journal is not None else {}
    if kind in FAULT_KINDS:
        sites, reason = _node_sites(inst, kind, journal)
        return [SuiteCase(kind, _site(n, inv), 0, (Injection.of(FAULT_KINDS[kind], n, attempts=1, times=1,
                                                                invocations=_runs(inv)),),
                          steps, node=n) for n, inv in sites], reason
    if journal is None:
        return [], "the fault-free run did not finish, so the suite cannot tell where this kind would fire"
    if kind in HTTP_KINDS:
        make = HTTP_KINDS[kind]
        cases = [SuiteCase(kind, _site(n, inv, f"a{a}r{r}"), 0,
                           (Injection.of(make(r), n, attempts=a, times=1, invocations=_runs(inv)),), steps, node=n)
                 for n, inv, a, r in request_sites(journal)]
        return cases, "no node sent an HTTP request in the fault-free run, so a transport fault has nothing to hit"
    top = [n for n in first if "/" not in n and not n.startswith("__")]
    saver = getattr(inst.graph, "checkpointer", None)
    if kind in ("sigterm", "kill", "resume") and saver is None:
        return [], "the graph has no checkpointer, so a stopped thread cannot be resumed"
    if kind == "sigterm":
        # A SIGTERM as the first node of superstep k starts: LangGraph finishes superstep k,
        # checkpoints and drains; the thread is then resumed.
        by_step: dict[int, tuple[str, int]] = {}
        for (n, inv), rec in _run_firsts(journal).items():
            if n not in top:
                continue
            if _runs_a_graph(inst.nodes.get(n)):
                # A drain reaches a nested graph too: it stops mid-node and the node reruns on
                # resume (LangGraph's documented behaviour), which the drain checks would
                # report as a rerun: drain only at nodes that are plain functions.
                continue
            if rec.outcome == "interrupted" or inv > 0:
                # A run that stops at an interrupt stops there, not at the drain; and a drain
                # requested in the run that answers it is not honoured (LangGraph 1.2.24: the
                # resumed run goes on past the superstep), which the drain checks would blame
                # on the graph. Drain only in the first run, at nodes that return.
                continue
            if rec.step is not None:
                by_step.setdefault(rec.step, (n, inv))
        cases = []
        for k, (n, inv) in sorted(by_step.items()):
            st = _after_run(_before_run(steps, inv, [Sigterm(n, 1)]), inv, [Resume(only_after=("drained",))])
            cases.append(SuiteCase(kind, f"after-step-{k}", 0, (), st, mode="drain", node=n))
        return cases, "no top-level node runs in the fault-free run, so there is no superstep to drain after"
    if kind == "kill":
        if kill_reason is not None:
            return [], kill_reason
        # Killed after its body did its work: only a body that returns (not one that stops at
        # an interrupt) reaches that point.
        # Not a node fanned out with Send: the kill engine waits for the killed task's siblings
        # of other nodes, not for its own parallel copies, which the kill would then cut short.
        fanned = {a.node for a in journal.attempts if a.attempt == 1 and sum(
            b.node == a.node and b.step == a.step and b.invocation == a.invocation and b.attempt == 1
            for b in journal.attempts) > 1}
        nodes = [n for n in top if first[n].invocation == 0 and first[n].outcome == "ok" and n not in fanned
                 and n in inst.nodes and _plain_function(inst.nodes[n]) and not _runs_a_graph(inst.nodes[n])]
        pure = tuple(sorted(n for n in first if not _side_effects(journal, n)))
        return [SuiteCase(kind, f"{n}@a1", 0, (), (Kill(n, "end"), Invoke(), Resume()), mode="kill", node=n,
                          idempotent=pure)
                for n in nodes], "no top-level plain-function node returns before the first interrupt, so there is none to kill after its body ran"
    if kind == "resume":
        cases = []
        for n in top:
            inv = first[n].invocation
            cases.append(SuiteCase(kind, f"{n}@a1", 0, (_fail_for_good(inst, n),),
                                   _after_run(steps, inv, [Resume(only_after=("error",))]), node=n))
        return cases, "no top-level node runs on this input"
    if kind in ("cache_expiry", "cache_after_failure"):
        if getattr(inst.graph, "cache", None) is None:
            return [], "the graph has no cache"
        cached = [n for n in first if first[n].invocation == 0 and inst.nodes.get(n) is not None
                  and inst.nodes[n].cache_policy is not None]
        if kind == "cache_expiry":
            cases = []
            for n in cached:
                ttl = inst.nodes[n].cache_policy.ttl
                if ttl is not None:
                    cases.append(SuiteCase(kind, f"{n}@a1", 0, (), (Invoke(), Wait(float(ttl) + 1), again()), node=n))
            return cases, "no node with a CachePolicy that has a ttl runs on this input"
        return [SuiteCase(kind, f"{n}@a1", 0, (_fail_for_good(inst, n),),
                          (Invoke(), Resume(only_after=("error",)), again()), node=n)
                for n in cached if saver is not None], (
            "no node with a CachePolicy runs on this input" if saver is not None
            else "the graph has no checkpointer, so the failed run cannot be retried")
    if kind in ("handled", "handler_fault"):
        # ``handled``: the node fails for good and its error handler must handle it (once, with
        # the original error). ``handler_fault``: and the handler hangs, which the node's
        # TimeoutPolicy must bound (a handler is bounded by its node's policy).
        cases = []
        for n in first:
            info = inst.nodes.get(n)
            handler = info.error_handler if info is not None else None
            if info is None or handler is None or first[n].invocation != 0:
                continue
            injections = [_fail_for_good(inst, n)]
            if kind == "handler_fault":
                if not info.can_time_out:
                    continue
                parent = n.rsplit("/", 1)[0] + "/" if "/" in n else ""
                injections.append(Injection.of(FAULT_KINDS["hang"], parent + handler, attempts=1, times=1))
            cases.append(SuiteCase(kind, f"{n}@a1", 0, tuple(injections), steps, node=n))
        return cases, ("no node that runs has an error handler" if kind == "handled" else
                       "no node that runs has both an error handler and a TimeoutPolicy to bound it")
    raise KeyError(kind)


def plan_suite(
    inst: InstrumentedGraph,
    *,
    target: str,
    seed: int,
    trials: int,
    journal: Journal | None,
    steps: Sequence[Step] = (Invoke(),),
    kinds: Collection[str] = ALL_KINDS,
    kill_reason: str | None = None,
) -> SuitePlan:
    """The suite of one target: ``trials`` cases of each kind that can fire on this graph.

    ``journal`` is the fault-free run (`probe`), None when it did not finish (only node kinds
    are planned then, on every user node: their trials are inconclusive); ``steps`` the
    history every case starts from (`answer_steps`); ``kill_reason`` why kill trials cannot
    run here (the graph cannot be rebuilt in a child process), if they cannot.
    """
    base = tuple(steps)
    plan = SuitePlan()
    for kind in ALL_KINDS:
        if kind not in kinds:
            continue
        options, reason = _kind_sites(inst, kind, journal, base, kill_reason)
        if not options:
            plan.absent[kind] = reason
            continue
        for trial in range(trials):
            case = _pick(options, seed, target, kind, trial)
            plan.cases.append(dataclasses.replace(case, trial=trial))
    return plan


def plan_case(
    inst: InstrumentedGraph,
    *,
    target: str,
    kind: str,
    trial: int,
    seed: int,
    reachable: Collection[str] | None = None,
) -> SuiteCase:
    """Choose the node for one node-kind trial (first attempt of that node's first task).

    ``reachable`` (see `reachable_sites`) limits the choice to nodes the input makes run. Kept
    for callers that plan one node kind at a time; the plugin uses `plan_suite`.
    """
    if kind not in FAULT_KINDS:
        raise KeyError(kind)
    nodes = eligible_nodes(inst, kind)
    if reachable is not None:
        nodes = [n for n in nodes if n.site in reachable]
    if not nodes:
        reason = (
            "no async node that runs on this input has an idle_timeout, so a stall cannot be observed"
            if kind == "stall"
            else "no node runs on this input, so there is nowhere to put a fault"
        )
        return SuiteCase(kind, "-", trial, (), skip_reason=reason)
    pick = nodes[int(unit_interval(seed, target, kind, trial) * len(nodes))]
    return SuiteCase(kind, f"{pick.site}@a1", trial, (Injection.of(FAULT_KINDS[kind], pick.site, attempts=1, times=1),),
                     node=pick.site)


def picklable(value: Any) -> str | None:
    """None when ``value`` can be sent to a child process, else why not."""
    try:
        pickle.dumps(value)
    except Exception as exc:  # any pickling failure: the reason is the message
        return f"{type(exc).__name__}: {exc}"
    return None


__all__ = [
    "ALL_KINDS",
    "GENERATED_ANSWER",
    "HTTP_KINDS",
    "NODE_KINDS",
    "SUITE_KINDS",
    "THREAD_KINDS",
    "SuiteCase",
    "SuitePlan",
    "answer_steps",
    "discover_steps",
    "generated_answer",
    "eligible_nodes",
    "plan_case",
    "plan_suite",
    "probe",
    "reachable_sites",
    "request_sites",
]
