"""Real exceptions of every client library the SDK classifier knows, built as they raise them."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import anthropic
import httpx
import httpx2
import openai
import requests
from langgraph.errors import NodeTimeoutError
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

URL_ = "https://api.example.com/v1/chat/completions"


def httpx_status(status: int, retry_after: str | None = None) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", URL_)
    headers = {"Retry-After": retry_after} if retry_after else {}
    response = httpx.Response(status, headers=headers, request=request)
    return httpx.HTTPStatusError(f"{status}", request=request, response=response)


def httpx2_status(status: int, retry_after: str | None = None) -> httpx2.HTTPStatusError:
    request = httpx2.Request("POST", URL_)
    headers = {"Retry-After": retry_after} if retry_after else {}
    response = httpx2.Response(status, headers=headers, request=request)
    return httpx2.HTTPStatusError(f"{status}", request=request, response=response)


def sdk_status(mod: object, cls: str, status: int, retry_after: str | None = None) -> Exception:
    request = httpx2.Request("POST", URL_)
    headers = {"Retry-After": retry_after} if retry_after else {}
    response = httpx2.Response(status, headers=headers, request=request)
    return getattr(mod, cls)(f"{status}", response=response, body=None)  # type: ignore[no-any-return]


def requests_status(status: int, retry_after: str | None = None) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = retry_after
    response.url = URL_
    return requests.HTTPError(f"{status}", response=response)


def aiohttp_status(status: int, retry_after: str | None = None) -> aiohttp.ClientResponseError:
    info = aiohttp.RequestInfo(URL(URL_), "POST", CIMultiDictProxy(CIMultiDict()), URL(URL_))
    headers = CIMultiDict({"Retry-After": retry_after} if retry_after else {})
    return aiohttp.ClientResponseError(info, (), status=status, message="x", headers=CIMultiDictProxy(headers))


def openai_connection() -> openai.APIConnectionError:
    return openai.APIConnectionError(request=httpx2.Request("POST", URL_))


def openai_timeout() -> openai.APITimeoutError:
    return openai.APITimeoutError(request=httpx2.Request("POST", URL_))


def anthropic_connection() -> anthropic.APIConnectionError:
    return anthropic.APIConnectionError(request=httpx2.Request("POST", URL_))


#: name -> (factory, library, family, status, transient)
CASES: dict[str, tuple[Callable[[], BaseException], str, str, int | None, bool]] = {
    "httpx 429": (lambda: httpx_status(429, "2"), "httpx", "status", 429, True),
    "httpx 503": (lambda: httpx_status(503), "httpx", "status", 503, True),
    "httpx 404": (lambda: httpx_status(404), "httpx", "status", 404, False),
    "httpx ConnectError": (lambda: httpx.ConnectError("refused"), "httpx", "connect", None, True),
    "httpx ReadTimeout": (lambda: httpx.ReadTimeout("slow"), "httpx", "timeout", None, True),
    "httpx RemoteProtocolError": (lambda: httpx.RemoteProtocolError("eof"), "httpx", "transport", None, True),
    "httpx UnsupportedProtocol": (lambda: httpx.UnsupportedProtocol("ftp"), "httpx", "other", None, False),
    "httpx2 429": (lambda: httpx2_status(429, "2"), "httpx2", "status", 429, True),
    "httpx2 ConnectError": (lambda: httpx2.ConnectError("refused"), "httpx2", "connect", None, True),
    "requests 429": (lambda: requests_status(429, "2"), "requests", "status", 429, True),
    "requests 400": (lambda: requests_status(400), "requests", "status", 400, False),
    "requests ConnectionError": (lambda: requests.ConnectionError("refused"), "requests", "connect", None, True),
    "requests ReadTimeout": (lambda: requests.ReadTimeout("slow"), "requests", "timeout", None, True),
    "aiohttp 503": (lambda: aiohttp_status(503, "3"), "aiohttp", "status", 503, True),
    "aiohttp ServerTimeoutError": (lambda: aiohttp.ServerTimeoutError("slow"), "aiohttp", "timeout", None, True),
    "aiohttp ServerDisconnectedError": (lambda: aiohttp.ServerDisconnectedError(), "aiohttp", "transport", None, True),
    "openai RateLimitError": (lambda: sdk_status(openai, "RateLimitError", 429, "2"), "openai", "status", 429, True),
    "openai InternalServerError": (lambda: sdk_status(openai, "InternalServerError", 500), "openai", "status", 500, True),
    "openai BadRequestError": (lambda: sdk_status(openai, "BadRequestError", 400), "openai", "status", 400, False),
    "openai APIConnectionError": (openai_connection, "openai", "transport", None, True),
    "openai APITimeoutError": (openai_timeout, "openai", "timeout", None, True),
    "anthropic RateLimitError": (lambda: sdk_status(anthropic, "RateLimitError", 429, "2"), "anthropic", "status", 429, True),
    "anthropic OverloadedError": (lambda: sdk_status(anthropic, "OverloadedError", 529), "anthropic", "status", 529, True),
    "anthropic AuthenticationError": (lambda: sdk_status(anthropic, "AuthenticationError", 401), "anthropic", "status", 401, False),
    "anthropic APIConnectionError": (anthropic_connection, "anthropic", "transport", None, True),
    "NodeTimeoutError": (lambda: NodeTimeoutError("n", 1.0, kind="run", run_timeout=1.0), "langgraph", "timeout", None, True),
    "TimeoutError": (lambda: TimeoutError("os"), "python", "timeout", None, True),
    "ConnectionResetError": (lambda: ConnectionResetError("reset"), "python", "transport", None, True),
    "ValueError": (lambda: ValueError("bad"), "python", "other", None, False),
}
