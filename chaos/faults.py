"""The faults the harness can put into a node, and where they land.

A `Fault` says *what* happens (an exception, an HTTP 429, a hang, ...). An `Injection` says
*where and when*: which nodes (a name or a glob; subgraph nodes as ``parent/child``), which
attempts, and with what probability. The vocabulary is the same in Python, in markers and in
scenario files: every fault has a stable ``kind`` string, listed once with its level, what it
raises and whether it is transient in `chaos.fault_kinds` (the reference table). Node-level
names never collide with the transport-level ``http.*`` ones of `chaos.http.faults`: the
node boundary's constructors are ``raise_status``, ``raise_connect_error``,
``raise_read_timeout``, ``raise_remote_protocol_error`` and ``delay`` (the old ``http_429``,
``http_5xx``, ``http_status``, ``connect_error``, ``read_timeout``, ``remote_protocol_error``
and ``slow`` still work, with a `DeprecationWarning`).

HTTP faults here are raised at the node boundary as real `httpx` exceptions carrying real
`httpx.Request`/`httpx.Response` objects, so `retry_on` predicates that read
``exc.response.status_code`` or the ``Retry-After`` header see exactly what an SDK would raise.
"""

from __future__ import annotations

import asyncio
import fnmatch
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from email.utils import format_datetime
from datetime import datetime
from typing import Any, ClassVar, Literal

import httpx

from chaos.arguments import attempt_numbers, node_pattern, probability_value, whole_number
from chaos.errors import ChaosUsageError

#: The URL put on the synthetic request of node-boundary HTTP faults.
UPSTREAM_URL = "https://upstream.chaos.invalid/v1/call"


@dataclass(frozen=True)
class Fault:
    """Base class of all faults. Subclasses set ``kind`` and implement `describe`."""

    kind: ClassVar[str] = "fault"
    #: Where the fault acts: ``"node"`` faults are decided once per node attempt and act at the
    #: node boundary; ``"http"`` faults (`chaos.http.faults`) are decided per HTTP request by
    #: the transport router, so `RunContext.choose` leaves them alone.
    level: ClassVar[str] = "node"

    def describe(self) -> str:
        """A short human-readable description used in journals and reports."""
        return self.kind

    def to_json(self) -> dict[str, Any]:
        """A JSON-able description: ``{"kind": ..., **attributes}``."""
        out: dict[str, Any] = {"kind": self.kind}
        for name in (f.name for f in fields(self)):  # ClassVars (kind, level) are not fields
            value = getattr(self, name)
            if isinstance(value, BaseException):
                value = f"{type(value).__name__}({value})"
            elif isinstance(value, type):
                value = value.__name__
            out[name] = value
        return out


@dataclass(frozen=True)
class RaiseError(Fault):
    """Raise an exception of the user's choice instead of running the node."""

    kind: ClassVar[str] = "exception"
    error: BaseException | type[BaseException] = field(default=RuntimeError)

    def make(self) -> BaseException:
        if isinstance(self.error, type):
            return self.error(f"chaos: injected {self.error.__name__}")
        # One instance raised trial after trial: Python extends the traceback an exception
        # already carries on every raise, and that chain holds every earlier trial's frames
        # (their event loops, graphs and journals) alive. Raise it as if for the first time.
        self.error.__traceback__ = None
        self.error.__context__ = None
        return self.error

    def describe(self) -> str:
        exc = self.make()
        return f"exception {type(exc).__name__}({exc})"


