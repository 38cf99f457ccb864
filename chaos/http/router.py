"""`HttpChaos`: the happy path, the per-request fault decisions, and the journal of requests.

Attached to a `Chaos` as ``chaos.http``, it is a run hook: around every run (baseline and
chaos) it routes every request of every ``httpx``/``httpx2`` client to itself (see
`chaos.http.transport`), and for each request

1. records an `HttpRecord` (node, task, attempt, method, URL, simulated time) in the journal;
2. decides, per request, whether an HTTP fault aimed at that node attempt hits it: a hash of
   (seed, test id, injection, node, task ordinal, attempt, request ordinal), like every
   decision of the harness, so the same seed gives the same faults;
3. answers from the happy path: the routes of ``chaos.http`` (respx routes), routers added with
   `HttpChaos.use`, then any respx router the test has active (``respx.mock``, the
   ``respx_mock`` fixture), then the built-in model fakes when enabled (`chaos.http.fakes`).
   A request no route matches fails with `UnmatchedRequest` naming it; a route marked
   pass-through fails the same way. No request leaves the machine.

The other installed HTTP clients (requests, urllib3, urllib, aiohttp) are routed to the same
run (`chaos.http.seal`); with ``seal=True`` every other socket is refused as well, loopback
included, but the graph's own services (``allow``).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import respx
from respx.models import AllMockedAssertionError, PassThrough

from chaos.context import RunContext
from chaos.decide import coin
from chaos.errors import ChaosUsageError
from chaos.faults import Injection
from chaos.http.exchange import Exchange, FaultBody, faulty_response, split_chunks
from chaos.http.redact import redact_url
from chaos.http.faults import (
    CutStream,
    HttpFault,
    LostResponse,
    RateLimit,
    SlowResponse,
    StalledStream,
    Status,
    TransportFailure,
    retry_after_header,
)
from chaos.http.seal import journal_refused, sealed_clients, sealed_resolver, sealed_sockets
from chaos.http.summary import summarize
from chaos.http.transport import ChaosHandler, Flavor, flavors, user_routers
from chaos.journal import HttpRecord

_TRANSPORT_ERRORS = {
    "connect": ("ConnectError", "chaos: [Errno 111] Connection refused"),
    "remote_protocol": ("RemoteProtocolError", "chaos: Server disconnected without sending a response."),
}


class UnmatchedRequest(ChaosUsageError):
    """A request during a chaos run that no happy-path route answers.

    A `ChaosUsageError` (so a `ValueError`): LangGraph's default ``retry_on`` does not retry
    it and SDKs do not mistake it for a network error.
    """


@dataclass(frozen=True)
class _Decision:
    injection: Injection | None = None
    window_left: float | None = None  # set when a rate-limit window answers this request

    @property
    def fault(self) -> HttpFault | None:
        return self.injection.fault if self.injection is not None else None  # type: ignore[return-value]  # the router keeps HTTP-level injections only


class HttpChaos:
    """HTTP faults at the transport for one `Chaos`: happy-path routes, decisions, journal.

    Build the happy path like a respx router::

        chaos.http.post("https://api.example.com/v1/items").respond(201, json={"id": 1})
        chaos.http.use(respx_mock)  # or reuse a respx router / the respx_mock fixture

    then aim faults from `chaos.http.faults` at nodes with ``chaos.inject``.

    Args:
        max_requests_per_call: a retry budget; a logical call (node task) that sends more
            requests than this in one run is an ``http_retry_budget`` violation. None: no limit.
    """

    def __init__(
        self,
        *,
        max_requests_per_call: int | None = None,
        fakes: respx.Router | None = None,
        seal: bool = False,
        allow: Iterable[tuple[str, int]] = (),
    ) -> None:
        #: The harness's own routes (strict: a request no route matches is an error).
        self.router = respx.Router(assert_all_called=False, assert_all_mocked=True)
        #: User routers consulted after `router`, in order.
        self.routers: list[respx.Router] = []
        #: The last source of answers (`chaos.http.fakes.ModelFakes`), after every user route.
        self.fakes = fakes
        #: Refuse every other socket too (see `chaos.http.seal.sealed_sockets`).
        self.seal = seal
        self.allow = frozenset(allow)
        if max_requests_per_call is not None and max_requests_per_call < 1:
            raise ChaosUsageError(
                f"max_requests_per_call={max_requests_per_call}: the budget is at least 1 request"
            )
        self.max_requests_per_call = max_requests_per_call

    # -- the happy path: respx's vocabulary -------------------------------------------------
    def route(self, *patterns: Any, name: str | None = None, **lookups: Any) -> respx.Route:
        """A respx route on the harness's router (``respx.Router.route``)."""
        return self.router.route(*patterns, name=name, **lookups)

    def request(self, method: str, url: Any = None, *, name: str | None = None, **lookups: Any) -> respx.Route:
        return self.router.request(method, url, name=name, **lookups)

    def get(self, url: Any = None, *, name: str | None = None, **lookups: Any) -> respx.Route:
        return self.router.get(url, name=name, **lookups)

    def post(self, url: Any = None, *, name: str | None = None, **lookups: Any) -> respx.Route:
        return self.router.post(url, name=name, **lookups)

    def put(self, url: Any = None, *, name: str | None = None, **lookups: Any) -> respx.Route:
        return self.router.put(url, name=name, **lookups)

    def patch(self, url: Any = None, *, name: str | None = None, **lookups: Any) -> respx.Route:
        return self.router.patch(url, name=name, **lookups)

    def delete(self, url: Any = None, *, name: str | None = None, **lookups: Any) -> respx.Route:
        return self.router.delete(url, name=name, **lookups)

    def use(self, router: respx.Router) -> respx.Router:
        """Answer the happy path from ``router`` too (after the harness's own routes)."""
        if not isinstance(router, respx.Router):
            raise ChaosUsageError(
                f"chaos.http.use({router!r}): expected a respx router, e.g. respx.Router() or "
                "the respx_mock fixture"
            )
        self.routers.append(router)
        return router

    # -- the run hook --------------------------------------------------------------------------
    def __call__(self, ctx: RunContext) -> Any:
        """The `RunHook`: intercept HTTP for the duration of one run recording into ``ctx``."""
        return self._session(ctx)

    @contextmanager
    def _session(self, ctx: RunContext) -> Iterator[HttpRun]:
        run = HttpRun(self, ctx)
        # route.calls then show the last run (the chaos run); the journal has both runs.
        self.router.reset()
        with ExitStack() as stack:
            for flavor in flavors():
                stack.enter_context(flavor.install(_Handler(flavor, run)))
            stack.enter_context(sealed_clients(run))
            if self.seal:
                stack.enter_context(sealed_sockets(self.allow, run.refused))
                # A client no route answers resolves its host before it connects: the DNS
                # query would leave the process even though the connect is refused.
                stack.enter_context(sealed_resolver(self.allow, run.refused_lookup))
            try:
                yield run
            finally:
                run.finish()


