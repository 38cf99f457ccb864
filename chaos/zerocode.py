"""What a zero-code target runs with: its inputs, its sealed network, its environment, its store.

`TargetSetup` gathers everything ``pytest --chaos`` gives one target without test code: the
input, config and context (``--chaos-input``/``--chaos-config``/``--chaos-context`` and their ini
twins), the happy path (``--chaos-routes``, the session's respx routers, the built-in model
fakes), the ``langgraph.json`` environment, and a store. A conftest can change any of it in the
``pytest_chaos_setup(setup)`` hook (for what JSON cannot carry: a store, a context object, a
client, scripted model replies).

`TargetSetup.hooks` are the run hooks of every trial: the environment applied, a fresh copy of
the user's store, and the sealed network (`chaos.http.HttpChaos` with ``seal=True``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chaos.http.fakes import ModelFakes, missing_credentials

if TYPE_CHECKING:
    import respx

    from chaos.context import RunContext
    from chaos.http import HttpChaos
    from chaos.http.routes_file import RoutesFile
    from chaos.inject import InstrumentedGraph
    from chaos.trial import RunHook


@dataclass
class TargetSetup:
    """The inputs and happy path of one zero-code target (editable in ``pytest_chaos_setup``).

    Attributes:
        target: the target as written (``app.graph:builder``, ``langgraph.json:agent`` ...).
        input: the graph input (``--chaos-input``).
        config: the RunnableConfig (``--chaos-config``); its thread id is the harness's own.
        context: the run context (``--chaos-context``; a dict is coerced to the graph's
            ``context_schema``, as LangGraph does); None: ``{}`` when the graph declares a
            context schema (its defaults), as the LangGraph server does.
        store: a store to give the graph (each run gets its own copy; see `isolated_store`).
        env: environment variables set around every run (``langgraph.json``'s ``env``).
        fakes: the built-in model fakes; script replies with ``setup.fakes.script(node, ...)``;
            set to None to turn them off.
        routers: respx routers answering before the fakes (the routes file's come first).
        answers: values to resume interrupts with (``--chaos-answers``).
    """

    target: str
    input: Any = None
    config: dict[str, Any] | None = None
    context: Any = None
    store: Any = None
    env: dict[str, str] = field(default_factory=dict)
    fakes: ModelFakes | None = field(default_factory=ModelFakes)
    routers: list[respx.Router] = field(default_factory=list)
    routes_file: RoutesFile | None = None
    answers: list[Any] = field(default_factory=list)
    #: The user's graph as loaded (builder or compiled); the audit instruments its own copy.
    graph: Any = None

    def context_for(self, inst: InstrumentedGraph) -> Any:
        """The context to run with (see the attribute's doc)."""
        schema = getattr(inst.graph, "context_schema", None)
        if self.context is not None or schema is None:
            return self.context
        from langgraph.pregel.main import _coerce_context

        try:
            return _coerce_context(schema, {})
        except (TypeError, ValueError):
            # Required fields and no --chaos-context: run without one. A graph that reads it
            # fails its baseline, which names the error; one that declared it only through the
            # old config_schema (read from config["configurable"]) runs as it does in production.
            return None

    def http(self, inst: InstrumentedGraph) -> HttpChaos:
        """The sealed network of this target's runs (one per target; routes, routers, fakes)."""
        from chaos.http import HttpChaos
        from chaos.http.seal import service_endpoints

        graph = inst.graph
        http = HttpChaos(
            fakes=self.fakes, seal=True,
            allow=service_endpoints(graph.checkpointer, graph.cache, graph.store, self.store),
        )
        if self.routes_file is not None:
            self.routes_file.apply(http)
        for router in self.routers:
            http.use(router)
        return http

    def env_with_credentials(self) -> dict[str, str]:
        """``env`` plus placeholder SDK keys for those the environment lacks."""
        return {**missing_credentials(_environ_with(self.env)), **self.env}

    def hooks(self, inst: InstrumentedGraph, http: HttpChaos | None = None) -> list[RunHook]:
        """The run hooks of every trial of this target, outermost first."""
        return [environment(self.env_with_credentials()), isolated_store(inst, self.store), http or self.http(inst)]


def _environ_with(env: Mapping[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **env}


def environment(env: Mapping[str, str]) -> RunHook:
    """A run hook setting ``env`` in ``os.environ`` for the run, restoring it after."""
    from chaos.targets import applied_env

    def hook(ctx: RunContext) -> Any:
        return applied_env(env)

    return hook


def isolated_store(inst: InstrumentedGraph, store: Any) -> RunHook:
    """A run hook giving each run its own copy of the store, so runs never see each other's
    writes (the baseline's items would otherwise change what the chaos run reads).

    The copy starts with what the user's store holds (seeded data is visible); writes go to the
    copy and are dropped after the run. An `InMemoryStore` is copied; another store is given a
    fresh `InMemoryStore` with the same index configuration.
    """

    @contextmanager
    def hook(ctx: RunContext) -> Iterator[None]:
        original = inst.graph.store
        source = store if store is not None else original
        if source is None:
            yield
            return
        inst.graph.store = _copy_store(source)
        try:
            yield
        finally:
            inst.graph.store = original

    return hook


def _copy_store(store: Any) -> Any:
    from langgraph.store.memory import InMemoryStore

    if isinstance(store, InMemoryStore):
        fresh = InMemoryStore(index=getattr(store, "index_config", None))
        fresh._data = copy.deepcopy(store._data)
        fresh._vectors = copy.deepcopy(store._vectors)
        return fresh
    return InMemoryStore(index=getattr(store, "index_config", None))



def unanswered(baseline: Any) -> str | None:
    """Why the fault-free baseline could not run as production would, if it could not: the
    requests it sent that nothing answered (method, URL, node, and the route to add)."""
    if baseline is None:
        return None
    lines = []
    seen: set[tuple[str, str]] = set()
    for rec in baseline.http:
        if rec.error not in ("UnmatchedRequest", "SealedNetworkError") or (rec.method, rec.url) in seen:
            continue
        seen.add((rec.method, rec.url))
        who = f"node {rec.node!r}" if rec.node else "code outside any node"
        url = rec.url.split("?", 1)[0]
        if rec.error == "SealedNetworkError":
            lines.append(
                f"{who} opened a connection to {url} with a client the seal cannot answer at the HTTP "
                "level (it was refused). Use httpx, requests, urllib3, urllib or aiohttp (with "
                "aioresponses installed), or answer it in a pytest_chaos_setup hook."
            )
        else:
            lines.append(
                f"{rec.method} {url}, sent by {who}, has no happy-path answer. Add to the "
                f'--chaos-routes file: [[routes]] method = "{rec.method}" url = "{url}" json = {{...}} '
                "(or a respx route in a pytest_chaos_setup hook: setup.routers.append(router))."
            )
    if lines:
        return "the fault-free baseline sent requests nothing answers, so no verdict: " + " ".join(lines)
    return None  # a baseline that failed otherwise is the engine's inconclusive verdict


__all__ = ["TargetSetup", "environment", "isolated_store", "unanswered"]
