"""The sealed network: during a trial or an audit probe no request leaves the process.

Two layers, both entered around every run by `chaos.http.HttpChaos`:

**Clients** (the requests are answered, journaled and faulted like httpx ones): each installed
HTTP client is routed to the same `chaos.http.router.HttpRun` that serves httpx:

- ``httpx`` and ``httpx2``: respx's transport mockers (`chaos.http.transport`);
- ``requests``: the ``responses`` library, when installed (a maintained mock of requests'
  adapter with no pytest plugin of its own); without it, requests is still caught below it,
  at urllib3;
- ``urllib3``: its connection pool's ``urlopen`` (no maintained mocking library for urllib3
  exists without a pytest plugin entry point, so this one is a small patch of ours);
- ``urllib.request``: its HTTP handlers' ``do_open`` (same reason);
- ``aiohttp``: ``aioresponses``, when installed (no pytest plugin entry point either).

**Sockets** (the backstop, `sealed_sockets`): ``socket.connect`` refuses every TCP/UDP address,
loopback included, except the services the graph is configured with (its checkpointer, cache
and store: a real PostgreSQL or Redis), so a client nobody knows about cannot reach the network
either; ``socket.getaddrinfo`` refuses every host name but theirs (`sealed_resolver`: a
client nobody routes resolves its host before it connects, and a DNS query is a request that
left the process). Unix sockets stay open (event loops, the kill trials' forkserver).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import io
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from respx.mocks import Mocker

from chaos.errors import ChaosUsageError
from chaos.http.transport import ChaosHandler, Flavor

if TYPE_CHECKING:
    from chaos.context import RunContext
    from chaos.http.router import HttpRun

#: (host, port) pairs a sealed run may connect to.
Endpoint = tuple[str, int]


class SealedNetworkError(ChaosUsageError):
    """A connection a sealed run refused: no client-level route could answer it.

    A `ChaosUsageError` (a ValueError), not an OSError: SDKs and LangGraph's default
    ``retry_on`` do not retry it, so the run fails once, naming the address.
    """


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# -- which services a graph may reach ------------------------------------------------------------


def service_endpoints(*objects: Any) -> frozenset[Endpoint]:
    """The network addresses of the checkpointer, cache and store objects given.

    Read from the clients they hold (redis-py's connection pool, psycopg's connection info);
    objects that hold none contribute nothing.
    """
    found: set[Endpoint] = set()
    for obj in objects:
        if obj is not None:
            _collect(obj, found, depth=0, seen=set())
    return frozenset(found)


def _collect(obj: Any, found: set[Endpoint], *, depth: int, seen: set[int]) -> None:
    if depth > 3 or id(obj) in seen or isinstance(obj, (str, bytes, int, float)):
        return
    seen.add(id(obj))
    kwargs = getattr(getattr(obj, "connection_pool", None), "connection_kwargs", None)
    if isinstance(kwargs, dict) and "host" in kwargs:
        found.add((_norm(str(kwargs["host"])), int(kwargs.get("port", 6379))))
    info = getattr(obj, "info", None)
    host, port = getattr(info, "host", None), getattr(info, "port", None)
    if isinstance(host, str) and isinstance(port, int):
        found.add((_norm(host), port))
    for name in ("redis", "client", "conn", "_conn", "pool", "_pool", "connection", "store", "saver"):
        child = getattr(obj, name, None)
        if child is not None and not isinstance(child, type):
            _collect(child, found, depth=depth + 1, seen=seen)


def _norm(host: str) -> str:
    return "127.0.0.1" if host in ("localhost", "::1", "0.0.0.0") else host


# -- the socket backstop --------------------------------------------------------------------------

_socket_lock = threading.Lock()


@contextmanager
def sealed_sockets(allow: Iterable[Endpoint], on_refused: Callable[[Endpoint], None]) -> Iterator[None]:
    """Refuse every IP connection but those to ``allow`` for the block (any thread).

    ``on_refused`` is told each refused address first (the run journals it).
    """
    allowed = {(_norm(h), p) for h, p in allow}
    cls = socket.socket
    saved = cls.__dict__.get("connect"), cls.__dict__.get("connect_ex")
    real_connect, real_connect_ex = cls.connect, cls.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return
        where = (_norm(str(address[0])), int(address[1]))
        if where in allowed:
            return
        on_refused(where)
        # Closed here: the error is no OSError, so socket.create_connection would not close it.
        sock.close()
        raise SealedNetworkError(
            f"chaos: sealed network: a connection to {where[0]}:{where[1]} was refused. No request "
            "leaves the process during a chaos run (loopback included): the only sockets allowed are "
            "the graph's own checkpointer, cache and store. Answer HTTP from a route (--chaos-routes, "
            "chaos.http) instead."
        )

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    with _socket_lock:
        cls.connect = connect  # type: ignore[method-assign,assignment]  # patched for the block, restored on exit
        cls.connect_ex = connect_ex  # type: ignore[method-assign,assignment]  # patched for the block, restored on exit
    try:
        yield
    finally:
        with _socket_lock:
            for name, old in zip(("connect", "connect_ex"), saved, strict=True):
                if old is None:
                    delattr(cls, name)
                else:
                    setattr(cls, name, old)


#: Host names that name the loopback interface (allowed to resolve when a service is there).
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})

_resolver_lock = threading.Lock()


def _numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


@contextmanager
def sealed_resolver(allow: Iterable[Endpoint], on_refused: Callable[[str], None]) -> Iterator[None]:
    """Refuse every name lookup (``socket.getaddrinfo``) for the block but numeric addresses
    and the hosts of ``allow`` (loopback names when a service listens on loopback)."""
    hosts = {h for h, _ in allow}
    if any(h.startswith("127.") or h == "::1" for h in hosts):
        hosts |= _LOOPBACK_NAMES
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or not isinstance(name, str) or _numeric(name) or name.lower() in hosts:
            return real(host, *args, **kwargs)
        on_refused(name)
        raise SealedNetworkError(
            f"chaos: sealed network: a lookup of {name!r} was refused. No request leaves a trial, "
            "its child processes included (a DNS query is one): the only hosts allowed are the graph's "
            "own checkpointer, cache and store. Answer HTTP from a route (chaos.http) instead."
        )

    with _resolver_lock:
        socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        with _resolver_lock:
            socket.getaddrinfo = real



def journal_refused(ctx: RunContext, method: str, url: str) -> None:
    """Journal what the sealed network refused (``CONNECT tcp://...`` or ``RESOLVE dns://...``),
    with the attempt that asked for it."""
    from chaos.inject import current_attempt
    from chaos.journal import HttpRecord

    att = current_attempt()
    ctx.journal.http.append(HttpRecord(
        node=att.node if att else None, task=att.task if att else None, attempt=att.attempt if att else None,
        method=method, url=url, time=ctx.now(), delivered=False, error="SealedNetworkError",
    ))


# -- the other clients ---------------------------------------------------------------------------


def _errors(name: str, connect: Callable[[str], Exception], timeout: Callable[[str], Exception],
            protocol: Callable[[str], Exception]) -> ModuleType:
    """A namespace of one client's transport errors under httpcore's names (see `Flavor`)."""
    module = ModuleType(f"chaos.http.seal.{name}")
    setattr(module, "ConnectError", connect)
    setattr(module, "ReadTimeout", timeout)
    setattr(module, "RemoteProtocolError", protocol)
    return module


class _Forward(ChaosHandler):
    """Marks the handler of a non-httpx client (so user respx routers are still consulted)."""


def _answer_sync(run: HttpRun, flavor: Flavor, request: httpx.Request) -> httpx.Response:
    response = run.handle_sync(flavor, request, _Forward())
    response.read()  # a cut stream raises here, as the client would see while reading
    return response


async def _answer_async(run: HttpRun, flavor: Flavor, request: httpx.Request) -> httpx.Response:
    response = await run.handle_async(flavor, request, _Forward())
    await response.aread()
    return response


def _timeout_ext(timeout: Any) -> dict[str, Any]:
    """httpx's ``timeout`` extension from a client's timeout argument (read timeout only)."""
    read = None
    if isinstance(timeout, (int, float)):
        read = float(timeout)
    elif isinstance(timeout, tuple) and len(timeout) == 2 and isinstance(timeout[1], (int, float)):
        read = float(timeout[1])
    else:
        value = getattr(timeout, "read_timeout", None) or getattr(timeout, "_read", None)
        read = float(value) if isinstance(value, (int, float)) else None
    return {"timeout": {"read": read, "connect": read, "write": read, "pool": read}} if read is not None else {}


def _headers_without_encoding(response: httpx.Response) -> dict[str, str]:
    # The body handed back is already decoded: its Content-Encoding would make clients decode twice.
    return {k: v for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")}


@contextmanager
def _requests_seal(run: HttpRun) -> Iterator[None]:
    import requests
    import responses

    flavor = Flavor("requests", Mocker, _errors(
        "requests", requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout,
        requests.exceptions.ConnectionError,
    ))

    def callback(prepared: Any) -> tuple[int, dict[str, str], bytes]:
        kwargs = getattr(prepared, "req_kwargs", {}) or {}
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        request = httpx.Request(
            prepared.method or "GET", prepared.url or "", headers=dict(prepared.headers),
            content=body if isinstance(body, bytes) else b"", extensions=_timeout_ext(kwargs.get("timeout")),
        )
        response = _answer_sync(run, flavor, request)
        return response.status_code, _headers_without_encoding(response), response.content

    import re

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        mock.add_callback(method, re.compile(r".*"), callback=callback)
    mock.start()
    try:
        yield
    finally:
        mock.stop()
        mock.reset()


@contextmanager
def _urllib3_seal(run: HttpRun) -> Iterator[None]:
    import urllib3
    from urllib3 import connectionpool, exceptions

    class _Timeout(exceptions.TimeoutError):
        pass

    flavor = Flavor("urllib3", Mocker, _errors(
        "urllib3", exceptions.ProtocolError, _Timeout, exceptions.ProtocolError,
    ))
    pool_cls = connectionpool.HTTPConnectionPool
    original = pool_cls.urlopen

    def urlopen(self: Any, method: str, url: str, body: Any = None, headers: Any = None, **kw: Any) -> Any:
        full = url if "://" in url else f"{self.scheme}://{self.host}:{self.port}{url}"
        content = body.encode() if isinstance(body, str) else (body if isinstance(body, bytes) else b"")
        request = httpx.Request(method, full, headers=dict(headers or {}), content=content,
                                extensions=_timeout_ext(kw.get("timeout")))
        response = _answer_sync(run, flavor, request)
        return urllib3.HTTPResponse(
            body=io.BytesIO(response.content), headers=_headers_without_encoding(response),
            status=response.status_code, preload_content=kw.get("preload_content", True),
            decode_content=False, request_method=method, request_url=full,
            reason=response.reason_phrase,
        )

    pool_cls.urlopen = urlopen  # type: ignore[method-assign,assignment]  # patched for the block, restored on exit
    try:
        yield
    finally:
        pool_cls.urlopen = original  # type: ignore[method-assign]  # the saved original


@contextmanager
def _urllib_seal(run: HttpRun) -> Iterator[None]:
    import email.message
    import urllib.error
    import urllib.request
    import urllib.response

    def url_error(message: str) -> Exception:
        return urllib.error.URLError(message)

    def timeout_error(message: str) -> Exception:
        return TimeoutError(message)

    flavor = Flavor("urllib", Mocker, _errors("urllib", url_error, timeout_error, url_error))
    handler_cls = urllib.request.AbstractHTTPHandler
    original = handler_cls.do_open

    def do_open(self: Any, http_class: Any, req: Any, **kwargs: Any) -> Any:
        headers = {**dict(req.header_items())}
        data = req.data if isinstance(req.data, bytes) else b""
        request = httpx.Request(req.get_method(), req.full_url, headers=headers, content=data,
                                extensions=_timeout_ext(getattr(req, "timeout", None)))
        response = _answer_sync(run, flavor, request)
        msg = email.message.Message()
        for key, value in _headers_without_encoding(response).items():
            msg[key] = value
        out = urllib.response.addinfourl(io.BytesIO(response.content), msg, req.full_url, response.status_code)
        out.msg = response.reason_phrase  # type: ignore[attr-defined]  # urllib's HTTPResponse has it; stubs miss it
        return out

    handler_cls.do_open = do_open  # type: ignore[method-assign]  # patched for the block, restored on exit
    try:
        yield
    finally:
        handler_cls.do_open = original  # type: ignore[method-assign]  # the saved original


@contextmanager
def _aiohttp_seal(run: HttpRun) -> Iterator[None]:
    import re

    import aiohttp
    from aioresponses import CallbackResult, aioresponses

    def client_error(message: str) -> Exception:
        return aiohttp.ClientConnectionError(message)

    def timeout_error(message: str) -> Exception:
        return aiohttp.ServerTimeoutError(message)

    flavor = Flavor("aiohttp", Mocker, _errors("aiohttp", client_error, timeout_error, client_error))

    async def callback(url: Any, **kwargs: Any) -> Any:
        data = kwargs.get("data") or kwargs.get("json")
        content = data.encode() if isinstance(data, str) else (data if isinstance(data, bytes) else b"")
        if kwargs.get("json") is not None:
            import json

            content = json.dumps(kwargs["json"]).encode()
        request = httpx.Request(kwargs.get("method", "GET"), str(url), headers=dict(kwargs.get("headers") or {}),
                                content=content)
        response = await _answer_async(run, flavor, request)
        return CallbackResult(status=response.status_code, body=response.content,
                              headers=_headers_without_encoding(response))

    with aioresponses() as mocked:
        pattern = re.compile(r".*")
        for method in ("get", "post", "put", "patch", "delete", "head", "options"):
            getattr(mocked, method)(pattern, callback=callback, repeat=True)
        yield


def client_seals() -> list[Callable[[HttpRun], Any]]:
    """The seals of the installed non-httpx clients (see the module docstring)."""
    seals: list[Callable[[HttpRun], Any]] = []
    if installed("requests") and installed("responses"):
        seals.append(_requests_seal)
    if installed("urllib3"):
        seals.append(_urllib3_seal)
    seals.append(_urllib_seal)
    if installed("aiohttp") and installed("aioresponses"):
        seals.append(_aiohttp_seal)
    return seals


@contextmanager
def sealed_clients(run: HttpRun) -> Iterator[None]:
    """Route every installed non-httpx client to ``run`` for the block."""
    with ExitStack() as stack:
        for seal in client_seals():
            stack.enter_context(seal(run))
        yield


def host_port(url: str) -> Endpoint | None:
    """The (host, port) of an absolute URL."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    return _norm(parts.hostname), parts.port or (443 if parts.scheme == "https" else 80)


__all__ = [
    "Endpoint",
    "SealedNetworkError",
    "client_seals",
    "host_port",
    "installed",
    "journal_refused",
    "sealed_clients",
    "sealed_resolver",
    "sealed_sockets",
    "service_endpoints",
]
