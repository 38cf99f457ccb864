"""Probe runs: cheap, fault-free (or narrowly faulted) runs whose journals the checks read.

Every probe goes through `chaos.Chaos.run` on simulated time, with a fixed seed (findings must
not depend on ``--chaos-seed``), on its own thread id. HTTP requests are recorded by patching
``httpx.Client.send`` / ``httpx.AsyncClient.send`` for the duration of the run, so requests made
by SDKs built on httpx (with their own retry loops) are seen one by one, attributed to the node
attempt that sent them. Nothing here reaches the network on its own: a graph that calls real
endpoints should be audited with its HTTP faked (respx, ``httpx.MockTransport``), as in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx

from chaos import faults
from chaos.audit.context import AuditContext, accepts, prefix_of
from chaos.context import RunContext
from chaos.harness import Chaos
from chaos.http.redact import redact_url
from chaos.inject import current_attempt
from chaos.journal import HttpRecord, Journal
from chaos.trial import RunHook, TrialResult

Responder = Callable[[httpx.Request], httpx.Response]

#: The exception the error-handler probe makes a node raise.
HANDLER_PROBE_ERROR = RuntimeError("chaos audit: probe of the error handler")


def record_http(respond: Responder | None = None) -> RunHook:
    """A run hook that journals every httpx request; with ``respond``, answers them itself."""

    @contextmanager
    def hook(ctx: RunContext) -> Iterator[None]:
        sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send

        sink: list[HttpRecord] = []

        def note(request: httpx.Request, status: int | None, error: BaseException | None) -> None:
            rec = current_attempt()
            sink.append(
                HttpRecord(
                    node=rec.node if rec else None,
                    task=rec.task if rec else None,
                    attempt=rec.attempt if rec else None,
                    method=request.method,
                    url=redact_url(str(request.url)),
                    time=ctx.now(),
                    status=status,
                    error=type(error).__name__ if error is not None else None,
                    fault="audit: 503" if respond is not None else None,
                )
            )

        def send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
            if respond is not None:
                response = respond(request)
            else:
                try:
                    response = sync_send(self, request, **kwargs)
                except Exception as exc:
                    note(request, None, exc)
                    raise
            note(request, response.status_code, None)
            return response

        async def asend(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
            if respond is not None:
                response = respond(request)
            else:
                try:
                    response = await async_send(self, request, **kwargs)
                except Exception as exc:
                    note(request, None, exc)
                    raise
            note(request, response.status_code, None)
            return response

        httpx.Client.send = send  # type: ignore[method-assign]
        httpx.AsyncClient.send = asend  # type: ignore[method-assign]
        try:
            yield
        finally:
            httpx.Client.send = sync_send  # type: ignore[method-assign]
            httpx.AsyncClient.send = async_send  # type: ignore[method-assign]
            # A router of the caller's (chaos.http) may have journaled the same requests.
            if not ctx.journal.http:
                ctx.journal.http.extend(sink)

    return hook


def unavailable(request: httpx.Request) -> httpx.Response:
    """Every request fails with 503, which SDKs and ``default_retry_on`` both retry."""
    return httpx.Response(503, request=request, text="chaos audit: service unavailable")


class Prober:
    """Runs the probes of one audit on one `Chaos` harness (one instrumented copy)."""

    def __init__(
        self,
        harness: Chaos,
        graph: Any,
        input: Any,
        *,
        config: dict[str, Any] | None = None,
        context: Any = None,
        around: Sequence[RunHook] = (),
    ) -> None:
        self.harness = harness
        self.hooks = list(around)
        self.graph = graph
        self.input = input
        self.config = config
        self.context = context

    def run(self, *, respond: Responder | None = None) -> TrialResult:
        """One run with the harness's current injections, HTTP recorded."""
        self.harness.around[:] = [*self.hooks, record_http(respond)]
        try:
            result = self.harness.run(
                self.graph,
                self.input,
                config=self.config,
                context=self.context,
                baseline=False,
                raise_on_violation=False,
            )
        finally:
            self.harness.around.clear()
            self.harness.clear()
        return result

    def probe(self, ctx: AuditContext, *, given: Journal | None = None) -> None:
        """Fill ``ctx.probes``: the base run, then the probes the base run makes relevant."""
        probes = ctx.probes
        probes.base = given if given is not None else self.run().journal
        if probes.base.outcome != "ok":
            probes.incomplete.append(("base", _ended(probes.base)))
        if probes.base.http:
            probes.storm = self.run(respond=unavailable).journal
        self._probe_heartbeats(ctx)
        self._probe_handlers(ctx)

    def _probe_heartbeats(self, ctx: AuditContext) -> None:
        """Which heartbeat-refreshed nodes never heartbeat: a stall(after_heartbeats=0) fault
        fires at a node's first heartbeat, so one that never fires saw none."""
        for info in ctx.user_nodes():
            tp = info.timeout
            if not (info.is_async and tp is not None and tp.idle_timeout and tp.refresh_on == "heartbeat"):
                continue
            if not ctx.probes.ran(info.site) or accepts(info, "runtime") is False:
                continue  # never ran: nothing to learn; no runtime: the static check says it
            self.harness.inject(faults.stall(after_heartbeats=0), node=_exact(info.site), times=1)
            result = self.run()
            if result.attempts(info.site) and result.never_fired:
                ctx.probes.silent.add(info.site)

    def _probe_handlers(self, ctx: AuditContext) -> None:
        """Make each handled node always raise, and record what its handler then did."""
        for info in ctx.user_nodes():
            handler = info.error_handler
            if handler is None or not ctx.probes.ran(info.site):
                continue
            self.harness.inject(faults.exception(HANDLER_PROBE_ERROR), node=_exact(info.site))
            ctx.probes.handler_runs[info.site] = self.run().journal


def handler_site(ctx: AuditContext, site: str) -> str | None:
    """The site of the handler node that handles ``site`` (None without a handler)."""
    info = ctx.inst.nodes.get(site)
    if info is None or info.error_handler is None:
        return None
    return prefix_of(site) + info.error_handler


def _exact(site: str) -> str:
    """A node pattern matching exactly ``site`` (glob characters escaped)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in site)


def _ended(journal: Journal) -> str:
    return f"ended with {journal.outcome}" + (f" ({journal.error}: {journal.error_message})" if journal.error else "")


