"""HTTP faults injected at the transport, below the SDKs: the vocabulary.

A node-boundary fault (`chaos.faults.raise_status`) replaces the whole node body with an exception.
The faults here act on *one HTTP request* instead, inside httpx's (and httpx2's) transport, so
everything above the transport runs for real: the SDK's own retry loop and backoff,
``raise_for_status()``, a ``retry_on`` that reads ``exc.response.status_code``, the streaming
parser. They are aimed like every fault, with ``chaos.inject(fault, node=..., attempts=...)``,
and narrowed further to requests with ``url`` (a glob on the full URL, or a compiled regex),
``method`` and ``requests`` (1-based ordinals of the *matching* requests within one node
attempt: ``requests=[1]`` hits only the first try of an SDK's retry loop).

Transport errors are raised as the transport's own errors (``httpcore.ConnectError`` ...), so
httpx maps them exactly as it maps real ones (`httpx.ConnectError` with the request attached;
`httpx2.ConnectError` for clients built on httpx2, such as openai>=3).

Timeouts are the client's own: a ``read_timeout()``, a lost response or a stalled stream makes
the client wait its *read timeout* (``httpx.Timeout(read=...)``, simulated seconds) before it
raises `ReadTimeout`, as a real socket would; with no read timeout it waits forever, so only a
`TimeoutPolicy` ends it.

Every fault ``kind`` is a stable string starting with ``http.`` (the reference table of both
levels is `chaos.fault_kinds`): ``http.connect_error`` is a refused connection in the
transport, never the node-level ``raise_connect_error``.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, ClassVar, Literal

import httpx

from chaos.errors import ChaosUsageError
from chaos.faults import Fault

TransportErrorName = Literal["connect", "read_timeout", "remote_protocol"]
LostAs = Literal["read_timeout", "disconnect"]
RetryAfterFormat = Literal["seconds", "date"]


def _ordinals(value: int | Iterable[int] | None, what: str) -> frozenset[int] | None:
    if value is None:
        return None
    items = (value,) if isinstance(value, int) else tuple(value)
    if not items or any(not isinstance(i, int) or i < 1 for i in items):
        raise ChaosUsageError(
            f"{what}={value!r}: request ordinals are 1-based integers, e.g. requests=[1] for the "
            "first matching request of each node attempt"
        )
    return frozenset(items)


@dataclass(frozen=True, kw_only=True)
class HttpFault(Fault):
    """Base class of transport-level faults: which requests of a node attempt they hit.

    Args:
        url: a glob on the full URL (``"https://api.example.com/v1/*"``) or a compiled regex
            (searched); None matches every URL.
        method: an HTTP method (``"POST"``); None matches every method.
        requests: the 1-based ordinals, among the requests of one node attempt that match
            ``url`` and ``method``, that get the fault; None means every matching request.
    """

    kind: ClassVar[str] = "http"
    level: ClassVar[str] = "http"
    url: str | re.Pattern[str] | None = None
    method: str | None = None
    requests: frozenset[int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", _ordinals(self.requests, "requests"))
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        if self.url is not None and not isinstance(self.url, (str, re.Pattern)):
            raise ChaosUsageError(
                f"url={self.url!r}: give a glob such as 'https://api.example.com/*' or a "
                "compiled regex (re.compile(...))"
            )

    def matches(self, request: httpx.Request) -> bool:
        """True when ``request`` is one this fault is aimed at (before ordinals and odds)."""
        if self.method is not None and request.method != self.method:
            return False
        if self.url is None:
            return True
        url = str(request.url)
        if isinstance(self.url, re.Pattern):
            return self.url.search(url) is not None
        return fnmatch.fnmatchcase(url, self.url)

    def hits_ordinal(self, ordinal: int) -> bool:
        return self.requests is None or ordinal in self.requests

    def what(self) -> str:
        """The fault itself, without the request filter (subclasses override)."""
        return self.kind

    def describe(self) -> str:
        where = []
        if self.method:
            where.append(self.method)
        if self.url is not None:
            where.append(self.url.pattern if isinstance(self.url, re.Pattern) else self.url)
        if self.requests is not None:
            where.append("request " + ",".join(map(str, sorted(self.requests))))
        return self.what() + (f" [{' '.join(where)}]" if where else "")

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        if isinstance(self.url, re.Pattern):
            out["url"] = self.url.pattern
        out["requests"] = sorted(self.requests) if self.requests is not None else None
        return out


def retry_after_header(
    seconds: float | datetime, fmt: RetryAfterFormat, now_wall: datetime | None = None
) -> str:
    """A ``Retry-After`` value: whole seconds (rounded up) or an HTTP date.

    A relative value rendered as a date is measured from the trial's wall clock (simulated:
    ``SIM_EPOCH + now``), rounded up to the whole second an HTTP date can express.
    """
    if isinstance(seconds, datetime):
        when = seconds if seconds.tzinfo else seconds.replace(tzinfo=timezone.utc)
        return format_datetime(when.astimezone(timezone.utc), usegmt=True)
    if fmt == "date":
        now = now_wall or datetime.now(timezone.utc)
        when = now + timedelta(seconds=seconds)
        if when.microsecond:
            when = when.replace(microsecond=0) + timedelta(seconds=1)
        return format_datetime(when, usegmt=True)
    return str(max(0, math.ceil(seconds - 1e-9)))


def _check_retry_after(value: float | datetime | None, fmt: str) -> None:
    if value is not None and not isinstance(value, datetime) and value < 0:
        raise ChaosUsageError(f"retry_after={value}: must be >= 0 seconds (or a datetime)")
    if fmt not in ("seconds", "date"):
        raise ChaosUsageError(f"retry_after_as={fmt!r}: use 'seconds' or 'date'")


@dataclass(frozen=True, kw_only=True)
class Status(HttpFault):
    """The upstream answers ``status`` (never running the happy-path route).

    ``retry_after`` adds a ``Retry-After`` header: seconds, or an absolute `datetime`;
    ``retry_after_as="date"`` renders relative seconds as an HTTP date on the trial's clock.
    The body is an OpenAI-style JSON error (``{"error": {"message", "type", "code"}}``).
    """

    kind: ClassVar[str] = "http.status"
    status: int = field(default=503, kw_only=False)
    retry_after: float | datetime | None = None
    retry_after_as: RetryAfterFormat = "seconds"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 400 <= self.status <= 599:
            raise ChaosUsageError(
                f"status({self.status}): an HTTP fault needs an error status in 400..599, for "
                "example status(429, retry_after=2) or status(503)"
            )
        _check_retry_after(self.retry_after, self.retry_after_as)

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        return {"Retry-After": retry_after_header(self.retry_after, self.retry_after_as)}

    def what(self) -> str:
        ra = ""
        if isinstance(self.retry_after, datetime):
            ra = f" Retry-After={retry_after_header(self.retry_after, 'date')}"
        elif self.retry_after is not None:
            ra = f" Retry-After={self.retry_after:g}s" + (" (date)" if self.retry_after_as == "date" else "")
        return f"http {self.status}{ra}"


@dataclass(frozen=True, kw_only=True)
class RateLimit(HttpFault):
    """A stateful rate limiter: once it fires, every matching request before the window ends
    gets 429 too.

    When the fault fires on a request it answers 429 with ``Retry-After: retry_after`` and
    closes a window of ``retry_after`` seconds on the trial clock. Every request from the aimed
    nodes to the aimed url and method that arrives before the window ends, whatever its attempt
    (``attempts``, ``requests``, odds and ``times`` only choose what *opens* a window), is
    answered 429 with the time still left (rounded up to whole seconds, as real limiters do),
    without reaching the upstream. A client that honours
    ``Retry-After`` gets through on its next try; one that retries sooner keeps hitting 429.
    """

    kind: ClassVar[str] = "http.rate_limit"
    retry_after: float = field(default=1.0, kw_only=False)
    retry_after_as: RetryAfterFormat = "seconds"

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.retry_after, datetime) or self.retry_after <= 0:
            raise ChaosUsageError(
                f"rate_limited(retry_after={self.retry_after!r}): the window is a number of "
                "seconds > 0, e.g. rate_limited(retry_after=2)"
            )
        _check_retry_after(self.retry_after, self.retry_after_as)

    def what(self) -> str:
        return f"http 429 rate limit {self.retry_after:g}s"


_TRANSPORT_NAMES: dict[str, str] = {
    "connect": "ConnectError",
    "read_timeout": "ReadTimeout",
    "remote_protocol": "RemoteProtocolError",
}
#: The kind name of each transport failure (one class, three kinds of the reference table).
TRANSPORT_KINDS: dict[str, str] = {
    "connect": "http.connect_error",
    "read_timeout": "http.read_timeout",
    "remote_protocol": "http.remote_protocol_error",
}


@dataclass(frozen=True, kw_only=True)
class TransportFailure(HttpFault):
    """The request fails in the transport before any response; the upstream never handles it.

    ``connect``: refused at once. ``read_timeout``: the client waits its read timeout, then
    times out. ``remote_protocol``: the server drops the connection without a response.
    """

    kind: ClassVar[str] = "http.connect_error"
    error: TransportErrorName = field(default="connect", kw_only=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.error not in _TRANSPORT_NAMES:
            raise ChaosUsageError(
                f"transport error {self.error!r} is unknown; use one of {sorted(_TRANSPORT_NAMES)}"
            )
        # One class, three kinds: the instance's kind names its error (journals, reports, ids).
        object.__setattr__(self, "kind", TRANSPORT_KINDS[self.error])

    def what(self) -> str:
        return f"http {_TRANSPORT_NAMES[self.error]}"


@dataclass(frozen=True, kw_only=True)
class SlowResponse(HttpFault):
    """The upstream handles the request but answers late: ``seconds`` before the headers, and
    body chunk i ``i * per_chunk`` seconds after the first (the socket buffers what arrives
    while the client is busy). A wait past the client's read timeout is a ReadTimeout."""

    kind: ClassVar[str] = "http.slow"
    seconds: float = field(default=1.0, kw_only=False)
    per_chunk: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.seconds < 0 or self.per_chunk < 0:
            raise ChaosUsageError(
                f"slow(seconds={self.seconds}, per_chunk={self.per_chunk}): delays must be >= 0"
            )

    def what(self) -> str:
        chunk = f", +{self.per_chunk:g}s per chunk" if self.per_chunk else ""
        return f"http slow +{self.seconds:g}s{chunk}"


