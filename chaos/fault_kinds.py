"""The fault vocabulary: every fault kind once, the one lookup by name, the reference table.

Three levels, with disjoint names:

- **node** kinds (`chaos.faults`) act at the node boundary, once per attempt: the body is
  replaced by an exception (``exception``, ``raise_status``, ``raise_connect_error``, ...),
  delayed (``delay``), never returns (``hang``, ``stall``) or loses its result;
- **transport** kinds (``http.*``, `chaos.http.faults`) act on one HTTP request inside the
  httpx transport, below the SDK, so the SDK's own retries and parsing run for real;
- **shutdown** kinds (``sigterm``, ``kill``) stop the process running the graph.

A kind's name is what `Fault.kind` says (journals and reports), what scenario files write
(``kind = "..."``) and what item ids of the built-in suite start with
(``chaos:<target>::<kind>[<site>]#<trial>``; a status kind adds the status:
``http.status_429``, ``raise_status_503``). `lookup_fault` is the one way from a name to a
factory. The old names that collided across levels (``connect_error``, ``read_timeout``,
``remote_protocol_error``, ``slow``) or said 429 a second way (``http_429``, ``http_5xx``,
``http_status``) still work, with a `DeprecationWarning`. `reference_markdown` renders the
published table (``docs/reference/faults.md``; a test keeps the page equal to it).
"""

from __future__ import annotations

import builtins
import difflib
import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from chaos import faults as F
from chaos.errors import ChaosUsageError
from chaos.faults import Fault

Level = Literal["node", "transport", "shutdown"]
#: Parameter types: a type or a tuple of accepted types.
ParamType = type | tuple[type, ...]
NUMBER: tuple[type, ...] = (int, float)


@dataclass(frozen=True)
class FaultKind:
    """One fault kind of the reference table.

    Attributes:
        name: the stable name (``raise_status``, ``http.connect_error``, ...).
        level: where it acts: ``"node"``, ``"transport"`` or ``"shutdown"``.
        factory: called with the parameters (keyword arguments) to build the fault.
        params: parameter name -> accepted type(s), for validating scenario files.
        constructor: the Python call that builds it (``faults.raise_status(status, ...)``).
        effect: what the node (or the client) sees, in a few words.
        transient: True when a retry may succeed (LangGraph's default policy retries it;
            ``transient_fatal`` judges a run it kills), False when not, None when the kind is
            not a failure by itself (latency, shutdown). ``"status"``: by its status (429 and
            5xx are transient, other 4xx are not).
        deprecated_for: for an old name, the name to use instead.
    """

    name: str
    level: Level
    factory: Callable[..., Fault]
    params: Mapping[str, ParamType]
    constructor: str
    effect: str
    transient: bool | Literal["status"] | None
    deprecated_for: str | None = None

    @property
    def doc(self) -> str:
        """The effect (the scenario loader's older name for it)."""
        return self.effect


def _exception_class(name: str) -> type[BaseException]:
    if "." not in name:
        cls = getattr(builtins, name, None)
    else:
        module, _, attr = name.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), attr, None)
        except ImportError:
            cls = None
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        raise ValueError(
            f"{name!r} is not an exception class; use a builtin name such as 'ValueError' or a "
            "dotted path such as 'httpx.ConnectError'"
        )
    return cls


def _exception_fault(error: str = "RuntimeError", message: str | None = None) -> Fault:
    cls = _exception_class(error)
    return F.exception(cls(message) if message is not None else cls)


def _lost_result_fault(error: str = "httpx.ReadTimeout") -> Fault:
    return F.lost_result(_exception_class(error))


def _sigterm_fault() -> Fault:
    from chaos.shutdown import sigterm

    return sigterm()


def _kill_fault(grace: float = 0.05, at: str = "end") -> Fault:
    from chaos.shutdown import kill

    if at not in ("start", "end"):
        raise ChaosUsageError(f"kill(at={at!r}): use at='start' or at='end'")
    return kill(grace, at="start" if at == "start" else "end")


def _http(factory_name: str) -> Callable[..., Fault]:
    def make(**params: Any) -> Fault:
        from chaos.http import faults as http_faults

        fault: Fault = getattr(http_faults, factory_name)(**params)
        return fault

    make.__name__ = factory_name
    return make


def _status_429(retry_after: float | None = 1) -> Fault:
    return F.HttpStatus(429, retry_after)


