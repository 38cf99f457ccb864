"""The exception families of the HTTP clients and model SDKs a LangGraph node calls through.

`classify` reads one exception (and, when that says nothing, its ``__cause__``/``__context__``
chain) and answers what a retry decision needs: which library raised it, the HTTP status, the
``Retry-After`` the server asked for, and whether the failure is *transient* (a retry may
succeed: 408/425/429/5xx/529, a refused or dropped connection, a timeout) or permanent.

The libraries are recognised by the module of a class in the exception's MRO, never by
importing them, so a project without openai, anthropic or aiohttp installed pays nothing:

- ``httpx`` / ``httpx2``: ``HTTPStatusError`` (status on ``.response``), ``TimeoutException``,
  ``NetworkError`` (``ConnectError``, ``ReadError`` ...), ``RemoteProtocolError``;
- ``requests``: ``HTTPError``, ``ConnectionError``, ``Timeout``, ``ChunkedEncodingError``;
- ``aiohttp``: ``ClientResponseError`` (``.status``, ``.headers``), ``ClientConnectionError``,
  ``ServerTimeoutError``, ``ClientPayloadError``;
- ``openai`` / ``anthropic``: ``APIStatusError`` (``.status_code``; ``RateLimitError`` 429,
  ``InternalServerError`` 5xx, anthropic's ``OverloadedError`` 529), ``APIConnectionError``,
  ``APITimeoutError``; LangChain's subclasses (``langchain_openai``'s ``OpenAIRateLimitError``)
  are attributed to the SDK they subclass;
- ``langchain_core``'s ``ModelRateLimitError`` / ``ModelAPIError`` / ``ModelConnectionError`` /
  ``ModelTimeoutError`` for other providers; LangGraph's ``NodeTimeoutError``; builtin
  ``TimeoutError`` and ``ConnectionError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal

Library = Literal[
    "httpx", "httpx2", "requests", "aiohttp", "openai", "anthropic", "langchain", "langgraph", "python", "other"
]
Family = Literal["status", "connect", "transport", "timeout", "other"]

#: Statuses after which the same request may succeed later (the upstream is busy or down).
TRANSIENT_STATUSES = frozenset({408, 425, 429})

_ROOTS: dict[str, Library] = {
    "httpx": "httpx", "httpx2": "httpx2", "requests": "requests", "aiohttp": "aiohttp",
    "openai": "openai", "anthropic": "anthropic", "langchain_core": "langchain", "langgraph": "langgraph",
}


def transient_status(status: int) -> bool:
    """True for statuses a later retry may get past: 408, 425, 429 and every 5xx (529 too)."""
    return status in TRANSIENT_STATUSES or 500 <= status <= 599


@dataclass(frozen=True)
class ErrorInfo:
    """What one exception means for a retry decision.

    Attributes:
        exc: the exception that was classified (the one raised, or the first cause in its
            chain a library is known for; see ``raised``).
        raised: the exception as raised (what ``retry_on`` sees).
        library: which client raised ``exc``; ``"python"`` for builtins.
        family: ``status`` (an HTTP error answer), ``connect`` (the request never left),
            ``transport`` (the connection broke after it left), ``timeout``, or ``other``.
        status: the HTTP status, for status errors.
        retry_after: the seconds the answer's ``Retry-After`` (or ``retry-after-ms``) asked
            for; None when it did not say (or the date form came without a clock to read it by).
        retry_after_header: the header as sent.
        transient: True when the same call may succeed on a retry.
        method, url: the request, when the exception carries it.
    """

    exc: BaseException
    raised: BaseException
    library: Library
    family: Family
    status: int | None = None
    retry_after: float | None = None
    retry_after_header: str | None = None
    transient: bool = False
    method: str | None = None
    url: str | None = None

    @property
    def type_name(self) -> str:
        """The raised exception's type as a user imports it (``openai.RateLimitError``)."""
        return qualified_name(type(self.raised))

    @property
    def cause_name(self) -> str:
        """The classified exception's type (differs from `type_name` when the node wrapped it)."""
        return qualified_name(type(self.exc))

    @property
    def wrapped(self) -> bool:
        return self.exc is not self.raised

    def describe(self) -> str:
        """``openai.RateLimitError (HTTP 429, Retry-After: 2)`` for messages."""
        bits = []
        if self.status is not None:
            bits.append(f"HTTP {self.status}")
        if self.retry_after_header is not None:
            bits.append(f"Retry-After: {self.retry_after_header}")
        text = self.type_name + (f" ({', '.join(bits)})" if bits else "")
        if self.wrapped:
            text += f", caused by {self.cause_name}"
        return text


def qualified_name(cls: type) -> str:
    """A class's name as users import it: ``httpx.ReadTimeout``, ``openai.RateLimitError``,
    ``requests.ConnectionError``, ``TimeoutError`` (builtins bare)."""
    root = cls.__module__.split(".", 1)[0]
    if root == "builtins":
        return cls.__name__
    if root in ("requests", "aiohttp", "httpx", "httpx2", "openai", "anthropic"):
        return f"{root}.{cls.__name__}"
    return f"{cls.__module__}.{cls.__name__}"


def library_of(exc: BaseException) -> Library:
    """The library an exception belongs to: the first class of its MRO from a known one."""
    return _library_and_names(type(exc))[0]


def _library_and_names(cls: type) -> tuple[Library, set[str]]:
    names = {c.__name__ for c in cls.__mro__}
    for c in cls.__mro__:
        root = c.__module__.split(".", 1)[0]
        if root in _ROOTS:
            return _ROOTS[root], names
    for c in cls.__mro__:
        if c.__module__ == "builtins" and c not in (BaseException, Exception, object):
            return "python", names
    return "other", names


