"""Cancellation findings: node code that swallows ``asyncio.CancelledError``.

When a ``run_timeout`` fires, or a sibling fails, LangGraph cancels the node's task. A node
that catches the ``CancelledError`` (``except asyncio.CancelledError``, ``except
BaseException`` or a bare ``except:``) and does not raise again keeps running after the run gave
up on it and returns stale data (the ``cancellation`` invariant catches it in a trial). Read
from the node function's source: a handler of such an exception whose body has no ``raise``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator
from typing import Any

from chaos.audit.context import AuditContext
from chaos.audit.findings import Finding

_CATCHES_CANCEL = {"CancelledError", "BaseException"}


def swallowed_cancellations(ctx: AuditContext) -> Iterator[Finding]:
    """LGC104: an async node catches CancelledError (or everything) and does not re-raise."""
    for info in ctx.user_nodes():
        if not info.is_async:
            continue  # a sync body is never cancelled (LangGraph cannot interrupt a thread)
        fn = node_function(info.spec)
        if fn is None:
            continue
        for line, caught in swallowing_handlers(fn):
            yield Finding.of(
                "LGC104",
                info.site,
                f"node {info.site!r} catches {caught} at line {line} and does not raise again: "
                "when its run_timeout fires or a sibling fails, LangGraph cancels it, and the node "
                "carries on and returns stale data nobody waits for.",
                "re-raise after cleaning up: `except asyncio.CancelledError: <clean up>; raise` "
                "(catch Exception, not BaseException, for ordinary errors)",
            )


def node_function(spec: Any) -> Any:
    """The user's function behind a node spec (through the harness's wrapper), if any."""
    runnable = getattr(spec, "runnable", None)
    fn = getattr(runnable, "afunc", None) or getattr(runnable, "func", None)
    if fn is None:
        return None
    try:
        return inspect.unwrap(fn)
    except ValueError:  # a __wrapped__ cycle
        return None


def swallowing_handlers(fn: Any) -> list[tuple[int, str]]:
    """(line, what) for every ``except`` in ``fn`` that catches CancelledError and never raises."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        first = inspect.getsourcelines(fn)[1]
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return []  # no source (a builtin, a lambda in a REPL): nothing to read
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler):
            continue
        caught = _catches_cancel(node.type)
        if caught is None or _raises(node.body):
            continue
        out.append((first + node.lineno - 1, caught))
    return out


def _catches_cancel(expr: ast.expr | None) -> str | None:
    if expr is None:
        return "everything (a bare `except:`)"
    names = expr.elts if isinstance(expr, ast.Tuple) else [expr]
    for name in names:
        ident = name.attr if isinstance(name, ast.Attribute) else getattr(name, "id", None)
        if ident in _CATCHES_CANCEL:
            return ident if ident != "CancelledError" else "asyncio.CancelledError"
    return None


def _raises(body: list[ast.stmt]) -> bool:
    """A ``raise`` anywhere in the handler (not inside a nested function or class)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        todo.extend(ast.iter_child_nodes(node))
    return False