def _status_5xx(status: int = 503, retry_after: float | None = None) -> Fault:
    if not 500 <= status <= 599:
        raise ChaosUsageError(f"http_5xx({status}): use a 5xx status such as 500, 502, 503 or 504")
    return F.HttpStatus(status, retry_after)


_AIM: dict[str, ParamType] = {"url": str, "method": str, "requests": (int, list)}
_AIM_DOC = "url=, method=, requests="


def _kinds(*kinds: FaultKind) -> dict[str, FaultKind]:
    return {k.name: k for k in kinds}


#: Every fault kind by name: node, transport and shutdown kinds in table order, then the
#: deprecated aliases. Other packages add theirs with `register_fault_kind`.
FAULT_KINDS: dict[str, FaultKind] = _kinds(
    FaultKind("exception", "node", _exception_fault, {"error": str, "message": str},
              "faults.exception(err=RuntimeError)", "raises `err` (an instance or a class) instead of running",
              False),
    FaultKind("raise_status", "node", F.raise_status, {"status": int, "retry_after": NUMBER},
              "faults.raise_status(status, retry_after=None)",
              "raises `httpx.HTTPStatusError` with a real request and response (429, 503, ...) and "
              "a `Retry-After` header (seconds or a `datetime`)", "status"),
    FaultKind("raise_connect_error", "node", F.raise_connect_error, {}, "faults.raise_connect_error()",
              "raises `httpx.ConnectError`", True),
    FaultKind("raise_read_timeout", "node", F.raise_read_timeout, {}, "faults.raise_read_timeout()",
              "raises `httpx.ReadTimeout`", True),
    FaultKind("raise_remote_protocol_error", "node", F.raise_remote_protocol_error, {},
              "faults.raise_remote_protocol_error()", "raises `httpx.RemoteProtocolError`", True),
    FaultKind("requests_error", "node", F.requests_error, {"variant": str, "status": int},
              'faults.requests_error(variant="connection"|"timeout"|"http", status=503)',
              "raises a real `requests` exception (`ConnectionError`, `ReadTimeout`, `HTTPError` "
              "with a response)", True),
    FaultKind("aiohttp_error", "node", F.aiohttp_error, {"variant": str, "status": int},
              'faults.aiohttp_error(variant="connection"|"timeout"|"disconnected"|"http", status=503)',
              "raises a real `aiohttp` client exception", True),
    FaultKind("raises_cancelled", "node", F.raises_cancelled, {}, "faults.raises_cancelled()",
              "the node raises `asyncio.CancelledError` itself; the run must end with a node "
              "failure, not a bare cancellation (`cancellation`)", False),
    FaultKind("lost_result", "node", _lost_result_fault, {"error": str},
              "faults.lost_result(err=httpx.ReadTimeout)",
              "the body runs (side effects happen), its result is lost and `err` is raised", True),
    FaultKind("hang", "node", F.hang, {}, "faults.hang()",
              "never returns; only a `TimeoutPolicy` ends it (nothing can: `liveness`)", True),
    FaultKind("stall", "node", F.stall, {"after_heartbeats": int}, "faults.stall(after_heartbeats=0)",
              "heartbeats after the k-th are swallowed and the node never returns (`idle_timeout`)", True),
    FaultKind("delay", "node", F.delay, {"seconds": NUMBER}, "faults.delay(seconds)",
              "adds latency before the body", None),
    FaultKind("http.status", "transport", _http("status"), {"code": int, "retry_after": NUMBER, **_AIM},
              f"http_faults.status(code, retry_after=None, retry_after_as=\"seconds\"|\"date\", {_AIM_DOC})",
              "an error response (429, 5xx, ...) with an OpenAI-style JSON body and `Retry-After`", "status"),
    FaultKind("http.rate_limit", "transport", _http("rate_limited"), {"retry_after": NUMBER, **_AIM},
              f"http_faults.rate_limited(retry_after=1, {_AIM_DOC})",
              "a stateful 429: every request before the window ends gets 429 with the time left", True),
    FaultKind("http.connect_error", "transport", _http("connect_error"), dict(_AIM),
              f"http_faults.connect_error({_AIM_DOC})", "the transport's `ConnectError` at once; the "
              "upstream never sees the request", True),
    FaultKind("http.read_timeout", "transport", _http("read_timeout"), dict(_AIM),
              f"http_faults.read_timeout({_AIM_DOC})", "`ReadTimeout` after the client's own read timeout", True),
    FaultKind("http.remote_protocol_error", "transport", _http("remote_protocol_error"), dict(_AIM),
              f"http_faults.remote_protocol_error({_AIM_DOC})", "the connection drops without a response", True),
    FaultKind("http.slow", "transport", _http("slow"), {"seconds": NUMBER, "per_chunk": NUMBER, **_AIM},
              f"http_faults.slow(seconds, per_chunk=0, {_AIM_DOC})",
              "the answer comes late; past the client's read timeout, `ReadTimeout`", None),
    FaultKind("http.lost_response", "transport", _http("lost_response"), {"as_error": str, **_AIM},
              f"http_faults.lost_response(\"read_timeout\"|\"disconnect\", {_AIM_DOC})",
              "the upstream handled the request (side effects happened), the answer is lost", True),
    FaultKind("http.stalled_stream", "transport", _http("stalled_stream"), {"after_chunks": int, **_AIM},
              f"http_faults.stalled_stream(after_chunks=0, {_AIM_DOC})",
              "the body delivers k chunks and goes silent", True),
    FaultKind("http.cut_stream", "transport", _http("cut_stream"), {"after_chunks": int, "clean": bool, **_AIM},
              f"http_faults.cut_stream(after_chunks=0, clean=False, {_AIM_DOC})",
              "the body ends mid-message: `RemoteProtocolError` (or a clean, truncated end)", True),
    FaultKind("sigterm", "shutdown", _sigterm_fault, {}, "shutdown.sigterm() / engine Sigterm step",
              "a real SIGTERM: the run drains, checkpoints, and a resume finishes it", None),
    FaultKind("kill", "shutdown", _kill_fault, {"grace": NUMBER, "at": str},
              'shutdown.kill(grace=0.05, at="end"|"start") / engine Kill step',
              "SIGTERM then SIGKILL of the child process running the node; a new process resumes", None),
    # Deprecated aliases: the same faults under their old names.
    FaultKind("http_429", "node", _status_429, {"retry_after": NUMBER}, "faults.http_429(retry_after=1)",
              "HTTP 429", "status", deprecated_for="raise_status"),
    FaultKind("http_5xx", "node", _status_5xx, {"status": int, "retry_after": NUMBER}, "faults.http_5xx(503)",
              "HTTP 5xx", "status", deprecated_for="raise_status"),
    FaultKind("http_status", "node", F.raise_status, {"status": int, "retry_after": NUMBER},
              "faults.http_status(status)", "any HTTP error status", "status", deprecated_for="raise_status"),
    FaultKind("connect_error", "node", F.raise_connect_error, {}, "faults.connect_error()",
              "httpx.ConnectError", True, deprecated_for="raise_connect_error"),
    FaultKind("read_timeout", "node", F.raise_read_timeout, {}, "faults.read_timeout()",
              "httpx.ReadTimeout", True, deprecated_for="raise_read_timeout"),
    FaultKind("remote_protocol_error", "node", F.raise_remote_protocol_error, {}, "faults.remote_protocol_error()",
              "httpx.RemoteProtocolError", True, deprecated_for="raise_remote_protocol_error"),
    FaultKind("slow", "node", F.delay, {"seconds": NUMBER}, "faults.slow(seconds)", "extra latency", None,
              deprecated_for="delay"),
)


