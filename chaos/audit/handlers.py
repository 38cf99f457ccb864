"""Error handler findings: handlers that can hang, handlers that raise.

LangGraph 1.2.22 facts (langgraph-semantics §3): a handler runs as a hidden node
(``__error_handler__<node>``, or ``__default_error_handler__`` from ``set_node_defaults``), gets
the graph's default ``timeout`` and ``retry_policy`` but nothing else, and when it raises the run
fails with the handler's exception: it is not called again for its own failure.
"""

from __future__ import annotations

from collections.abc import Iterator

from chaos.audit.context import AuditContext
from chaos.audit.findings import Finding
from chaos.audit.probe import HANDLER_PROBE_ERROR, handler_site


_PROBE = (type(HANDLER_PROBE_ERROR).__name__, str(HANDLER_PROBE_ERROR))


def handlers_that_can_hang(ctx: AuditContext) -> Iterator[Finding]:
    """LGC401: no TimeoutPolicy reaches the handler node."""
    for info in ctx.handler_nodes():
        if info.can_time_out:
            continue
        kind = "a sync function, which LangGraph cannot time out" if not info.is_async else "given no timeout"
        yield Finding.of(
            "LGC401",
            info.site,
            f"error handler {info.site!r} is {kind}: a handler that hangs (calling the service "
            "that just failed, say) hangs the run after the failure it was meant to contain.",
            "make the handler async and set a timeout for it: set_node_defaults(timeout=...) "
            "applies to handler nodes too",
        )


def handlers_that_raise(ctx: AuditContext) -> Iterator[Finding]:
    """LGC402: given a real NodeError, the handler raised something else."""
    for site, journal in ctx.probes.handler_runs.items():
        handler = handler_site(ctx, site)
        failed = [a for a in journal.by_node(handler or "") if a.outcome == "error"]
        # Re-raising the node's own error is a deliberate "not mine to handle"; a different
        # exception means the handler itself broke.
        crashed = [a for a in failed if (a.error, a.error_message) != _PROBE]
        if not crashed:
            continue
        a = crashed[0]
        yield Finding.of(
            "LGC402",
            handler or site,
            f"error handler {handler!r} raised {a.error}({a.error_message}) when node {site!r} "
            "failed: the run fails with the handler's error instead of degrading.",
            "make the handler total: read state with .get(), catch its own failures, and return "
            "a Command or an update for every error it is given",
        )
