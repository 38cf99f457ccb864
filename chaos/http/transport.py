"""Where requests are caught: respx's transport mockers for httpx and for httpx2.

respx intercepts httpx at httpcore's connection pools (``HTTPCoreMocker``): every request a
real ``httpx.Client``/``AsyncClient`` sends, from an SDK or from user code, reaches the routers
registered with the mocker instead of a socket. openai>=3 (and so ``langchain-openai``) sends
through **httpx2**, whose pools live in ``httpcore2``; respx does not know it, so
`Httpcore2Mocker` below is respx's own mocker pointed at httpcore2 (same request conversion,
httpcore2 responses). Both pass the chaos handler an ``httpx.Request``.

A `Flavor` names the transport library of one mocker, so faults raise *that library's*
transport errors (``httpcore.ConnectError`` or ``httpcore2.ConnectError``) and the client maps
them to its own (``httpx.ConnectError`` / ``httpx2.ConnectError``) exactly as it maps real ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import httpx
from respx.mocks import HTTPCoreMocker, Mocker


class Handler(Protocol):
    """What a respx mocker calls for each request (the shape of a respx router)."""

    def handler(self, request: httpx.Request) -> httpx.Response: ...

    async def async_handler(self, request: httpx.Request) -> httpx.Response: ...


_httpcore2: ModuleType | None
try:
    import httpcore2 as _httpcore2
except ImportError:  # pragma: no cover - httpx2 is optional
    _httpcore2 = None


if _httpcore2 is not None:

    class Httpcore2Mocker(HTTPCoreMocker):
        """respx's httpcore mocker, for httpcore2 (the transport under httpx2 clients)."""

        name = "chaos-httpcore2"
        targets = [
            "httpcore2._sync.connection.HTTPConnection",
            "httpcore2._sync.connection_pool.ConnectionPool",
            "httpcore2._sync.http_proxy.HTTPProxy",
            "httpcore2._async.connection.AsyncHTTPConnection",
            "httpcore2._async.connection_pool.AsyncConnectionPool",
            "httpcore2._async.http_proxy.AsyncHTTPProxy",
        ]

        @classmethod
        def from_sync_httpx_response(cls, httpx_response: httpx.Response, target: Any, **kwargs: Any) -> Any:
            assert _httpcore2 is not None  # this class exists only when it is installed
            return _httpcore2.Response(
                status=httpx_response.status_code,
                headers=httpx_response.headers.raw,
                content=httpx_response.stream,
                extensions=httpx_response.extensions,
            )

        @classmethod
        async def from_async_httpx_response(cls, httpx_response: httpx.Response, target: Any, **kwargs: Any) -> Any:
            return cls.from_sync_httpx_response(httpx_response, target, **kwargs)


@dataclass(frozen=True)
class Flavor:
    """One intercepted transport library: its respx mocker and its error classes."""

    name: str
    mocker: type[Mocker]
    core: ModuleType

    def error(self, name: str, message: str) -> Exception:
        """The transport library's own ``name`` error (``ConnectError``, ``ReadTimeout`` ...)."""
        error: Exception = getattr(self.core, name)(message)  # the library's error classes
        return error

    @contextmanager
    def install(self, handler: Handler) -> Iterator[None]:
        """Route every request of this library to ``handler`` for the duration of the block.

        The handler goes first among the mocker's routers, so a user's own ``respx.mock``
        (which the handler consults for the happy path) cannot answer around the faults.
        The patch is removed on exit, also on failure, unless other routers still use it.
        """
        mocker = self.mocker
        mocker.routers.insert(0, handler)  # type: ignore[arg-type]  # respx calls only the Handler methods of a router
        try:
            mocker.start()
            yield
        finally:
            if handler in mocker.routers:
                mocker.routers.remove(handler)
            mocker.stop()


def flavors() -> list[Flavor]:
    """The transport libraries to intercept: httpcore always, httpcore2 when installed."""
    out = [Flavor("httpx", HTTPCoreMocker, importlib.import_module("httpcore"))]
    if _httpcore2 is not None:
        out.append(Flavor("httpx2", Httpcore2Mocker, _httpcore2))
    return out


def user_routers(exclude: object) -> list[Any]:
    """respx routers the user has active (``respx.mock``, the ``respx_mock`` fixture), first
    registered first, without the chaos handlers."""
    seen: list[Any] = []
    for mocker in Mocker.registry.values():
        for router in mocker.routers:
            if router is not exclude and not isinstance(router, ChaosHandler) and router not in seen:
                seen.append(router)
    return seen


class ChaosHandler:
    """Base of the chaos handlers, so `user_routers` can tell them from the user's routers."""


__all__ = ["ChaosHandler", "Flavor", "Handler", "flavors", "user_routers"]