def register_fault_kind(
    kind: str,
    factory: Callable[..., Fault],
    params: Mapping[str, ParamType],
    doc: str = "",
    level: Level = "node",
    *,
    transient: bool | Literal["status"] | None = None,
) -> None:
    """Make ``kind`` usable by name (scenario files, `lookup_fault`); ``params``: name -> type(s).

    A name already in the table is refused: the kinds of the table mean one thing each.
    """
    if kind in FAULT_KINDS:
        raise ChaosUsageError(f"fault kind {kind!r} already exists ({FAULT_KINDS[kind].effect}); choose another name")
    FAULT_KINDS[kind] = FaultKind(kind, level, factory, params, f"{getattr(factory, '__name__', kind)}(...)",
                                  doc, transient)


def unregister_fault_kind(kind: str) -> None:
    """Remove a kind `register_fault_kind` added (tests clean up with it)."""
    FAULT_KINDS.pop(kind, None)


def kind_names(*, deprecated: bool = False, level: Level | None = None) -> list[str]:
    """Every kind name in table order (the deprecated aliases only when asked)."""
    return [
        name for name, k in FAULT_KINDS.items()
        if (deprecated or k.deprecated_for is None) and (level is None or k.level == level)
    ]


def lookup_fault(name: str, *, stacklevel: int = 2) -> FaultKind:
    """The kind called ``name``: the one way from a name to a fault factory.

    An unknown name is a `ChaosUsageError` that suggests the closest name and lists the valid
    ones; a deprecated name works and warns (`DeprecationWarning`) naming its replacement.
    """
    kind = FAULT_KINDS.get(name)
    if kind is None:
        valid = kind_names()
        close = difflib.get_close_matches(str(name), valid, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ChaosUsageError(f"unknown fault kind {name!r}{hint}; valid kinds: {', '.join(valid)}")
    if kind.deprecated_for is not None:
        warnings.warn(
            f"fault kind {name!r} is deprecated: use {kind.deprecated_for!r} (node-level names no "
            "longer share names with the http.* transport kinds; see docs/reference/faults.md)",
            DeprecationWarning,
            stacklevel=stacklevel + 1,
        )
    return kind


def make_fault(name: str, **params: Any) -> Fault:
    """Build the fault of kind ``name`` with ``params`` (see `lookup_fault`)."""
    return lookup_fault(name, stacklevel=3).factory(**params)


def kind_of(fault: Fault) -> FaultKind:
    """The table row of a fault instance (by its ``kind``)."""
    kind = FAULT_KINDS.get(fault.kind)
    if kind is None:
        raise ChaosUsageError(f"{fault!r} has kind {fault.kind!r}, which is not in chaos.fault_kinds; "
                              "register it with register_fault_kind")
    return kind


def _type_names(t: ParamType) -> str:
    types = t if isinstance(t, tuple) else (t,)
    return " or ".join("number" if x is float else x.__name__ for x in types if not (x is int and float in types))


def _transient(t: bool | Literal["status"] | None) -> str:
    return {True: "yes", False: "no", "status": "429 and 5xx", None: "-"}[t]


def reference_rows(*, deprecated: bool = False) -> list[dict[str, str]]:
    """The reference table, one row per kind."""
    return [
        {
            "kind": name,
            "level": kind.level,
            "constructor": kind.constructor,
            "effect": kind.effect,
            "transient": _transient(kind.transient),
            "parameters": ", ".join(f"{p} ({_type_names(t)})" for p, t in kind.params.items()) or "-",
            "instead": kind.deprecated_for or "",
        }
        for name, kind in FAULT_KINDS.items()
        if (kind.deprecated_for is None) != deprecated
    ]


_LEVEL_TITLES = {
    "node": "Node kinds (`from chaos import faults`)",
    "transport": "Transport kinds (`from chaos.http import faults as http_faults`)",
    "shutdown": "Shutdown kinds (`chaos.shutdown`, the engine's `Sigterm`/`Kill` steps)",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def reference_markdown() -> str:
    """The generated part of ``docs/reference/faults.md``: one table per level, then the old names."""
    out: list[str] = []
    for level, title in _LEVEL_TITLES.items():
        out += [f"### {title}", "", "| kind | constructor | what happens | transient | scenario parameters |",
                "|---|---|---|---|---|"]
        for row in reference_rows():
            if row["level"] == level:
                out.append(f"| `{row['kind']}` | `{_cell(row['constructor'])}` | {_cell(row['effect'])} | "
                           f"{row['transient']} | {_cell(row['parameters'])} |")
        out.append("")
    out += ["### Deprecated names", "", "They still work and warn (`DeprecationWarning`).", "",
            "| old kind | old constructor | instead use |", "|---|---|---|"]
    for row in reference_rows(deprecated=True):
        out.append(f"| `{row['kind']}` | `{_cell(row['constructor'])}` | `{row['instead']}` |")
    return "\n".join(out) + "\n"


__all__ = [
    "FAULT_KINDS",
    "FaultKind",
    "kind_names",
    "kind_of",
    "lookup_fault",
    "make_fault",
    "reference_markdown",
    "reference_rows",
    "register_fault_kind",
    "unregister_fault_kind",
]
