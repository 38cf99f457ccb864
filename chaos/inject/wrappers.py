"""The wrappers around a node's callable: one attempt each, sync or async.

They keep LangGraph's `RunnableCallable` shape (a sync node's async path stays the
executor-backed ``partial`` LangGraph recognises), so everything LangGraph derives from the
node (injected parameters, policies, error handlers) stays as it was.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import math
import time
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import Runnable
from langchain_core.runnables.config import run_in_executor
from langgraph._internal._runnable import RunnableCallable
from langgraph.config import get_config

from chaos.context import ActiveRun
from chaos.inject.attempt import _CURRENT_ATTEMPT, NO_TIMEOUT_REACHES, SYNC_CANNOT_TIME_OUT, Attempt
from chaos.inject.nodes import NodeInfo


def wrap_runnable(runnable: Runnable[Any, Any], info: NodeInfo, active: ActiveRun) -> Runnable[Any, Any]:
    if isinstance(runnable, RunnableCallable):
        new = copy.copy(runnable)
        sync = runnable.func
        if sync is not None:
            new.func = _sync_wrapper(sync, info, active)
        afunc = runnable.afunc
        if afunc is not None:
            if isinstance(afunc, functools.partial) and afunc.func is run_in_executor and new.func:
                # Keep the executor-backed shape: LangGraph reads it to know the node is sync.
                new.afunc = functools.wraps(new.func)(functools.partial(run_in_executor, None, new.func))
            else:
                new.afunc = _async_wrapper(afunc, info, active)
        return new

    # Any other Runnable (a chain, a RunnableLambda over a generator): call through it.
    def call_sync(input: Any, config: Any) -> Any:
        return runnable.invoke(input, config)

    async def call_async(input: Any, config: Any) -> Any:
        return await runnable.ainvoke(input, config)

    return RunnableCallable(
        _sync_wrapper(call_sync, info, active),
        _async_wrapper(call_async, info, active),
        name=runnable.get_name(),
        trace=False,
    )



def _sync_wrapper(func: Callable[..., Any], info: NodeInfo, active: ActiveRun) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        ctx = active.context
        if ctx is None:
            return func(*args, **kwargs)
        att = Attempt(ctx, info, get_config())
        token = _CURRENT_ATTEMPT.set(att)
        try:
            # A sync body cannot be cancelled: a hang or a stall ends the trial at once.
            delay = att.before_body(args, kwargs, can_wait_forever=False, why=SYNC_CANNOT_TIME_OUT)
            if delay:
                time.sleep(delay)  # simulated: advances the trial clock
            result = func(*args, **kwargs)
            if att.after_body():
                raise att.hang_abort(SYNC_CANNOT_TIME_OUT)
        except BaseException as exc:
            att.finish_exception(exc)
            raise
        finally:
            _CURRENT_ATTEMPT.reset(token)
        att.finish("ok")
        return result

    return wrapped


def _async_wrapper(afunc: Callable[..., Any], info: NodeInfo, active: ActiveRun) -> Callable[..., Any]:
    @functools.wraps(afunc)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        ctx = active.context
        if ctx is None:
            return await afunc(*args, **kwargs)
        att = Attempt(ctx, info, get_config())
        token = _CURRENT_ATTEMPT.set(att)
        try:
            delay = att.before_body(args, kwargs, can_wait_forever=info.can_time_out, why=NO_TIMEOUT_REACHES)
            if delay == math.inf:
                await _forever()  # only a timeout watchdog's cancellation ends it
            elif delay:
                await asyncio.sleep(delay)
            att.note_heartbeat_passthrough(kwargs)
            result = await afunc(*args, **kwargs)
            if att.after_body():
                if not info.can_time_out:
                    raise att.hang_abort(NO_TIMEOUT_REACHES)
                await _forever()
        except asyncio.CancelledError as exc:
            if _cancel_requested():
                att.finish_cancelled()
            else:  # the body raised it itself: a node failure (see chaos.invariants.cancellation)
                att.finish("error", exc)
            raise
        except BaseException as exc:
            att.finish_exception(exc)
            raise
        finally:
            _CURRENT_ATTEMPT.reset(token)
        att.finish("ok")
        if _cancel_requested():
            ctx.event("swallowed_cancel", info.site, f"{att.rec.task} attempt {att.rec.attempt}")
        return result

    return wrapped


def _cancel_requested() -> bool:
    """True when someone cancelled the running task (a watchdog, a failed sibling, the caller).

    A body that raises ``CancelledError`` with no cancellation requested raised it itself; a
    body that returns while one is still requested swallowed it.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0



async def _forever() -> None:
    """Wait for something that never happens (only cancellation ends it)."""
    await asyncio.get_running_loop().create_future()