class _Handler(ChaosHandler):
    """What a respx mocker calls: one per transport flavor, sharing the run's state."""

    def __init__(self, flavor: Flavor, run: HttpRun) -> None:
        self.flavor = flavor
        self.run = run

    def handler(self, request: httpx.Request) -> httpx.Response:
        return self.run.handle_sync(self.flavor, request, self)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        return await self.run.handle_async(self.flavor, request, self)


class HttpRun:
    """The HTTP side of one run: request ordinals, rate-limit windows, the journal."""

    def __init__(self, owner: HttpChaos, ctx: RunContext) -> None:
        self.owner = owner
        self.ctx = ctx
        self.injections = [i for i in ctx.injections if i.fault.level == "http"]
        self._ordinals: Counter[tuple[str, int, Injection]] = Counter()
        self._windows: dict[Injection, float] = {}
        self._lock = threading.Lock()

    def refused(self, where: tuple[str, int]) -> None:
        """Journal a connection the sealed network refused (a client no seal answers)."""
        self._journal_refused("CONNECT", f"tcp://{where[0]}:{where[1]}")

    def refused_lookup(self, name: str) -> None:
        """Journal a host name lookup the sealed network refused."""
        self._journal_refused("RESOLVE", f"dns://{name}")

    def _journal_refused(self, method: str, url: str) -> None:
        with self._lock:
            journal_refused(self.ctx, method, url)

    # -- deciding ----------------------------------------------------------------------------
    def begin(self, flavor: Flavor, request: httpx.Request) -> tuple[Exchange, _Decision]:
        """Journal the request and decide which fault (if any) it gets."""
        from chaos.inject import current_attempt

        att = current_attempt()
        now = self.ctx.now()
        rec = HttpRecord(
            node=att.node if att else None,
            task=att.task if att else None,
            attempt=att.attempt if att else None,
            method=request.method,
            url=redact_url(str(request.url)),  # journals and reports get shared: no credentials
            time=now,
            delivered=False,
            idempotency_key=request.headers.get("Idempotency-Key"),
            read_timeout=read_timeout_of(request),
            client=flavor.name,
        )
        decision = _Decision()
        with self._lock:
            self.ctx.journal.http.append(rec)
            if att is not None:
                decision = self._decide(att.node, att.task, att.attempt, request, now)
            if decision.injection is not None and decision.window_left is None:
                self.ctx.mark_fired(decision.injection)  # under our lock: `times` stays exact
        inj = decision.injection
        if inj is not None:
            fault: HttpFault = inj.fault  # type: ignore[assignment]  # HTTP-level injections only (see __init__)
            if decision.window_left is not None:
                rec.fault = f"http 429 rate limit window ({decision.window_left:g}s left)"
            else:
                rec.fault = fault.describe()
            if att is not None and att.fault is None:
                att.fault, att.fault_kind = rec.fault, fault.kind
        return Exchange(flavor, request, rec), decision

    def _decide(self, node: str, task: str, attempt: int, request: httpx.Request, now: float) -> _Decision:
        chosen = _Decision()
        for inj in self.injections:
            fault: HttpFault = inj.fault  # type: ignore[assignment]  # HTTP-level injections only (see __init__)
            if not (inj.matches_site(node) and fault.matches(request)):
                continue
            if isinstance(fault, RateLimit) and chosen.injection is None:
                # An open window answers every request of the aimed nodes and URLs, whatever
                # the attempt: a real limiter does not care which retry it is.
                until = self._windows.get(inj)
                if until is not None and now < until:
                    chosen = _Decision(inj, window_left=round(until - now, 9))
            if not (inj.matches_attempt(attempt) and inj.matches_invocation(self.ctx.invocation)):
                continue
            key = (task, attempt, inj)
            self._ordinals[key] += 1  # counted for every injection, chosen or not
            if chosen.injection is not None:
                continue
            if not fault.hits_ordinal(self._ordinals[key]):
                continue
            if inj.times is not None and self.ctx.fired[inj] >= inj.times:
                continue
            ordinal = task.rsplit("#", 1)[-1]
            parts = (self.ctx.seed, self.ctx.test_id, inj.label, node, ordinal, attempt, self._ordinals[key])
            if coin(inj.probability, *parts):
                if isinstance(fault, RateLimit):
                    self._windows[inj] = now + fault.retry_after
                chosen = _Decision(inj)
        return chosen

    # -- answering ---------------------------------------------------------------------------
    def handle_sync(self, flavor: Flavor, request: httpx.Request, handler: object) -> httpx.Response:
        ex, decision = self.begin(flavor, request)
        try:
            early = self._early_answer(ex, decision)
            if early is not None:
                return early
            fault = decision.fault
            if isinstance(fault, TransportFailure):
                if fault.error == "read_timeout":
                    ex.wait_sync(math.inf)
                raise ex.error(*_TRANSPORT_ERRORS[fault.error])
            if isinstance(fault, SlowResponse):
                ex.wait_sync(fault.seconds)
            response = self._resolve_sync(ex, handler)
            if isinstance(fault, LostResponse):
                if fault.as_error == "read_timeout":
                    ex.wait_sync(math.inf)
                raise ex.error(*_TRANSPORT_ERRORS["remote_protocol"])
            if _rewrites_body(fault):
                return self._faulty(ex, fault, response, response.read())  # type: ignore[arg-type]  # _rewrites_body: a fault
            return response
        except BaseException as exc:
            _note_error(ex.record, exc)
            raise

    async def handle_async(self, flavor: Flavor, request: httpx.Request, handler: object) -> httpx.Response:
        ex, decision = self.begin(flavor, request)
        try:
            early = self._early_answer(ex, decision)
            if early is not None:
                return early
            fault = decision.fault
            if isinstance(fault, TransportFailure):
                if fault.error == "read_timeout":
                    await ex.wait_async(math.inf)
                raise ex.error(*_TRANSPORT_ERRORS[fault.error])
            if isinstance(fault, SlowResponse):
                await ex.wait_async(fault.seconds)
            response = await self._resolve_async(ex, handler)
            if isinstance(fault, LostResponse):
                if fault.as_error == "read_timeout":
                    await ex.wait_async(math.inf)
                raise ex.error(*_TRANSPORT_ERRORS["remote_protocol"])
            if _rewrites_body(fault):
                return self._faulty(ex, fault, response, await response.aread())  # type: ignore[arg-type]  # _rewrites_body: a fault
            return response
        except BaseException as exc:
            _note_error(ex.record, exc)
            raise

    def _early_answer(self, ex: Exchange, decision: _Decision) -> httpx.Response | None:
        """Error statuses answered without reaching the upstream (no waiting involved)."""
        fault = decision.fault
        if decision.window_left is not None:
            assert isinstance(fault, RateLimit)
            return self._error_status(ex, 429, retry_after_header(decision.window_left, fault.retry_after_as))
        if isinstance(fault, RateLimit):
            return self._error_status(ex, 429, retry_after_header(fault.retry_after, fault.retry_after_as))
        if isinstance(fault, Status):
            return self._error_status(ex, fault.status, fault.headers().get("Retry-After"))
        return None

    @staticmethod
    def _error_status(ex: Exchange, code: int, retry_after: str | None) -> httpx.Response:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        reason = httpx.codes.get_reason_phrase(code)
        # OpenAI-style error body: SDKs that parse error bodies get a well-formed one.
        body = {"error": {"message": f"chaos: injected {code} {reason}", "type": "chaos_injected", "code": code}}
        return ex.answered(httpx.Response(code, headers=headers, json=body))

    def _faulty(self, ex: Exchange, fault: HttpFault, response: httpx.Response, body: bytes) -> httpx.Response:
        chunks = split_chunks(body, response.headers.get("content-type", ""))
        if isinstance(fault, StalledStream):
            stream = FaultBody(ex, chunks, stall_after=fault.after_chunks)
        elif isinstance(fault, CutStream):
            stream = FaultBody(ex, chunks, cut_after=fault.after_chunks, clean_cut=fault.clean)
        else:
            assert isinstance(fault, SlowResponse)
            stream = FaultBody(ex, chunks, per_chunk=fault.per_chunk)
        return faulty_response(response, stream)

    # -- the happy path ------------------------------------------------------------------------
    def _sources(self, handler: object) -> list[Any]:
        fakes = [self.owner.fakes] if self.owner.fakes is not None else []
        return [self.owner.router, *self.owner.routers, *user_routers(exclude=handler), *fakes]

    def _resolve_sync(self, ex: Exchange, handler: object) -> httpx.Response:
        for router in self._sources(handler):
            try:
                resolved = router.resolve(ex.request)
            except AllMockedAssertionError:
                continue
            except PassThrough:
                raise self._unmatched(ex, handler, passthrough=True) from None
            except BaseException:
                ex.record.delivered = True  # a route matched; its side effect raised
                raise
            return self._delivered(ex, resolved.response)
        raise self._unmatched(ex, handler)

    async def _resolve_async(self, ex: Exchange, handler: object) -> httpx.Response:
        for router in self._sources(handler):
            try:
                resolved = await router.aresolve(ex.request)
            except AllMockedAssertionError:
                continue
            except PassThrough:
                raise self._unmatched(ex, handler, passthrough=True) from None
            except BaseException:
                ex.record.delivered = True
                raise
            return self._delivered(ex, resolved.response)
        raise self._unmatched(ex, handler)

    @staticmethod
    def _delivered(ex: Exchange, response: httpx.Response) -> httpx.Response:
        ex.record.delivered = True
        return ex.answered(response)

    def _unmatched(self, ex: Exchange, handler: object, *, passthrough: bool = False) -> UnmatchedRequest:
        rec = ex.record
        ex.record.error = "UnmatchedRequest"
        who = (
            f"sent by node {rec.node!r}, attempt {rec.attempt}" if rec.node else "sent outside any node"
        )
        routes = [r for router in self._sources(handler) for r in router.routes]
        known = "; ".join(repr(r.pattern) for r in routes[:5]) or "none"
        if len(routes) > 5:
            known += f"; ... ({len(routes)} routes)"
        why = (
            "its route is marked pass-through, and a chaos run never lets a request leave the machine"
            if passthrough
            else "no happy-path route matches it, and a chaos run never lets a request leave the machine"
        )
        url = str(ex.request.url).split("?", 1)[0]
        method = ex.request.method.lower()
        how = (
            f'chaos.http.{method}("{url}").respond(200, json={{...}})'
            if method in ("get", "post", "put", "patch", "delete")
            else f'chaos.http.request("{ex.request.method}", "{url}").respond(200)'
        )
        toml = f'[[routes]] method = "{ex.request.method}" url = "{url}" json = {{...}}'
        return UnmatchedRequest(
            f"chaos.http: {ex.request.method} {ex.request.url} ({who}): {why}. Add a route for "
            f"it, e.g. {how}, or pass your respx router with chaos.http.use(router); with no "
            f"test code, a table in the --chaos-routes file: {toml}. "
            f"Routes known: {known}."
        )

    # -- after the run ---------------------------------------------------------------------------
    def finish(self) -> None:
        """Note retry storms and blown retry budgets in the journal's events."""
        budget = self.owner.max_requests_per_call
        for call in summarize(self.ctx.journal):
            if call.multiplied:
                self.ctx.event("http_retry_storm", call.node, str(call))
            if budget is not None and call.total > budget:
                self.ctx.event(
                    "http_retry_budget",
                    call.node,
                    f"{call.task} sent {call.total} requests, over the budget of {budget} per "
                    f"logical call: {call}",
                )


def _rewrites_body(fault: HttpFault | None) -> bool:
    if isinstance(fault, (StalledStream, CutStream)):
        return True
    return isinstance(fault, SlowResponse) and fault.per_chunk > 0


def _note_error(rec: HttpRecord, exc: BaseException) -> None:
    if rec.error is None:
        rec.error = "Cancelled" if type(exc).__name__ == "CancelledError" else type(exc).__name__


__all__ = ["HttpChaos", "HttpRun", "UnmatchedRequest"]


def read_timeout_of(request: httpx.Request) -> float | None:
    """The client's read timeout for ``request`` (httpx's ``timeout`` extension; the seal sets
    it for requests, urllib3 and aiohttp from their own timeout arguments)."""
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read") if isinstance(timeout, dict) else None
    return None if value is None else float(value)
