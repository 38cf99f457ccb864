"""Timeout findings: nodes a hang would hang forever, idle timeouts nothing refreshes.

LangGraph 1.2.22 facts (langgraph-semantics §2): only async nodes can have a TimeoutPolicy
(``compile()`` rejects one on a sync node); a subgraph node's timeout also bounds the nodes
inside it; ``refresh_on="heartbeat"`` counts only ``runtime.heartbeat()``, so a node that never
heartbeats times out with ``kind="idle"`` as soon as it runs longer than ``idle_timeout``.
"""

from __future__ import annotations

from collections.abc import Iterator

from chaos.audit.context import AuditContext, accepts
from chaos.audit.findings import Finding


def sync_nodes_without_timeout(ctx: AuditContext) -> Iterator[Finding]:
    """LGC101: a sync node nothing can time out."""
    for info in ctx.user_nodes():
        if info.is_async or info.can_time_out:
            continue
        calls = ctx.probes.http(info.site)
        seen = f" It sent {len(calls)} HTTP request(s) in the probe run." if calls else ""
        yield Finding.of(
            "LGC101",
            info.site,
            f"sync node {info.site!r} cannot be timed out (LangGraph rejects a TimeoutPolicy on "
            f"a sync node at compile), so if it hangs the whole run hangs.{seen}",
            f"make it `async def` (wrap blocking calls in `await asyncio.to_thread(...)`) and "
            f"add timeout=TimeoutPolicy(run_timeout=...) to add_node({_name(info.site)!r}, ...)",
        )


def http_without_timeout(ctx: AuditContext) -> Iterator[Finding]:
    """LGC102: an async node seen calling out over HTTP with no timeout reaching it.

    A request made with the client's own read timeout (``httpx.AsyncClient(timeout=10)``,
    ``requests.get(url, timeout=10)``) is bounded by it: only requests with none count.
    """
    for info in ctx.user_nodes():
        calls = [c for c in ctx.probes.http(info.site) if getattr(c, "read_timeout", None) is None]
        if not info.is_async or info.can_time_out or not calls:
            continue
        first = calls[0]
        yield Finding.of(
            "LGC102",
            info.site,
            f"async node {info.site!r} sent {len(calls)} HTTP request(s) in the probe run "
            f"({first.method} {first.url}) with no client timeout, and no TimeoutPolicy reaches it: "
            "an upstream that never answers hangs the run.",
            f"add timeout=TimeoutPolicy(run_timeout=...) to add_node({_name(info.site)!r}, ...) "
            "(or set_node_defaults(timeout=...)) and retry NodeTimeoutError, or give the client a "
            "timeout (httpx.AsyncClient(timeout=30))",
        )


def async_without_timeout(ctx: AuditContext) -> Iterator[Finding]:
    """LGC105: an async node no timeout reaches, that the probe did not see doing I/O.

    LGC102 reports the ones seen sending HTTP. The rest may still await something the harness
    does not see (a database driver, a raw socket, a queue, a lock): if it never returns, the
    run hangs. A warning, since a node that only computes never hangs; only nodes that ran in
    the probe are judged (one that never ran tells nothing).
    """
    for info in ctx.user_nodes():
        if not info.is_async or info.can_time_out or not ctx.probes.ran(info.site) or ctx.probes.http(info.site):
            continue
        yield Finding.of(
            "LGC105",
            info.site,
            f"async node {info.site!r} has no TimeoutPolicy and sent no HTTP request in the probe "
            "run: if anything it awaits (a database, a socket, a queue, a lock) never answers, the "
            "run hangs, and nothing the harness sees would show why.",
            f"add timeout=TimeoutPolicy(run_timeout=...) to add_node({_name(info.site)!r}, ...) (or "
            "set_node_defaults(timeout=...)); if the node only computes, silence LGC105 for it",
        )


def idle_timeout_without_heartbeat(ctx: AuditContext) -> Iterator[Finding]:
    """LGC103: ``refresh_on="heartbeat"`` on a node that never heartbeats."""
    for info in ctx.user_nodes():
        tp = info.timeout
        if not (info.is_async and tp is not None and tp.idle_timeout and tp.refresh_on == "heartbeat"):
            continue
        if accepts(info, "runtime") is False:
            why = "its function takes no `runtime` parameter, so it cannot call runtime.heartbeat()"
        elif info.site in ctx.probes.silent:
            why = "it ran in the probe run without calling runtime.heartbeat() once"
        else:
            continue
        yield Finding.of(
            "LGC103",
            info.site,
            f"node {info.site!r} has idle_timeout={tp.idle_timeout:g} refreshed only by heartbeats "
            f"and {why}: any run longer than {tp.idle_timeout:g} s fails with kind='idle'.",
            "accept `runtime: Runtime` and call runtime.heartbeat() on progress, or use "
            "refresh_on='auto' (stream writes, callbacks and child tasks count), or drop idle_timeout",
        )


def _name(site: str) -> str:
    return site.rsplit("/", 1)[-1]
