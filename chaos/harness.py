"""`Chaos`: the object behind the pytest fixture, also usable on its own.

    def test_fetch_survives_rate_limits(chaos):
        chaos.inject(faults.raise_status(429, retry_after=2), node="fetch", attempts=[1])
        result = chaos.run(builder, {"query": "q"})
        assert [a.outcome for a in result.attempts("fetch")] == ["error", "ok"]

`run` executes a baseline and a chaos run on simulated time, checks the invariants and raises
`ChaosViolation` (an AssertionError whose message ends with the command that reproduces it)
when the verdict is ``fail``, or `TrialInconclusive` when the trial could not judge (the
fault-free baseline failed), unless ``raise_on_violation=False``.

A trial is a scripted history of one thread (`chaos.engine.steps`)::

    from chaos.engine import Invoke, Resume, Wait, again

    result = chaos.run(graph, {"q": "hi"}, steps=[Invoke(), Resume("yes"), Wait(60), again()])
    result = chaos.run(graph, {"q": "hi"}, drive="stream:messages")   # how production drives it

Every front end is a thin layer over `chaos.engine` (one spec, one executor, one judge).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any


from chaos.engine.drive import Drive
from chaos.engine.steps import Step
from chaos.engine.spec import UserGraph
from chaos.faults import Fault, Injection
from chaos.inject import InstrumentedGraph, graph_label, instrument
from chaos.savers import default_cache, sqlite_saver_in
from chaos.trial import (ChaosViolation, ClockName, RunHook, TrialInconclusive, TrialResult, _aliases,
                         run_trial)

if TYPE_CHECKING:
    from chaos.http import HttpChaos


class Chaos:
    """Declare faults, run a graph under them, and read the journal and verdict.

    Args:
        seed: the session seed (``--chaos-seed``); decisions hash it with ``test_id``.
        disable: invariants turned off for every run (``disabled_checks`` is a deprecated alias).
        test_id: the pytest node id (or any stable name) of the test.
        clock: ``"simulated"`` (default) or ``"real"``.
        repro: the command line that reproduces this test, printed on failure.
    """

    def __init__(
        self,
        seed: int = 0,
        test_id: str = "chaos",
        *,
        clock: ClockName = "simulated",
        drive: str | Drive | None = None,
        repro: str | None = None,
        disable: Sequence[str] = (),
        keep_results: int | None = None,
        on_result: Callable[[TrialResult], None] | None = None,
        **deprecated: Any,
    ) -> None:
        disable = _aliases("Chaos", deprecated, disable, (), ())[0]
        from chaos.arguments import name_list, seed_value

        self.seed = seed_value(seed)
        disable = name_list(disable, "disable")
        self.test_id = test_id
        self.clock: ClockName = clock
        from chaos.engine.drive import parse_drive

        #: How `run` drives the graph when it is given no ``drive=`` (the marker's ``drive``).
        self.drive = parse_drive(drive, where="Chaos(drive=...)")
        self.repro = repro
        #: Invariants turned off for every run of this object (``chaos_disable``, the marker).
        self.disable = list(disable)
        self.injections: list[Injection] = []
        #: The latest results (all of them, or the last ``keep_results``: the ``chaos_keep_results``
        #: ini setting bounds what a long test holds in memory; ``on_result`` sees every one).
        self.results: list[TrialResult] = []
        self.keep_results = keep_results
        self.on_result = on_result
        #: How many results were produced (numbering does not depend on the window).
        self.trials_done = 0
        #: What test-scope strictness needs of the results, however many ``results`` keeps:
        #: the probabilistic faults declared (label -> record) and those that fired in a run.
        self._declared: dict[str, dict[str, Any]] = {}
        self._fired: set[str] = set()
        #: How many runs were started (also those that raised before producing a result).
        self.runs_started = 0
        #: Context managers entered around every run (see `chaos.trial.RunHook`).
        self.around: list[RunHook] = []
        self._instrumented: dict[int, tuple[Any, InstrumentedGraph]] = {}
        self._http: HttpChaos | None = None

    @property
    def http(self) -> HttpChaos:
        """HTTP at the transport (`chaos.http.HttpChaos`): happy-path routes, faults, journal.

        Created on first use and entered around every run from then on: every ``httpx`` /
        ``httpx2`` request is journaled and answered by its routes, never by the network.
        """
        if self._http is None:
            from chaos.http import HttpChaos

            self._http = HttpChaos()
            self.around.append(self._http)
        return self._http

    def inject(
        self,
        fault: Fault,
        node: str = "*",
        *,
        attempts: int | Iterable[int] | None = None,
        probability: float = 1.0,
        times: int | None = None,
        after_interrupt: int | None = None,
    ) -> Injection:
        """Aim ``fault`` at ``node`` (name, glob, or ``parent/child``) for the next runs.

        ``after_interrupt=k``: raise it as the attempt's k-th ``interrupt()`` returns its answer.
        """
        inj = Injection.of(fault, node, attempts, probability, times, after_interrupt=after_interrupt)
        self.injections.append(inj)
        return inj

    def clear(self) -> None:
        """Forget the declared faults (the next run is fault-free unless faults are added)."""
        self.injections.clear()

    def instrument(self, graph: UserGraph) -> InstrumentedGraph:
        """The instrumented copy of ``graph`` used by `run` (built once per graph object)."""
        key = id(graph)
        held = self._instrumented.get(key)
        if held is None or held[0] is not graph:
            # The graph is kept alive with its copy: an id is only unique among live objects.
            from chaos.engine.baseline import shared_instrumentation

            # One copy per compiled graph per process (issue #18): a fresh fixture per test
            # must not pay for a compile and LangGraph's cold caches again.
            held = (graph, shared_instrumentation(graph, lambda: instrument(
                graph, checkpointer_factory=sqlite_saver_in, cache_factory=default_cache)))
            self._instrumented[key] = held
        return held[1]

    @property
    def disabled_checks(self) -> list[str]:
        """Deprecated alias of `disable`."""
        import warnings

        warnings.warn("Chaos.disabled_checks is deprecated; use Chaos.disable", DeprecationWarning, stacklevel=2)
        return self.disable

    def run(
        self,
        graph: UserGraph,
        input: Any,
        *,
        steps: Sequence[Step] | None = None,
        drive: str | Drive | None = None,
        config: dict[str, Any] | None = None,
        context: Any = None,
        baseline: bool | str = True,
        nondeterministic: Sequence[str] = (),
        disable: Sequence[str] = (),
        enable: Sequence[str] = (),
        raise_on_violation: bool = True,
        repeat: Sequence[float] = (),
        invoke: str | None = None,
    ) -> TrialResult:
        """Run one trial of ``graph`` on ``input`` with the declared faults.

        Args:
            graph: a `StateGraph` builder (compiled with an embedded SQLite checkpointer and,
                when nodes declare a CachePolicy, an in-memory cache) or a compiled graph
                (kept with its own checkpointer, cache and store).
            steps: the thread's history (`chaos.engine.steps`: ``Invoke``, ``Resume``,
                ``Wait``, ``UpdateState``, ``Sigterm``, ``again``); default ``[Invoke()]``.
            drive: how each run step calls the graph (`chaos.engine.drive`): ``"astream"``
                (default; sync node bodies run in the loop's executor, deterministic),
                ``"stream"`` (LangGraph's thread pool), ``"ainvoke"``, ``"invoke"``,
                ``"astream:messages"``, ``"astream_events:v2"``, ``"abatch:3"``, ...
            baseline: ``True``/``"memo"`` (the fault-free baseline, reused across trials of
                the same graph, steps, input, config, drive and seed), ``"fresh"`` (run it
                again: outside state changes between runs) or ``False``/``"off"``.
            nondeterministic: state fields the ``steady_state`` check ignores.
            disable: invariant names to turn off for this run.
            enable: opt-in invariant names to turn on for this run (``retry_after``).
            raise_on_violation: raise `ChaosViolation` when the verdict is ``fail`` and
                `TrialInconclusive` when it is ``inconclusive``.
            repeat: shorthand for steps: invoke the same input again after each of these waits
                (simulated seconds), each on a fresh thread (``repeat=[299, 2]``: a cache hit
                at 299 s, a miss at 301 s). Not together with ``steps``.
            invoke: deprecated: ``"async"`` is ``drive="astream"``, ``"sync"`` ``drive="stream"``.
        """
        __tracebackhide__ = True
        from chaos.trial import drive_of

        from chaos.arguments import name_list

        disable, enable = name_list(disable, "disable"), name_list(enable, "enable")
        self.runs_started += 1
        inst = self.instrument(graph)
        if any(inj.fault.level == "http" for inj in self.injections):
            _ = self.http  # transport-level faults need the HTTP router around the runs
        n = self.trials_done
        result = run_trial(
            inst,
            input,
            injections=list(self.injections),
            seed=self.seed,
            test_id=f"{self.test_id}#{n}" if n else self.test_id,
            target=graph_label(graph),
            trial_id=self.test_id if n == 0 else f"{self.test_id}#{n}",
            clock=self.clock,
            drive=drive_of(drive, invoke, where="Chaos.run") if drive is not None or invoke is not None else self.drive,
            config=config,
            context=context,
            baseline=baseline,
            disable=[*self.disable, *disable],
            enable=list(enable),
            nondeterministic=nondeterministic,
            run_number=n,
            repro=self.repro,
            around=list(self.around),
            repeat=list(repeat),
            steps=steps,
            source=graph,
        )
        return self._record(result, raise_on_violation)

    def drain(
        self,
        graph: UserGraph,
        input: Any,
        *,
        node: str | None = None,
        attempts: int | Iterable[int] | None = 1,
        step: int | None = None,
        saver: Any = None,
        serve: Any = None,
        resume: Any = None,
        drive: str | Drive | None = None,
        invoke: str | None = None,
        config: dict[str, Any] | None = None,
        nondeterministic: Sequence[str] = (),
        disable: Sequence[str] = (),
        raise_on_violation: bool = True,
    ) -> TrialResult:
        """A real SIGTERM while ``node`` runs (or after superstep ``step``); the run must drain and
        resume exactly once.

        See `chaos.shutdown.run_drain_trial` (``saver``: ``"memory"``, ``"sqlite"``,
        ``"postgres"``, ``"async-postgres"``; ``serve``/``resume``: the user's own service code).
        """
        from chaos.shutdown import run_drain_trial

        self.runs_started += 1
        result = run_drain_trial(
            graph, input, node=node, attempts=attempts, step=step, saver=saver, serve=serve, resume=resume,
            drive=drive, invoke=invoke, seed=self.seed, test_id=self._next_id(), config=config,
            nondeterministic=nondeterministic, disable=[*self.disable, *disable],
            repro=self.repro, raise_on_violation=False, around=list(self.around),
        )
        return self._record(result, raise_on_violation)

    def kill(
        self,
        target: str,
        input: Any,
        *,
        node: str | None = None,
        grace: float = 0.05,
        at: str = "end",
        steps: Sequence[Step] | None = None,
        drive: str | Drive | None = None,
        saver: str = "sqlite",
        durability: str | None = None,
        idempotent: Iterable[str] = (),
        resume: str | None = None,
        nondeterministic: Sequence[str] = (),
        disable: Sequence[str] = (),
        raise_on_violation: bool = True,
        prepare: Callable[[Any], tuple[Sequence[RunHook], dict[str, Any] | None, Any]] | None = None,
    ) -> TrialResult:
        """Kill the child process running ``node`` of ``target`` (``MODULE:ATTR``) and resume.

        See `chaos.shutdown.run_kill_trial`: SIGTERM, then SIGKILL after ``grace`` real seconds;
        a fresh process resumes from the checkpoint. ``steps``: a whole history with one
        `chaos.engine.Kill` step (its grace and ``at`` are the Kill's). Every run, in process and
        in each child, is sealed from the network; ``chaos.http``'s routes answer it everywhere
        (pickled to the children; ``prepare``: a module-level ``(inst) -> (hooks, config,
        context)`` each child builds its hooks with instead, for routes with callables).
        """
        from chaos.shutdown import kill, run_kill_trial

        self.runs_started += 1
        result = run_kill_trial(
            target, input, node=node, fault=kill(grace, at=at) if steps is None else None,  # type: ignore[arg-type]  # Kill validates `at`
            steps=steps, drive=drive, saver=saver,
            durability=durability, resume=resume, idempotent=idempotent, seed=self.seed,
            test_id=self._next_id(), nondeterministic=nondeterministic,
            disable=[*self.disable, *disable], repro=self.repro, raise_on_violation=False,
            around=list(self.around), prepare=prepare,
        )
        return self._record(result, raise_on_violation)

    def _next_id(self) -> str:
        n = self.trials_done
        return self.test_id if n == 0 else f"{self.test_id}#{n}"

    @property
    def fired_summaries(self) -> list[dict[str, Any]]:
        """What test-scope strictness needs of every result so far, merged into one summary
        (``faults``: the probabilistic faults declared; ``fired``: those that fired in a run)."""
        if not self._declared:
            return []
        return [{"faults": list(self._declared.values()), "fired": sorted(self._fired)}]

    def _record(self, result: TrialResult, raise_on_violation: bool) -> TrialResult:
        __tracebackhide__ = True
        self.trials_done += 1
        self.results.append(result)
        if self.keep_results is not None and len(self.results) > self.keep_results:
            del self.results[: len(self.results) - self.keep_results]
        # Only probabilistic faults matter to test-scope strictness, and only whether they fired
        # in any run: one merged summary, not one per result (memory stays flat over 10,000 runs).
        for inj in result.injections:
            if inj.probability < 1.0:
                self._declared.setdefault(inj.label, inj.to_json())
                if inj not in result.never_fired:
                    self._fired.add(inj.label)
        if self.on_result is not None:
            self.on_result(result)
        if raise_on_violation:
            result.raise_for_verdict()
        return result

    @property
    def last(self) -> TrialResult:
        """The result of the most recent `run`."""
        if not self.results:
            raise RuntimeError("chaos.last: no run yet; call chaos.run(graph, input) first")
        return self.results[-1]

    def close(self) -> None:
        from chaos.engine.baseline import is_shared

        for _, inst in self._instrumented.values():
            if not is_shared(inst):
                inst.close()
        self._instrumented.clear()


__all__ = ["Chaos", "ChaosViolation", "TrialInconclusive"]
