"""The sealed network of a kill trial: the in-process runs and every child process alike.

No request may leave a trial. The in-process trials of the zero-code suite are sealed by their
`chaos.http.HttpChaos` (``seal=True``); a kill trial's history runs partly in child processes,
and each child must be sealed the same way, with the same routes and model fakes, whichever
front end started it (the suite, `chaos.Chaos.kill`, `chaos.shutdown.run_kill_trial`):

- the run hooks reach the child: the front end's ``prepare`` (a picklable callable that
  rebuilds them there), or else the parent's own hooks, pickled (`child_hooks`);
- `sealed_hooks` then completes them: an `HttpChaos` router when none is among them (every
  client library answered by routes, a request no route answers is an error, never the
  network), and innermost a backstop that refuses every IP socket and every name lookup but
  those of the graph's own checkpointer, cache and store (`sealed_sockets` and
  `sealed_resolver` of `chaos.http.seal`, the same backstop as the in-process seal).

Refused connections and lookups are journaled as ``CONNECT`` / ``RESOLVE`` records of
``Journal.http`` with the attempt that made them.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from chaos.context import RunContext
from chaos.engine.executor import RunHook
from chaos.errors import ChaosUsageError
from chaos.http.seal import Endpoint, journal_refused, sealed_resolver, sealed_sockets, service_endpoints

def network_seal(allow: Iterable[Endpoint]) -> RunHook:
    """A run hook: sockets and lookups refused but for ``allow``, each refusal journaled."""
    endpoints = frozenset(allow)

    @contextmanager
    def hook(ctx: RunContext) -> Iterator[None]:
        with ExitStack() as stack:
            stack.enter_context(sealed_sockets(
                endpoints, lambda where: journal_refused(ctx, "CONNECT", f"tcp://{where[0]}:{where[1]}")))
            stack.enter_context(sealed_resolver(endpoints, lambda name: journal_refused(ctx, "RESOLVE", f"dns://{name}")))
            yield

    return hook


def services_of(graph: Any, *extra: Any) -> frozenset[Endpoint]:
    """The addresses of ``graph``'s checkpointer, cache and store (and of ``extra`` objects)."""
    saver = getattr(graph, "checkpointer", None)
    inner = getattr(saver, "inner", None)
    return service_endpoints(saver, inner, getattr(inner, "inner", None), getattr(graph, "cache", None),
                             getattr(graph, "store", None), *extra)


def _revived(response: Any) -> Any:
    """An unpickled ``httpx.Response`` with its body readable again (httpx pickles a response
    without its stream: respx would answer ``StreamClosed``)."""
    import httpx

    if isinstance(response, httpx.Response) and hasattr(response, "_content"):
        return httpx.Response(response.status_code, headers=response.headers, content=response.content,
                              extensions={"http_version": response.http_version.encode()})
    return response


def revive_routes(hook: Any) -> None:
    """Make the routes of an unpickled `HttpChaos` answer as they did in the parent."""
    from chaos.http import HttpChaos

    if not isinstance(hook, HttpChaos):
        return
    for router in (hook.router, *hook.routers):
        for route in router.routes:
            value = route.return_value
            if value is not None:
                route.return_value = _revived(value)
            effect = route.side_effect
            if isinstance(effect, (list, tuple)):
                route.side_effect = [_revived(e) for e in effect]


def sealed_hooks(hooks: Sequence[RunHook], allow: Iterable[Endpoint]) -> list[RunHook]:
    """``hooks`` completed into a sealed network (see the module doc): an `HttpChaos` router
    when none is among them, and the socket and lookup backstop innermost."""
    from chaos.http import HttpChaos

    endpoints = frozenset(allow)
    out = list(hooks)
    if not any(isinstance(h, HttpChaos) for h in out):
        out.append(HttpChaos(seal=True, allow=endpoints))
    out.append(network_seal(endpoints | {e for h in out if isinstance(h, HttpChaos) for e in h.allow}))
    return out


def picklable_or_error(value: Any, what: str) -> Any:
    """``value``, checked to reach a kill trial's child process (pickled by the forkserver)."""
    try:
        pickle.dumps(value)
    except Exception as exc:  # any pickling failure: the child could not rebuild it
        raise ChaosUsageError(
            f"{what} {value!r} cannot be sent to a kill trial's child process ({type(exc).__name__}: {exc}); "
            "give a picklable value (a module-level class or function), or build it in the child with "
            "prepare=, a module-level function (inst) -> (hooks, config, context)"
        ) from exc
    return value


def child_hooks(hooks: Sequence[RunHook], prepare: Any) -> Sequence[RunHook]:
    """What a kill trial sends its children to rebuild the runs' hooks with: nothing when a
    ``prepare`` callable rebuilds them there, else the hooks themselves (pickled by the
    forkserver); a usage error naming the fix when they cannot be pickled."""
    if prepare is not None:
        if not callable(prepare):
            raise ChaosUsageError(f"prepare={prepare!r}: give a picklable callable (inst) -> (hooks, config, context)")
        return ()
    for hook in hooks:
        # Every child runs with the same routes as the in-process runs: routes without lambdas
        # (respond(...), return_value) pickle.
        picklable_or_error(hook, "the run hook")
    return tuple(hooks)


__all__ = ["child_hooks", "network_seal", "picklable_or_error", "revive_routes", "sealed_hooks", "services_of"]
