"""What a scenario file says, once parsed and validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos.engine.drive import DEFAULT as DEFAULT_DRIVE
from chaos.engine.drive import Drive
from chaos.engine.steps import Invoke, Kill, Step
from chaos.faults import Injection


@dataclass(frozen=True)
class FaultSpec:
    """One ``[[faults]]`` table: the fault, where it lands, and the line it came from."""

    injection: Injection
    line: int | None = None
    node_line: int | None = None


@dataclass(frozen=True)
class Route:
    """One ``[[routes]]`` table: a happy-path answer of the mocked upstream (respx)."""

    method: str
    url: str | None
    url_prefix: str | None
    status: int = 200
    json: Any = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def add_to(self, http: Any) -> None:
        """Register this route on a `chaos.http.HttpChaos`."""
        lookup = {"url": self.url} if self.url is not None else {"url__startswith": self.url_prefix}
        body: dict[str, Any] = {"headers": self.headers}
        if self.json is not None:
            body["json"] = self.json
        elif self.text is not None:
            body["text"] = self.text
        http.route(method=self.method, **lookup).respond(self.status, **body)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file.

    Attributes:
        path: the file.
        name: a short name (defaults to the file stem).
        target: ``MODULE:ATTR`` of the graph.
        inputs: one or more inputs; each becomes its own set of trials.
        faults: the injections (same vocabulary as the Python API and markers).
        trials: trials per input.
        clock: ``simulated`` or ``real``.
        checkpointer: ``sqlite`` (embedded default), ``memory`` or ``postgres``
            (``$CHAOS_POSTGRES_URL``).
        idempotent: nodes whose rerun after a kill is harmless (kill scenarios).
        repeat: waits (simulated seconds) after which the same input is invoked again, each on
            a fresh thread within the trial (cache hits and TTL expiry): shorthand for steps.
        steps: the thread's history (`chaos.engine.steps`), from ``[[steps]]`` or ``repeat``.
        cache_ttl: when set, overrides the TTL of every CachePolicy in the graph (seconds).
        disable: invariants turned off.
        nondeterministic: state fields ``steady_state`` ignores.
        config: extra RunnableConfig entries (e.g. ``recursion_limit``).
        drive: how every run calls the graph (``invoke = "..."``, the ``--chaos-invoke``
            grammar of `chaos.engine.drive`; default ``astream:updates,values``).
    """

    path: Path
    name: str
    target: str
    inputs: list[Any]
    faults: list[FaultSpec]
    trials: int = 1
    clock: str = "simulated"
    checkpointer: str = "sqlite"
    cache_ttl: float | None = None
    disable: list[str] = field(default_factory=list)
    nondeterministic: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    idempotent: list[str] = field(default_factory=list)
    repeat: list[float] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    steps: tuple[Step, ...] = (Invoke(),)
    drive: Drive = DEFAULT_DRIVE

    @property
    def uses_http(self) -> bool:
        return bool(self.routes) or any(f.injection.fault.level == "http" for f in self.faults)

    @property
    def shutdown_kind(self) -> str | None:
        """``"sigterm"`` or ``"kill"`` when this scenario is a drain or kill trial."""
        kinds = {f.injection.fault.kind for f in self.faults} & {"sigterm", "kill"}
        return kinds.pop() if kinds else None

    @property
    def kill_step(self) -> Kill | None:
        """The ``kind = "kill"`` step of ``[[steps]]``, if any (its history runs in child processes)."""
        return next((s for s in self.steps if isinstance(s, Kill)), None)

    @property
    def injections(self) -> list[Injection]:
        return [f.injection for f in self.faults]
