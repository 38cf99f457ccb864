"""Resolve ``MODULE:ATTR`` targets to graphs, with errors that say how to fix them."""

from __future__ import annotations

import importlib
import json
from typing import Any

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from chaos.errors import ChaosUsageError


def load_target(spec: str) -> StateGraph | Pregel:
    """Import ``MODULE:ATTR`` and return the builder or compiled graph it names.

    ATTR may be a `StateGraph` builder, a compiled graph, or a zero-argument callable that
    returns either. Dotted attributes (``pkg.mod:obj.graph``) are followed.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ChaosUsageError(
            f"--chaos-target={spec!r}: expected MODULE:ATTR, for example "
            "--chaos-target=myapp.graphs:builder"
        )
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ChaosUsageError(
            f"--chaos-target={spec!r}: cannot import module {module_name!r} ({exc}). Is it on "
            "sys.path? Run pytest from the project root or set pythonpath in the ini file."
        ) from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise ChaosUsageError(
                f"--chaos-target={spec!r}: {module_name} has no attribute {attr!r}. "
                f"Available names: {', '.join(names[:30])}"
            ) from exc
    if not isinstance(obj, (StateGraph, Pregel)) and callable(obj):
        try:
            obj = obj()
        except TypeError as exc:
            raise ChaosUsageError(
                f"--chaos-target={spec!r}: calling {attr}() failed ({exc}); a callable target "
                "must take no arguments and return a StateGraph or a compiled graph"
            ) from exc
    if not isinstance(obj, (StateGraph, Pregel)):
        raise ChaosUsageError(
            f"--chaos-target={spec!r} is a {type(obj).__name__}, not a graph: point it at a "
            "StateGraph builder, a compiled graph, or a zero-argument function returning one"
        )
    return obj


def parse_input(text: str | None, *, source: str = "--chaos-input") -> Any:
    """Parse the JSON input given to targets (an empty object when not given)."""
    if text is None or text == "":
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ChaosUsageError(
            f"{source}={text!r} is not valid JSON ({exc.msg} at column {exc.colno}); "
            """write it like --chaos-input='{"query": "hello"}'"""
        ) from exc