@dataclass(frozen=True)
class HttpStatus(Fault):
    """An upstream HTTP error status, raised as `httpx.HTTPStatusError`.

    ``retry_after`` adds a ``Retry-After`` header: seconds (int/float) or an absolute
    `datetime` (rendered as an HTTP date), as real rate limiters send it.
    """

    kind: ClassVar[str] = "raise_status"
    status: int = 503
    retry_after: float | datetime | None = None

    def __post_init__(self) -> None:
        if not 400 <= self.status <= 599:
            raise ChaosUsageError(
                f"raise_status({self.status}): an HTTP fault needs an error status in 400..599, "
                "for example raise_status(429, retry_after=2) or raise_status(503)"
            )

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        if isinstance(self.retry_after, datetime):
            return {"Retry-After": format_datetime(self.retry_after, usegmt=True)}
        seconds = self.retry_after
        return {"Retry-After": str(int(seconds)) if float(seconds).is_integer() else str(seconds)}

    def make(self, method: str = "POST", url: str = UPSTREAM_URL) -> httpx.HTTPStatusError:
        request = httpx.Request(method, url)
        response = httpx.Response(
            self.status, headers=self.headers(), request=request, json={"error": "chaos"}
        )
        return httpx.HTTPStatusError(
            f"Server error '{self.status} {response.reason_phrase}' for url '{url}' (chaos)",
            request=request,
            response=response,
        )

    def describe(self) -> str:
        ra = f" Retry-After={self.headers()['Retry-After']}" if self.retry_after is not None else ""
        return f"http {self.status}{ra}"


TransportKind = Literal["connect", "read_timeout", "remote_protocol"]
_TRANSPORT_ERRORS: dict[str, type[httpx.TransportError]] = {
    "connect": httpx.ConnectError,
    "read_timeout": httpx.ReadTimeout,
    "remote_protocol": httpx.RemoteProtocolError,
}
#: The kind name of each transport error (one class, three kinds of the reference table).
TRANSPORT_KINDS: dict[str, str] = {
    "connect": "raise_connect_error",
    "read_timeout": "raise_read_timeout",
    "remote_protocol": "raise_remote_protocol_error",
}


@dataclass(frozen=True)
class TransportError(Fault):
    """A transport failure before any response: connect refused, read timeout, broken protocol."""

    kind: ClassVar[str] = "raise_connect_error"
    error: TransportKind = "connect"

    def __post_init__(self) -> None:
        if self.error not in _TRANSPORT_ERRORS:
            raise ChaosUsageError(
                f"transport error {self.error!r} is unknown; use one of {sorted(_TRANSPORT_ERRORS)}"
            )
        # One class, three kinds: the instance's kind names its error (journals, reports, ids).
        object.__setattr__(self, "kind", TRANSPORT_KINDS[self.error])

    def make(self, method: str = "POST", url: str = UPSTREAM_URL) -> httpx.TransportError:
        cls = _TRANSPORT_ERRORS[self.error]
        return cls(f"chaos: injected {cls.__name__}", request=httpx.Request(method, url))

    def describe(self) -> str:
        return f"transport {_TRANSPORT_ERRORS[self.error].__name__}"


@dataclass(frozen=True)
class Hang(Fault):
    """The node never returns. Only a `TimeoutPolicy` (or nothing) ends it."""

    kind: ClassVar[str] = "hang"

    def describe(self) -> str:
        return "hang"


@dataclass(frozen=True)
class Stall(Fault):
    """The node goes silent after its k-th ``runtime.heartbeat()``.

    Heartbeats after the k-th are swallowed and the node never returns, so only an
    ``idle_timeout`` (or a ``run_timeout``) ends it. The fault fires at the (k+1)-th heartbeat;
    a node that never heartbeats that often never fires it (and strict mode says so).
    """

    kind: ClassVar[str] = "stall"
    after_heartbeats: int = 0

    def __post_init__(self) -> None:
        if self.after_heartbeats < 0:
            raise ChaosUsageError(f"stall(after_heartbeats={self.after_heartbeats}): must be >= 0")

    def describe(self) -> str:
        return f"stall after {self.after_heartbeats} heartbeat(s)"


@dataclass(frozen=True)
class Slow(Fault):
    """Extra latency before the node body runs (simulated seconds under simulated time)."""

    kind: ClassVar[str] = "delay"
    seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ChaosUsageError(f"delay(seconds={self.seconds}): latency must be >= 0")

    def describe(self) -> str:
        return f"delay +{self.seconds:g}s"


@dataclass(frozen=True)
class LostResult(Fault):
    """The node body ran (its side effects happened) but its result is lost.

    The caller sees ``error`` instead (by default `httpx.ReadTimeout`, the classic
    "the upstream did it, the client never heard back").
    """

    kind: ClassVar[str] = "lost_result"
    error: BaseException | type[BaseException] = field(default=httpx.ReadTimeout)

    def make(self) -> BaseException:
        if isinstance(self.error, type):
            if issubclass(self.error, httpx.TransportError):
                return self.error(
                    "chaos: response lost", request=httpx.Request("POST", UPSTREAM_URL)
                )
            return self.error("chaos: response lost")
        return self.error

    def describe(self) -> str:
        return f"lost result ({type(self.make()).__name__})"


