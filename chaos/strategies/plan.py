"""Fault plans as values: `FaultPlan` and the Python source of a fault (no hypothesis needed)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import httpx

from chaos import faults as _faults
from chaos.faults import Fault, Injection


def fault_source(fault: Fault) -> str:
    """Python source that builds ``fault`` (``faults.raise_status(429, retry_after=2)``), for snippets.

    Node faults use ``faults`` (``from chaos import faults``), transport faults
    ``http_faults`` (``from chaos.http import faults as http_faults``).
    """
    f = fault
    if isinstance(f, _faults.RaiseError):
        return f"faults.exception({_error_source(f.error)})"
    if isinstance(f, _faults.HttpStatus):
        ra = "" if f.retry_after is None else f", retry_after={_num(f.retry_after)}"
        return f"faults.raise_status({f.status}{ra})"
    if isinstance(f, _faults.TransportError):
        return f"faults.{f.kind}()"  # raise_connect_error(), raise_read_timeout(), ...
    if isinstance(f, _faults.Hang):
        return "faults.hang()"
    if isinstance(f, _faults.Stall):
        return f"faults.stall(after_heartbeats={f.after_heartbeats})"
    if isinstance(f, _faults.Slow):
        return f"faults.delay({_num(f.seconds)})"
    if isinstance(f, _faults.LostResult):
        default = f.error is httpx.ReadTimeout
        return "faults.lost_result()" if default else f"faults.lost_result({_error_source(f.error)})"
    if f.level == "http":
        return _http_source(f)
    return repr(f)


def _num(value: Any) -> str:
    if isinstance(value, datetime):
        return repr(value)
    return f"{value:g}" if isinstance(value, float) else repr(value)


def _error_source(error: BaseException | type[BaseException]) -> str:
    if isinstance(error, type):
        return error.__name__
    return repr(error)


def _http_source(f: Any) -> str:
    from chaos.http import faults as hf

    kw: list[str] = []
    if isinstance(f, hf.Status):
        name, args = "status", [str(f.status)]
        if f.retry_after is not None:
            kw.append(f"retry_after={_num(f.retry_after)}")
    elif isinstance(f, hf.RateLimit):
        name, args = "rate_limited", [_num(f.retry_after)]
        if f.requests is None:
            kw.append("requests=None")  # rate_limited() defaults to requests=1
        elif f.requests == frozenset({1}):
            f = dataclasses.replace(f, requests=None)  # the default: leave it out
    elif isinstance(f, hf.TransportFailure):
        name, args = {"connect": "connect_error", "read_timeout": "read_timeout",
                      "remote_protocol": "remote_protocol_error"}[f.error], []
    elif isinstance(f, hf.LostResponse):
        name, args = "lost_response", ([] if f.as_error == "read_timeout" else [repr(f.as_error)])
    elif isinstance(f, hf.SlowResponse):
        name, args = "slow", [_num(f.seconds)]
        if f.per_chunk:
            kw.append(f"per_chunk={_num(f.per_chunk)}")
    elif isinstance(f, hf.StalledStream):
        name, args = "stalled_stream", [str(f.after_chunks)]
    elif isinstance(f, hf.CutStream):
        name, args = "cut_stream", [str(f.after_chunks)]
        if f.clean:
            kw.append("clean=True")
    else:
        return repr(f)
    if f.url is not None:
        kw.append(f"url={getattr(f.url, 'pattern', f.url)!r}")
    if f.method is not None:
        kw.append(f"method={f.method!r}")
    if f.requests is not None:
        kw.append(f"requests={sorted(f.requests)}")
    return f"http_faults.{name}({', '.join(args + kw)})"


def _injection_args(inj: Injection) -> str:
    parts = [fault_source(inj.fault), f'node="{inj.node}"']
    if inj.attempts is not None:
        parts.append(f"attempts={sorted(inj.attempts)}")
    if inj.probability != 1.0:
        parts.append(f"probability={inj.probability:g}")
    if inj.times is not None:
        parts.append(f"times={inj.times}")
    return ", ".join(parts)


class FaultPlan(tuple[Injection, ...]):
    """An ordered schedule of injections for one trial (a tuple of `Injection`).

    ``repr`` is Python that rebuilds it; `snippet` gives the same plan as ``chaos.inject(...)``
    lines for a test that uses the ``chaos`` fixture.
    """

    @classmethod
    def of(cls, *injections: Injection) -> FaultPlan:
        return cls(injections)

    def snippet(self, indent: str = "") -> str:
        """One ``chaos.inject(fault, node=..., attempts=[...])`` line per injection."""
        if not self:
            return f"{indent}# (no faults)"
        return "\n".join(f"{indent}chaos.inject({_injection_args(i)})" for i in self)

    def __repr__(self) -> str:
        if not self:
            return "FaultPlan.of()"
        body = "".join(f"\n    Injection.of({_injection_args(i)})," for i in self)
        return f"FaultPlan.of({body}\n)"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # hypothesis' printer
        p.text(repr(self))
