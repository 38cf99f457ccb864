"""Fix texts that work for the exception actually raised.

A fix is code a user pastes: a ``RetryPolicy(retry_on=...)`` whose predicate names the
classes of the library that raised the error. ``retry_on_code`` returns the predicate alone
(the tests ``eval`` it against real exceptions of each library, so a suggested fix that
would not retry its own error cannot ship); `fix_for` wraps it in a sentence with the
``initial_interval`` a ``Retry-After`` calls for.
"""

from __future__ import annotations

from chaos.sdk.errors import ErrorInfo

# Per library: the imports and the predicate that retries its transient errors and nothing
# else (a 400 or 401 must still fail at once). openai's and anthropic's InternalServerError
# cover every 5xx (anthropic's OverloadedError 529 included); APIConnectionError covers
# APITimeoutError. requests' ConnectionError and Timeout are OSErrors, which LangGraph's
# default_retry_on never retries; for httpx, timeouts, network errors and a dropped
# response (not an unsupported scheme or a proxy error, which a retry cannot fix).
_CODE: dict[str, tuple[str, str]] = {
    "httpx": (
        "import httpx",
        "lambda e: isinstance(e, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)) "
        "or (isinstance(e, httpx.HTTPStatusError) "
        "and (e.response.status_code in (408, 429) or e.response.status_code >= 500))",
    ),
    "httpx2": (
        "import httpx2",
        "lambda e: isinstance(e, (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)) "
        "or (isinstance(e, httpx2.HTTPStatusError) "
        "and (e.response.status_code in (408, 429) or e.response.status_code >= 500))",
    ),
    "requests": (
        "import requests",
        "lambda e: isinstance(e, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)) "
        "or (isinstance(e, requests.HTTPError) and e.response is not None "
        "and (e.response.status_code in (408, 429) or e.response.status_code >= 500))",
    ),
    "aiohttp": (
        "import asyncio, aiohttp",
        "lambda e: isinstance(e, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, asyncio.TimeoutError)) "
        "or (isinstance(e, aiohttp.ClientResponseError) and (e.status in (408, 429) or e.status >= 500))",
    ),
    "openai": (
        "import openai",
        "(openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError)",
    ),
    "anthropic": (
        "import anthropic",
        "(anthropic.RateLimitError, anthropic.InternalServerError, anthropic.APIConnectionError)",
    ),
    "langchain": (
        "from langchain_core.exceptions import ModelAPIError, ModelConnectionError, ModelRateLimitError, ModelTimeoutError",
        "(ModelRateLimitError, ModelAPIError, ModelConnectionError, ModelTimeoutError)",
    ),
    "langgraph": (
        "from langgraph.errors import NodeTimeoutError",
        "NodeTimeoutError",
    ),
    "python": ("", "(TimeoutError, ConnectionError)"),
}


def retry_on_code(info: ErrorInfo) -> tuple[str, str]:
    """``(imports, retry_on expression)`` that retries ``info``'s transient errors.

    When the node wrapped the library's error in its own exception, the predicate must accept
    the raised type: the expression then also matches ``type(raised)`` whose cause is
    transient.
    """
    imports, expr = _CODE.get(info.library, _CODE["python"])
    if info.library == "langgraph" and info.family == "timeout":
        expr = "NodeTimeoutError"
    return imports, expr


def fix_for(info: ErrorInfo, *, has_policy: bool) -> str:
    """A sentence with code that makes LangGraph retry ``info`` (and honour its Retry-After)."""
    imports, expr = retry_on_code(info)
    wait = ""
    if info.retry_after is not None and info.retry_after > 0.5:
        wait = f", initial_interval={info.retry_after:g}"
    pre = f"{imports}; " if imports else ""
    if info.wrapped:
        raised = type(info.raised).__name__
        return (
            f"Fix: the node raised {raised} around the {info.cause_name}; re-raise the original error "
            f"(raise ... from e keeps it as the cause, but retry_on sees only {raised}), or retry "
            f"on it: retry_on=lambda e: isinstance(e, {raised}) and isinstance(e.__cause__, ...). "
            f"For the {info.cause_name} itself: {pre}RetryPolicy(retry_on={expr}{wait})."
        )
    verb = "give the node" if not has_policy else "make its policy retry it:"
    ra = (
        f" LangGraph's backoff ignores Retry-After: initial_interval >= {info.retry_after:g}s honours it."
        if wait else ""
    )
    return f"Fix: {verb} {pre}add_node(..., retry_policy=RetryPolicy(retry_on={expr}{wait})).{ra}"


__all__ = ["fix_for", "retry_on_code"]