# -- constructors: the public vocabulary ------------------------------------------------------


def exception(error: BaseException | type[BaseException] = RuntimeError) -> RaiseError:
    """Raise ``error`` (an instance or a class) instead of running the node."""
    return RaiseError(error)


def raise_status(status: int, *, retry_after: float | datetime | None = None) -> HttpStatus:
    """Raise `httpx.HTTPStatusError` with ``status`` (429, 503, ...) instead of running the node.

    ``retry_after`` adds a ``Retry-After`` header (seconds or a `datetime`). The one node-level
    way to say 429 or 5xx; the same answer from the transport, below the SDK, is
    `chaos.http.faults.status` (kind ``http.status``).
    """
    return HttpStatus(status, retry_after)


def raise_connect_error() -> TransportError:
    """`httpx.ConnectError` at the node boundary: the upstream refused or could not be reached."""
    return TransportError("connect")


def raise_read_timeout() -> TransportError:
    """`httpx.ReadTimeout` at the node boundary: the upstream never answered in time."""
    return TransportError("read_timeout")


def raise_remote_protocol_error() -> TransportError:
    """`httpx.RemoteProtocolError` at the node boundary: the connection broke mid-response."""
    return TransportError("remote_protocol")


def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"chaos.faults.{old} is deprecated: use chaos.faults.{new} (node-level names no longer "
        "share names with the transport faults of chaos.http.faults; see chaos.fault_kinds)",
        DeprecationWarning,
        stacklevel=3,
    )


def http_status(status: int, *, retry_after: float | datetime | None = None) -> HttpStatus:
    """Deprecated alias of `raise_status`."""
    _deprecated("http_status(status)", "raise_status(status)")
    return HttpStatus(status, retry_after)


def http_429(retry_after: float | datetime | None = 1) -> HttpStatus:
    """Deprecated alias of ``raise_status(429, retry_after=...)`` (its default Retry-After is 1)."""
    _deprecated("http_429(retry_after=...)", "raise_status(429, retry_after=...)")
    return HttpStatus(429, retry_after)


def http_5xx(status: int = 503, *, retry_after: float | datetime | None = None) -> HttpStatus:
    """Deprecated alias of ``raise_status(5xx)``."""
    _deprecated("http_5xx(status)", "raise_status(status)")
    if not 500 <= status <= 599:
        raise ChaosUsageError(f"http_5xx({status}): use a 5xx status such as 500, 502, 503 or 504")
    return HttpStatus(status, retry_after)


def connect_error() -> TransportError:
    """Deprecated alias of `raise_connect_error` (`chaos.http.faults.connect_error` is the transport's)."""
    _deprecated("connect_error()", "raise_connect_error()")
    return TransportError("connect")


def read_timeout() -> TransportError:
    """Deprecated alias of `raise_read_timeout` (`chaos.http.faults.read_timeout` is the transport's)."""
    _deprecated("read_timeout()", "raise_read_timeout()")
    return TransportError("read_timeout")


def remote_protocol_error() -> TransportError:
    """Deprecated alias of `raise_remote_protocol_error` (the transport's is in `chaos.http.faults`)."""
    _deprecated("remote_protocol_error()", "raise_remote_protocol_error()")
    return TransportError("remote_protocol")


def hang() -> Hang:
    """The node never returns."""
    return Hang()


def stall(after_heartbeats: int = 0) -> Stall:
    """The node's heartbeats stop after the k-th, and it never returns."""
    return Stall(after_heartbeats)


def delay(seconds: float) -> Slow:
    """Add ``seconds`` of latency before the node body (`chaos.http.faults.slow`: a late answer)."""
    return Slow(seconds)


def slow(seconds: float) -> Slow:
    """Deprecated alias of `delay` (`chaos.http.faults.slow` is the transport's late answer)."""
    _deprecated("slow(seconds)", "delay(seconds)")
    return Slow(seconds)


