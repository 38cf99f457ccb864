"""The attempt in flight: its journal record, its fault, and the faults acting around the body.

`Attempt` is shared by the sync and the async paths of the task boundary (`chaos.inject.boundary`); the running
one is kept in a context variable so HTTP fault routing can tell which node and attempt sent a
request (`current_attempt`).
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph._internal._config import patch_configurable
from langgraph._internal._constants import CONF, CONFIG_KEY_NODE_ERROR, CONFIG_KEY_RUNTIME
from langgraph.errors import GraphBubbleUp, GraphInterrupt

from chaos.context import RunContext
from chaos.errors import ChaosAbort
from chaos.faults import Hang, HttpStatus, Injection, LostResult, RaiseError, Slow, Stall, TransportError
from chaos.inject.nodes import NodeInfo, seconds
from chaos.journal import AttemptRecord, Outcome
from chaos.simtime.serial import set_job_labeler

#: The node attempt whose body is running in this context (None outside instrumented nodes).
#: HTTP fault routing reads it to tell which node and attempt sent a request.
_CURRENT_ATTEMPT: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar(
    "chaos_current_attempt", default=None
)


def current_attempt() -> AttemptRecord | None:
    """The journal record of the node attempt running in this context, if any."""
    att = _CURRENT_ATTEMPT.get()
    return att.rec if att is not None else None


def _label_job() -> str | None:
    rec = current_attempt()
    return f"sync node {rec.node!r} (attempt {rec.attempt})" if rec is not None else None


# Simulated time names the thread's work after the node attempt running on it.
set_job_labeler(_label_job)



def _attempt_info(config: RunnableConfig) -> tuple[str | None, int, int | None, Any]:
    conf = config.get(CONF, {})
    runtime = conf.get(CONFIG_KEY_RUNTIME)
    exec_info = getattr(runtime, "execution_info", None)
    task_id = getattr(exec_info, "task_id", None)
    attempt = getattr(exec_info, "node_attempt", 1) or 1
    step = (config.get("metadata") or {}).get("langgraph_step")
    return task_id, attempt, step, runtime


def _context_configurable() -> dict[str, Any] | None:
    """The configurable of the config in context (what ``get_config()`` returns in the body)."""
    from langchain_core.runnables.config import var_child_runnable_config

    config = var_child_runnable_config.get()
    conf = config.get(CONF) if config is not None else None
    return conf if isinstance(conf, dict) else None


class Attempt:
    """One attempt in flight: its record, its fault, and stall bookkeeping.

    ``config`` is the attempt's config as the retry loop made it; `config` (the attribute) is
    the one the body runs with (its runtime's heartbeat interposed on, see `patch_runtime`).
    """

    def __init__(self, ctx: RunContext, info: NodeInfo, config: RunnableConfig) -> None:
        task_id, attempt, step, runtime = _attempt_info(config)
        #: Undoes what the attempt changed in configs that outlive it (`arm_after_interrupt`).
        self.restore: Callable[[], None] | None = None
        self.ctx = ctx
        self.info = info
        self.config = config
        self.runtime = runtime
        self.rec: AttemptRecord = ctx.begin(info.site, task_id, attempt, step)
        self.injection: Injection | None = ctx.choose(self.rec)
        self.fault = self.injection.fault if self.injection else None
        self.last_progress = self.rec.start
        self.heartbeats = 0
        self.stalled = False

    def fire(self) -> None:
        assert self.injection is not None
        self.ctx.mark_fired(self.injection)

    def immediate_error(self) -> BaseException | None:
        """The exception for faults that replace the node body, if this attempt has one."""
        f = self.fault
        if isinstance(f, RaiseError):
            self.fire()
            return f.make()
        if isinstance(f, (HttpStatus, TransportError)):
            self.fire()
            return f.make()
        return None

    def before_body(self, input: Any, *, can_wait_forever: bool, why: str) -> float:
        """Apply the faults that act before the body runs.

        Raises what replaces the body (exceptions, HTTP errors, a hang nothing can end);
        returns the latency to wait first: 0, the seconds of a slow call, or ``math.inf`` for a
        hang that a timeout will end. Also keeps the node's input and its NodeError (error
        handlers) on the record for the checkers, and interposes on heartbeats for stalls.
        """
        self.note_input(input)
        if self.injection is not None and self.injection.after_interrupt is not None:
            self.arm_after_interrupt(self.injection.after_interrupt)
            return 0.0
        if (err := self.immediate_error()) is not None:
            raise err
        delay = 0.0
        if isinstance(self.fault, Hang):
            self.fire()
            if not can_wait_forever:
                raise self.hang_abort(why)
            delay = math.inf
        elif isinstance(self.fault, Slow):
            self.fire()
            delay = self.fault.seconds
        self.patch_runtime()
        return delay

    def note_input(self, input: Any) -> None:
        """Keep the node's input and its NodeError (error handlers) on the record for the checkers."""
        self.rec.input, self.rec.node_error = input, self.config.get(CONF, {}).get(CONFIG_KEY_NODE_ERROR)

    def arm_after_interrupt(self, k: int) -> None:
        """Raise the fault as the k-th ``interrupt()`` of this attempt returns its answer.

        ``interrupt()`` hands a returned answer to the task's writes (a ``__resume__`` write
        through ``CONFIG_KEY_SEND``) just before it returns: the send is wrapped for the
        attempt, and the k-th such write raises once it is recorded. Until then the attempt
        carries no fault (an attempt that stops at its interrupt got none).
        """
        from langgraph._internal._constants import CONFIG_KEY_SEND, RESUME

        fault, rec = self.fault, self.rec
        self.fault = None
        rec.fault = rec.fault_kind = None
        # interrupt() reads the send from the config in context (get_config()), which LangGraph
        # set for the task; the body's own config may be a copy of it: both get the wrapper.
        confs = [c for c in (_context_configurable(), self.config.get(CONF)) if c is not None]
        original = next((c.get(CONFIG_KEY_SEND) for c in confs if c.get(CONFIG_KEY_SEND) is not None), None)
        if original is None or fault is None:
            return

        returned = [0]

        def send(writes: Any) -> Any:
            out = original(writes)
            # One __resume__ write per interrupt() that returns (its payload differs by release).
            returned[0] += sum(1 for c, _v in writes if c == RESUME)
            if returned[0] >= k and rec.fault is None:
                rec.fault, rec.fault_kind = f"{fault.describe()} after interrupt {k}", fault.kind
                self.fault = fault
                self.fire()
                raise fault.make()  # type: ignore[attr-defined]  # an exception fault (checked in Injection): every one has make()
            return out

        wrapped = [c for c in {id(c): c for c in confs}.values() if c.get(CONFIG_KEY_SEND) is original]
        for conf in wrapped:
            conf[CONFIG_KEY_SEND] = send

        def restore() -> None:
            # LangGraph retries an attempt with the same task config: the next attempt must
            # start from the task's own send.
            for conf in wrapped:
                if conf.get(CONFIG_KEY_SEND) is send:
                    conf[CONFIG_KEY_SEND] = original

        self.restore = restore

    def after_body(self) -> bool:
        """Apply the faults that act after the body returned; True when the node must stall."""
        if self.stalled:
            return True
        if isinstance(self.fault, LostResult):
            self.fire()
            raise self.fault.make()
        return False

    def hang_abort(self, why: str) -> ChaosAbort:
        name = self.info.site.rsplit("/", 1)[-1]
        from chaos.inject.nodes import TaskSpec

        if name.startswith(("__error_handler__", "__default_error_handler__")):
            # A handler is a node of its own: its node's timeout= does not reach it.
            fix = ("An error handler does not inherit its node's timeout=; "
                   "set_node_defaults(timeout=TimeoutPolicy(run_timeout=30)) gives it one (which "
                   "langgraph does not apply yet, langchain-ai/langgraph#8842): bound the handler's "
                   "own waits with asyncio.timeout(...).")
        elif isinstance(self.info.spec, TaskSpec):
            fix = ("Give the node a TimeoutPolicy (async nodes only), e.g. "
                   f"@task(timeout=TimeoutPolicy(run_timeout=30)) on {name!r} (async tasks only).")
        else:
            fix = ("Give the node a TimeoutPolicy (async nodes only), e.g. "
                   f"add_node({name!r}, fn, timeout=TimeoutPolicy(run_timeout=30)).")
        return ChaosAbort(
            self.info.site,
            f"node {self.info.site!r} hangs ({self.rec.fault}) and {why}: in production this "
            f"run would never finish. {fix}",
        )

    def patch_runtime(self) -> None:
        """Under a stall fault, interpose on runtime.heartbeat() to count and then swallow beats."""
        if not isinstance(self.fault, Stall) or self.runtime is None:
            return
        original = self._live_runtime().heartbeat
        limit = self.fault.after_heartbeats

        def heartbeat() -> None:
            self.heartbeats += 1
            if self.heartbeats <= limit:
                self.last_progress = self.ctx.now()
                original()
            elif not self.stalled:
                self.stalled = True
                self.fire()

        self._set_heartbeat(heartbeat)

    def note_heartbeat_passthrough(self) -> None:
        """Track heartbeats (without faults) so a timeout can be told idle from run."""
        if isinstance(self.fault, Stall) or self.runtime is None:
            return
        original = self._live_runtime().heartbeat

        def heartbeat() -> None:
            self.last_progress = self.ctx.now()
            original()

        self._set_heartbeat(heartbeat)

    def _live_runtime(self) -> Any:
        return self.config.get(CONF, {}).get(CONFIG_KEY_RUNTIME)

    def _set_heartbeat(self, heartbeat: Any) -> None:
        # The body reads its runtime from the config (injected ``runtime``, ``get_runtime()``).
        runtime = self._live_runtime().override(heartbeat=heartbeat)
        self.config = patch_configurable(self.config, {CONFIG_KEY_RUNTIME: runtime})

    def finish(self, outcome: Outcome, error: BaseException | None = None) -> None:
        if self.restore is not None:
            self.restore()
            self.restore = None
        rec = self.rec
        rec.end = self.ctx.now()
        rec.outcome = outcome
        if error is not None:
            rec.exc = error
            rec.error = type(error).__name__
            rec.error_message = str(error)[:500]

    def finish_cancelled(self) -> None:
        """A cancelled attempt: tell a timeout watchdog's cancel from a sibling's failure.

        LangGraph builds the NodeTimeoutError *before* it cancels the node's task, so while
        `observe_timeouts` is active the watchdog's verdict is already recorded when the
        cancellation reaches the wrapper: claim it. Without the observer (a run outside
        `run_once`), infer the kind from the elapsed time and the policy.
        """
        node_name = self.info.site.rsplit("/", 1)[-1]
        exc = self.ctx.claim_timeout(node_name)
        if exc is not None:
            self.finish("timeout", exc)
            self.rec.timeout_kind = exc.kind
            return
        if self.ctx.timeouts is not None:
            self.finish("cancelled")
            return
        now = self.ctx.now()
        tp = self.info.timeout
        kind = None
        if tp is not None:
            eps = 1e-6
            # TimeoutPolicy coerces its timedeltas to seconds (floats) on construction.
            run_s = None if tp.run_timeout is None else seconds(tp.run_timeout)
            idle_s = None if tp.idle_timeout is None else seconds(tp.idle_timeout)
            if run_s is not None and now - self.rec.start >= run_s - eps:
                kind = "run"
            elif idle_s is not None and now - self.last_progress >= idle_s - eps:
                kind = "idle"
        self.finish("timeout" if kind else "cancelled")
        self.rec.timeout_kind = kind
        if kind:
            self.rec.error = "NodeTimeoutError"

    def finish_exception(self, exc: BaseException) -> None:
        if isinstance(exc, ChaosAbort):
            self.finish("aborted", exc)
        elif isinstance(exc, GraphInterrupt):
            self.finish("interrupted", exc)
        elif isinstance(exc, GraphBubbleUp):
            self.finish("ok")  # ParentCommand and friends: control flow, not failure
        else:
            self.finish("error", exc)


SYNC_CANNOT_TIME_OUT = "it is a sync node, which LangGraph cannot time out"
NO_TIMEOUT_REACHES = "no TimeoutPolicy reaches it"

