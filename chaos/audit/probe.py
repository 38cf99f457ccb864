"""Probe runs: cheap, fault-free (or narrowly faulted) runs whose journals the checks read.

Every probe goes through `chaos.Chaos.run` on simulated time, with a fixed seed (findings must
not depend on ``--chaos-seed``), on its own thread id. HTTP requests are recorded by patching
``send`` of ``httpx`` and ``httpx2`` clients for the duration of the run, so requests made by SDKs
(openai>=3 and anthropic are on httpx2, with their own retry loops) are seen one by one,
attributed to the node attempt that sent them.

The probes run on the same sealed network as trials (`chaos.http.seal`): no request leaves the
process. Unless the caller brings its own `chaos.http.HttpChaos` among the hooks, the probes
get one with the built-in model fakes (`chaos.http.fakes`); the storm probe answers every
request with 503, whatever the client.
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
from chaos.http.router import read_timeout_of
from chaos.journal import HttpRecord, Journal
from chaos.trial import RunHook, TrialResult

Responder = Callable[[httpx.Request], httpx.Response]

#: The exception the error-handler probe makes a node raise.
HANDLER_PROBE_ERROR = RuntimeError("chaos audit: probe of the error handler")


def _httpx2_clients() -> tuple[Any, Any] | None:
    try:
        import httpx2
    except ImportError:  # pragma: no cover - httpx2 comes with openai>=3
        return None
    return httpx2.Client, httpx2.AsyncClient


def record_http(respond: Responder | None = None) -> RunHook:
    """A run hook that journals every httpx/httpx2 request; with ``respond``, httpx requests are
    answered by it (httpx2 ones by the sealed network's routes, see `Prober`)."""

    @contextmanager
    def hook(ctx: RunContext) -> Iterator[None]:
        sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send
        second = _httpx2_clients()
        saved2 = (second[0].send, second[1].send) if second else None

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
                    read_timeout=read_timeout_of(request),
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

        def recorded_sync(original: Any) -> Any:
            def send2(self: Any, request: Any, **kwargs: Any) -> Any:
                try:
                    response = original(self, request, **kwargs)
                except Exception as exc:
                    note(request, None, exc)
                    raise
                note(request, response.status_code, None)
                return response

            return send2

        def recorded_async(original: Any) -> Any:
            async def asend2(self: Any, request: Any, **kwargs: Any) -> Any:
                try:
                    response = await original(self, request, **kwargs)
                except Exception as exc:
                    note(request, None, exc)
                    raise
                note(request, response.status_code, None)
                return response

            return asend2

        httpx.Client.send = send  # type: ignore[method-assign]  # patched for the block, restored on exit
        httpx.AsyncClient.send = asend  # type: ignore[method-assign]  # patched for the block, restored on exit
        if second and saved2:
            second[0].send = recorded_sync(saved2[0])
            second[1].send = recorded_async(saved2[1])
        try:
            yield
        finally:
            httpx.Client.send = sync_send  # type: ignore[method-assign]  # the saved original
            httpx.AsyncClient.send = async_send  # type: ignore[method-assign]  # the saved original
            if second and saved2:
                second[0].send, second[1].send = saved2
            # A router of the caller's (chaos.http) may have journaled the same requests.
            if not ctx.journal.http:
                ctx.journal.http.extend(sink)

    return hook


def _is_http(hook: Any) -> bool:
    from chaos.http import HttpChaos

    return isinstance(hook, HttpChaos)


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

    def _network(self, respond: Responder | None) -> list[RunHook]:
        """The sealed network of a probe run: the caller's `HttpChaos` if it brought one, else
        one with the model fakes; the storm probe's answers every request with 503."""
        from chaos.http import HttpChaos
        from chaos.http.fakes import ModelFakes
        from chaos.http.seal import service_endpoints

        graph = self.harness.instrument(self.graph).graph
        allow = service_endpoints(graph.checkpointer, graph.cache, graph.store)
        if respond is not None:
            storm = HttpChaos(seal=True, allow=allow)
            storm.route().mock(side_effect=respond)
            return [storm]
        if any(isinstance(h, HttpChaos) for h in self.hooks):
            return []
        return [HttpChaos(seal=True, allow=allow, fakes=ModelFakes())]

    def run(self, *, respond: Responder | None = None) -> TrialResult:
        """One run with the harness's current injections, on the sealed network, HTTP recorded."""
        hooks = [h for h in self.hooks if respond is None or not _is_http(h)]
        self.harness.around[:] = [*hooks, *self._network(respond), record_http(respond)]
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