def lost_result(error: BaseException | type[BaseException] = httpx.ReadTimeout) -> LostResult:
    """Run the node body, then drop its result and raise ``error``."""
    return LostResult(error)


#: The node-level faults of the built-in suite, one default instance per variant: a variant is
#: named by its kind (`chaos.fault_kinds`), with ``_<status>`` for a status kind
#: (``raise_status_429``), as item ids spell it (``chaos:<target>::<variant>[<site>]#<trial>``).
FAULT_KINDS: dict[str, Fault] = {
    "exception": RaiseError(),
    "raise_status_429": HttpStatus(429, 1),
    "raise_status_503": HttpStatus(503),
    "raise_connect_error": TransportError("connect"),
    "raise_read_timeout": TransportError("read_timeout"),
    "hang": Hang(),
    "stall": Stall(0),
    "delay": Slow(2.0),
    "lost_result": LostResult(),
}


# -- where faults land ---------------------------------------------------------------------


@dataclass(frozen=True)
class Injection:
    """A fault aimed at nodes and attempts.

    Args:
        fault: what happens.
        node: a node name or glob (``fnmatch``); subgraph nodes as ``parent/child``. Globs
            do not match LangGraph's hidden nodes (``__error_handler__*``) unless the pattern
            itself starts with ``__``.
        attempts: the attempt numbers (1-based, as ``runtime.execution_info.node_attempt``)
            that get the fault; None means every attempt.
        probability: the chance (0..1) that an eligible attempt gets the fault, decided by a
            hash of (seed, test id, site, task, attempt): reproducible and independent of
            other nodes.
        times: stop after the fault fired this many times in a trial (None: no limit).
        invocations: the run steps of the trial's history (0-based: 0 is the first run, 1 the
            resume that answered its interrupt ...) that get the fault; None means every run.
        after_interrupt: a position inside the attempt: the fault (an exception, an HTTP
            status or transport error) is raised as the attempt's k-th ``interrupt()`` returns
            its answer (the answer is recorded first, as LangGraph records it), so the node
            fails after the user answered. None: the fault replaces the body, as usual.
    """

    fault: Fault
    node: str = "*"
    attempts: frozenset[int] | None = None
    probability: float = 1.0
    times: int | None = None
    invocations: frozenset[int] | None = None
    after_interrupt: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.fault, Fault):
            raise ChaosUsageError(
                f"{self.fault!r} is not a fault; build one with chaos.faults, for example "
                "faults.raise_status(429, retry_after=2) or faults.hang()"
            )
        # Types first (chaos.arguments): a string or a float would fail the comparisons below
        # with a bare TypeError, or be accepted (node=5 would match no node, silently).
        node_pattern(self.node)
        probability_value(self.probability)
        if self.attempts is not None:
            attempt_numbers(self.attempts)
        whole_number(self.times, "times")
        if not 0.0 <= self.probability <= 1.0:
            raise ChaosUsageError(f"probability={self.probability} must be between 0 and 1")
        if self.attempts is not None and any(a < 1 for a in self.attempts):
            raise ChaosUsageError(f"attempts={sorted(self.attempts)}: attempts are numbered from 1")
        if self.times is not None and self.times < 1:
            raise ChaosUsageError(f"times={self.times} must be at least 1 (or None)")
        if self.after_interrupt is not None:
            if isinstance(self.after_interrupt, bool) or not isinstance(self.after_interrupt, int) or self.after_interrupt < 1:
                raise ChaosUsageError(
                    f"after_interrupt={self.after_interrupt!r}: give the 1-based number of the interrupt() "
                    "whose answer the fault follows, e.g. after_interrupt=1"
                )
            if not isinstance(self.fault, (RaiseError, HttpStatus, TransportError)):
                raise ChaosUsageError(
                    f"after_interrupt={self.after_interrupt} with {self.fault.describe()}: only a raised "
                    "exception can follow an answer (faults.exception, raise_status, a transport error); "
                    "aim hangs and slow calls at the attempt instead"
                )

    @staticmethod
    def of(
        fault: Fault,
        node: str = "*",
        attempts: int | Iterable[int] | None = None,
        probability: float = 1.0,
        times: int | None = None,
        invocations: Iterable[int] | None = None,
        after_interrupt: int | None = None,
    ) -> Injection:
        """Build an injection, accepting a single attempt number or any iterable of them."""
        return Injection(
            fault, node, attempt_numbers(attempts), probability, times,
            frozenset(invocations) if invocations is not None else None, after_interrupt,
        )

    def matches_site(self, site: str) -> bool:
        if "/" in site and "/" not in self.node and self.node != "*":
            return False
        hidden = site.rsplit("/", 1)[-1].startswith("__")
        if hidden and not self.node.rsplit("/", 1)[-1].startswith("__"):
            return False
        return fnmatch.fnmatchcase(site, self.node)

    def matches_attempt(self, attempt: int) -> bool:
        return self.attempts is None or attempt in self.attempts

    def matches_invocation(self, invocation: int) -> bool:
        return self.invocations is None or invocation in self.invocations

    @property
    def label(self) -> str:
        """Stable identity of this injection inside a trial (used in hashes and reports)."""
        att = "" if self.attempts is None else "@" + ",".join(map(str, sorted(self.attempts)))
        prob = "" if self.probability == 1.0 else f"~{self.probability:g}"
        runs = "" if self.invocations is None else " in run " + ",".join(str(i + 1) for i in sorted(self.invocations))
        after = "" if self.after_interrupt is None else f" after interrupt {self.after_interrupt}"
        return f"{self.fault.describe()} -> {self.node}{att}{prob}{runs}{after}"

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "fault": self.fault.to_json(),
            "node": self.node,
            "attempts": sorted(self.attempts) if self.attempts is not None else None,
            "probability": self.probability,
            "times": self.times,
            **({"invocations": sorted(self.invocations)} if self.invocations is not None else {}),
            **({"after_interrupt": self.after_interrupt} if self.after_interrupt is not None else {}),
        }