@dataclass(frozen=True, kw_only=True)
class LostResponse(HttpFault):
    """The upstream handled the request (its route ran: side effects happened) but the answer
    never reaches the client: the classic cause of duplicated side effects on retry.

    ``as_error="read_timeout"``: the client waits its read timeout, then raises ReadTimeout.
    ``"disconnect"``: the connection drops at once (RemoteProtocolError).
    """

    kind: ClassVar[str] = "http.lost_response"
    as_error: LostAs = field(default="read_timeout", kw_only=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.as_error not in ("read_timeout", "disconnect"):
            raise ChaosUsageError(
                f"lost_response(as_error={self.as_error!r}): use 'read_timeout' or 'disconnect'"
            )

    def what(self) -> str:
        return f"http lost response ({self.as_error})"


@dataclass(frozen=True, kw_only=True)
class StalledStream(HttpFault):
    """The response body delivers ``after_chunks`` chunks, then goes silent for good.

    Chunks are the SSE events of a ``text/event-stream`` body and the lines of any other body.
    The silence is an await on the trial's event loop (a ``time.sleep`` for sync clients): the
    client's read timeout, LangGraph's ``idle_timeout`` or ``run_timeout``, whichever comes
    first, ends it.
    """

    kind: ClassVar[str] = "http.stalled_stream"
    after_chunks: int = field(default=0, kw_only=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.after_chunks < 0:
            raise ChaosUsageError(f"stalled_stream(after_chunks={self.after_chunks}): must be >= 0")

    def what(self) -> str:
        return f"http stream stalls after {self.after_chunks} chunk(s)"


@dataclass(frozen=True, kw_only=True)
class CutStream(HttpFault):
    """The response body ends mid-message: ``after_chunks`` whole chunks, then half of the next.

    By default the connection then breaks (RemoteProtocolError: incomplete body);
    ``clean=True`` ends the body there without an error, so only a parser that checks for a
    complete message (an SSE ``[DONE]``, a JSON document) notices.
    """

    kind: ClassVar[str] = "http.cut_stream"
    after_chunks: int = field(default=0, kw_only=False)
    clean: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.after_chunks < 0:
            raise ChaosUsageError(f"cut_stream(after_chunks={self.after_chunks}): must be >= 0")

    def what(self) -> str:
        how = "ends cleanly" if self.clean else "breaks"
        return f"http stream {how} mid-chunk {self.after_chunks + 1}"


# -- constructors: the public vocabulary ------------------------------------------------------

Url = str | re.Pattern[str] | None
Ordinals = int | Iterable[int] | None


def status(
    code: int,
    *,
    retry_after: float | datetime | None = None,
    retry_after_as: RetryAfterFormat = "seconds",
    url: Url = None,
    method: str | None = None,
    requests: Ordinals = None,
) -> Status:
    """The upstream answers ``code`` (429, 500, 502, 503, 504, ...), optionally with Retry-After."""
    return Status(code, retry_after=retry_after, retry_after_as=retry_after_as, url=url,
                  method=method, requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


def rate_limited(
    retry_after: float = 1.0,
    *,
    retry_after_as: RetryAfterFormat = "seconds",
    url: Url = None,
    method: str | None = None,
    requests: Ordinals = 1,
) -> RateLimit:
    """A stateful 429: retries arriving before ``retry_after`` seconds have passed get 429 too.

    By default the *first* matching request of each aimed attempt opens a window
    (``requests=1``), so a client that waits out ``Retry-After`` inside the same attempt gets
    through; pass ``requests=None`` for a limiter that closes again on every request after a
    window (nothing ever gets through).
    """
    return RateLimit(retry_after, retry_after_as=retry_after_as, url=url, method=method,
                     requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


def connect_error(*, url: Url = None, method: str | None = None, requests: Ordinals = None) -> TransportFailure:
    """The connection is refused (ConnectError); the upstream never sees the request."""
    return TransportFailure("connect", url=url, method=method, requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


def read_timeout(*, url: Url = None, method: str | None = None, requests: Ordinals = None) -> TransportFailure:
    """No answer: the client waits its read timeout, then raises ReadTimeout."""
    return TransportFailure("read_timeout", url=url, method=method, requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


def remote_protocol_error(
    *, url: Url = None, method: str | None = None, requests: Ordinals = None
) -> TransportFailure:
    """The server drops the connection without a response (RemoteProtocolError)."""
    return TransportFailure("remote_protocol", url=url, method=method, requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


def slow(
    seconds: float = 1.0,
    *,
    per_chunk: float = 0.0,
    url: Url = None,
    method: str | None = None,
    requests: Ordinals = None,
) -> SlowResponse:
    """Answer ``seconds`` late (and ``per_chunk`` seconds between body chunks)."""
    return SlowResponse(seconds, per_chunk=per_chunk, url=url, method=method, requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


def lost_response(
    as_error: LostAs = "read_timeout",
    *,
    url: Url = None,
    method: str | None = None,
    requests: Ordinals = None,
) -> LostResponse:
    """The upstream handles the request, the client never hears back (timeout or disconnect)."""
    return LostResponse(as_error, url=url, method=method, requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


def stalled_stream(
    after_chunks: int = 0, *, url: Url = None, method: str | None = None, requests: Ordinals = None
) -> StalledStream:
    """The body yields ``after_chunks`` chunks (SSE events or lines), then goes silent."""
    return StalledStream(after_chunks, url=url, method=method, requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


def cut_stream(
    after_chunks: int = 0,
    *,
    clean: bool = False,
    url: Url = None,
    method: str | None = None,
    requests: Ordinals = None,
) -> CutStream:
    """The body ends mid-message after ``after_chunks`` chunks (an error unless ``clean``)."""
    return CutStream(after_chunks, clean=clean, url=url, method=method, requests=requests)  # type: ignore[arg-type]  # __post_init__ normalises it


#: Every transport-level fault kind by its stable name, with a default instance.
HTTP_FAULT_KINDS: dict[str, HttpFault] = {
    "http.status": Status(503),
    "http.rate_limit": RateLimit(1.0),
    "http.connect_error": TransportFailure("connect"),
    "http.read_timeout": TransportFailure("read_timeout"),
    "http.remote_protocol_error": TransportFailure("remote_protocol"),
    "http.slow": SlowResponse(2.0),
    "http.lost_response": LostResponse("read_timeout"),
    "http.stalled_stream": StalledStream(0),
    "http.cut_stream": CutStream(0),
}

__all__ = [
    "HTTP_FAULT_KINDS",
    "CutStream",
    "HttpFault",
    "LostResponse",
    "RateLimit",
    "SlowResponse",
    "StalledStream",
    "Status",
    "TransportFailure",
    "connect_error",
    "cut_stream",
    "lost_response",
    "rate_limited",
    "read_timeout",
    "remote_protocol_error",
    "retry_after_header",
    "slow",
    "stalled_stream",
    "status",
]