def classify(exc: BaseException, *, now: datetime | None = None) -> ErrorInfo:
    """What ``exc`` means for a retry: its library, status, Retry-After and transience.

    When ``exc`` itself is not a known client error (a node wrapped it in its own exception),
    the first known one in its cause chain is classified and ``raised`` keeps ``exc``.
    ``now`` (aware or naive UTC) measures an HTTP-date ``Retry-After`` when the answer has
    no ``Date`` header.
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        info = _classify_one(cur, exc, now)
        if info.family != "other":
            return info
        cur = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)
    return _classify_one(exc, exc, now)


def _classify_one(exc: BaseException, raised: BaseException, now: datetime | None) -> ErrorInfo:
    library, names = _library_and_names(type(exc))
    method, url = _request_of(exc)
    status = _status_of(exc, library, names)
    if status is not None:
        header, seconds = retry_after_of(exc, now=now)
        return ErrorInfo(exc, raised, library, "status", status, seconds, header, transient_status(status), method, url)
    family = _family(library, names)
    return ErrorInfo(exc, raised, library, family, transient=family != "other", method=method, url=url)


def _family(library: Library, names: set[str]) -> Family:
    if library in ("httpx", "httpx2"):
        if "TimeoutException" in names:
            return "timeout"
        if "ConnectError" in names:
            return "connect"
        if "NetworkError" in names or "RemoteProtocolError" in names:
            return "transport"
        return "other"
    if library == "requests":
        if "Timeout" in names:
            return "timeout"
        if "ConnectionError" in names:
            return "connect"
        if "ChunkedEncodingError" in names:
            return "transport"
        return "other"
    if library == "aiohttp":
        if "ServerTimeoutError" in names or "ConnectionTimeoutError" in names or "SocketTimeoutError" in names:
            return "timeout"
        if "ClientConnectorError" in names:
            return "connect"
        if "ClientConnectionError" in names or "ClientPayloadError" in names:
            return "transport"
        return "other"
    if library in ("openai", "anthropic"):
        if "APITimeoutError" in names:
            return "timeout"
        if "APIConnectionError" in names:
            return "transport"
        return "other"
    if "ModelTimeoutError" in names or "NodeTimeoutError" in names:
        return "timeout"
    if "ModelConnectionError" in names:
        return "transport"
    if "TimeoutError" in names:
        return "timeout"
    if "ConnectionRefusedError" in names:
        return "connect"
    if "ConnectionError" in names:
        return "transport"
    return "other"


def _status_of(exc: BaseException, library: Library, names: set[str]) -> int | None:
    value: Any = None
    if library in ("openai", "anthropic"):
        value = getattr(exc, "status_code", None) if "APIStatusError" in names else None
    elif library in ("httpx", "httpx2"):
        value = getattr(getattr(exc, "response", None), "status_code", None) if "HTTPStatusError" in names else None
    elif library == "requests":
        value = getattr(getattr(exc, "response", None), "status_code", None) if "HTTPError" in names else None
    elif library == "aiohttp":
        value = getattr(exc, "status", None) if "ClientResponseError" in names else None
    elif library == "langchain":
        if "ModelRateLimitError" in names:
            value = getattr(exc, "status_code", 429)
        elif "ModelAPIError" in names:
            value = getattr(exc, "status_code", 500)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _headers_of(exc: BaseException) -> Any:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        headers = getattr(exc, "headers", None)  # aiohttp's ClientResponseError
    return headers


def _header(headers: Any, name: str) -> str | None:
    try:
        value = headers.get(name)
        if value is None and hasattr(headers, "items"):
            value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    except Exception:  # an exotic headers object: the header is a nicety, not a verdict
        return None
    return None if value is None else str(value)


def retry_after_of(exc: BaseException, *, now: datetime | None = None) -> tuple[str | None, float | None]:
    """``(header as sent, seconds)`` of the answer carried by ``exc``; ``(None, None)`` without one.

    Reads ``retry-after-ms`` (openai and anthropic send and honour it) before ``Retry-After``;
    an HTTP date is measured from the answer's ``Date`` header, else from ``now``.
    """
    headers = _headers_of(exc)
    if headers is None:
        return None, None
    ms = _header(headers, "retry-after-ms")
    if ms is not None:
        try:
            return f"{ms} ms", max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = _header(headers, "retry-after")
    if value is None:
        return None, None
    return value, parse_retry_after(value, _header(headers, "date"), now)


def parse_retry_after(value: str, date: str | None = None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (delta-seconds, or an HTTP date measured from
    ``date`` or ``now``); None when it cannot be read."""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        base = parsedate_to_datetime(date) if date is not None else now
    except (TypeError, ValueError):
        return None
    if base is None:
        return None
    if base.tzinfo is None:
        base = base.replace(tzinfo=timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - base).total_seconds())


def _request_of(exc: BaseException) -> tuple[str | None, str | None]:
    try:
        request = getattr(exc, "request", None)
    except Exception:  # httpx raises RuntimeError when an error has no request attached
        request = None
    if request is None:
        response = getattr(exc, "response", None)
        try:
            request = getattr(response, "request", None)
        except Exception:  # the same, one level down
            request = None
    if request is None:
        info = getattr(exc, "request_info", None)  # aiohttp
        if info is not None:
            return str(getattr(info, "method", "") or "") or None, str(getattr(info, "url", "")) or None
        return None, None
    method = getattr(request, "method", None)
    url = getattr(request, "url", None)
    return (str(method) if method else None), (str(url) if url is not None else None)


__all__ = [
    "ErrorInfo", "Family", "Library", "TRANSIENT_STATUSES", "classify", "library_of", "parse_retry_after",
    "qualified_name", "retry_after_of", "transient_status",
]