# -- cancellation and the other HTTP clients (requests, aiohttp) -------------------------------
# Subclasses of `RaiseError`: like it, they replace the node body with an exception, so the
# node wrappers need nothing new to fire them.


@dataclass(frozen=True)
class RaisesCancelled(RaiseError):
    """The node raises `asyncio.CancelledError` itself (not a cancellation from outside).

    What a node does when a library it awaits is cancelled internally, or when it converts its
    own timeout into a cancellation. It must reach the caller as a node failure (LangGraph's
    ``NodeCancelledError``), never as a bare ``CancelledError`` that reads as "the caller
    cancelled". The journal records the attempt as ``outcome="error"``, ``error=
    "CancelledError"``; ``outcome="cancelled"`` stays for cancellations by the framework.
    """

    kind: ClassVar[str] = "raises_cancelled"
    error: BaseException | type[BaseException] = field(default=asyncio.CancelledError)

    def make(self) -> BaseException:
        return asyncio.CancelledError("chaos: injected, the node raised CancelledError itself")

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def describe(self) -> str:
        return "raises CancelledError"


RequestsErrorKind = Literal["connection", "timeout", "http"]


@dataclass(frozen=True)
class RequestsError(RaiseError):
    """A real `requests` exception, as a node using the ``requests`` library would see it.

    ``"connection"``: `requests.ConnectionError`; ``"timeout"``: `requests.ReadTimeout`;
    ``"http"``: `requests.HTTPError` from ``raise_for_status()``, with a real `Response` of
    ``status`` attached (LangGraph's ``default_retry_on`` answers differently for each).
    """

    kind: ClassVar[str] = "requests_error"
    error: BaseException | type[BaseException] = field(default=RuntimeError)  # unused: see `make`
    variant: RequestsErrorKind = "connection"
    status: int = 503

    def __post_init__(self) -> None:
        if self.variant not in ("connection", "timeout", "http"):
            raise ChaosUsageError(
                f"requests_error({self.variant!r}) is unknown; use 'connection', 'timeout' or 'http'"
            )
        if self.variant == "http" and not 400 <= self.status <= 599:
            raise ChaosUsageError(f"requests_error('http', status={self.status}): use a status in 400..599")

    def make(self) -> BaseException:
        try:
            import requests
        except ImportError as exc:  # pragma: no cover - requests comes with langsmith
            raise ChaosUsageError("the requests_error fault needs `requests`: pip install requests") from exc
        request = requests.Request("POST", UPSTREAM_URL).prepare()
        if self.variant == "connection":
            return requests.ConnectionError("chaos: injected connection refused", request=request)
        if self.variant == "timeout":
            return requests.ReadTimeout("chaos: injected read timeout", request=request)
        response = requests.Response()
        response.status_code = self.status
        response.url = UPSTREAM_URL
        response.request = request
        response._content = b'{"error": "chaos"}'
        return requests.HTTPError(f"{self.status} Error for url: {UPSTREAM_URL} (chaos)", response=response, request=request)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "variant": self.variant, "status": self.status}

    def describe(self) -> str:
        what = {"connection": "ConnectionError", "timeout": "ReadTimeout", "http": f"HTTPError {self.status}"}
        return f"requests {what[self.variant]}"


AiohttpErrorKind = Literal["connection", "timeout", "disconnected", "http"]


@dataclass(frozen=True)
class AiohttpError(RaiseError):
    """A real `aiohttp` client exception (aiohttp must be installed).

    ``"connection"``: `aiohttp.ClientConnectionError`; ``"timeout"``: `aiohttp.ServerTimeoutError`
    (an `asyncio.TimeoutError`); ``"disconnected"``: `aiohttp.ServerDisconnectedError`;
    ``"http"``: `aiohttp.ClientResponseError` with ``status`` (``raise_for_status=True``).
    """

    kind: ClassVar[str] = "aiohttp_error"
    error: BaseException | type[BaseException] = field(default=RuntimeError)  # unused: see `make`
    variant: AiohttpErrorKind = "connection"
    status: int = 503

    def __post_init__(self) -> None:
        if self.variant not in ("connection", "timeout", "disconnected", "http"):
            raise ChaosUsageError(
                f"aiohttp_error({self.variant!r}) is unknown; use 'connection', 'timeout', "
                "'disconnected' or 'http'"
            )
        if self.variant == "http" and not 400 <= self.status <= 599:
            raise ChaosUsageError(f"aiohttp_error('http', status={self.status}): use a status in 400..599")

    def make(self) -> BaseException:
        try:
            import aiohttp
        except ImportError as exc:
            raise ChaosUsageError(
                "the aiohttp_error fault raises real aiohttp exceptions: pip install aiohttp"
            ) from exc
        if self.variant == "connection":
            return aiohttp.ClientConnectionError("chaos: injected connection error")
        if self.variant == "timeout":
            return aiohttp.ServerTimeoutError("chaos: injected timeout")
        if self.variant == "disconnected":
            return aiohttp.ServerDisconnectedError("chaos: injected disconnect")
        from yarl import URL

        info = aiohttp.RequestInfo(URL(UPSTREAM_URL), "POST", headers={}, real_url=URL(UPSTREAM_URL))  # type: ignore[arg-type]  # empty headers: any mapping
        return aiohttp.ClientResponseError(info, (), status=self.status, message="chaos")

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "variant": self.variant, "status": self.status}

    def describe(self) -> str:
        return f"aiohttp {self.variant}" + (f" {self.status}" if self.variant == "http" else "")


def raises_cancelled() -> RaisesCancelled:
    """The node raises `asyncio.CancelledError` itself instead of running."""
    return RaisesCancelled()


def requests_error(variant: RequestsErrorKind = "connection", *, status: int = 503) -> RequestsError:
    """Raise a real `requests` exception: ``"connection"``, ``"timeout"`` or ``"http"`` (with ``status``)."""
    return RequestsError(variant=variant, status=status)


def aiohttp_error(variant: AiohttpErrorKind = "connection", *, status: int = 503) -> AiohttpError:
    """Raise a real `aiohttp` exception: ``"connection"``, ``"timeout"``, ``"disconnected"`` or ``"http"``."""
    return AiohttpError(variant=variant, status=status)


FAULT_KINDS.update(
    {
        "raises_cancelled": RaisesCancelled(),
        "requests_error": RequestsError(),
        "aiohttp_error": AiohttpError(),
    }
)
