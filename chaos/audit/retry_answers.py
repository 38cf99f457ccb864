"""Retry findings from asking ``retry_on`` about real exceptions of real client libraries.

LangGraph's own matcher (`chaos.audit.policies.retries`) is asked, for each node with a retrying
policy, about exceptions built the way the libraries raise them:

- LGC205: exceptions that mean bad input (``ValueError``, ``TypeError``, ``KeyError``,
  ``json.JSONDecodeError``, pydantic ``ValidationError``): retrying them repeats the same
  failure (the ``retry_sanity`` invariant catches it in a trial);
- LGC206: surprising answers about the HTTP clients the node's module uses (``requests``,
  ``httpx``, ``openai``, ``anthropic``): a 4xx retried (the request is wrong, or unauthorized),
  or a connection error not retried (the request never left: retrying is always safe). Timeouts
  are not asked about: after one the request may have been applied, and not retrying it is the
  right answer for a non-idempotent call (LGC202). ``default_retry_on`` itself answers both ways
  wrong for ``requests``: every ``requests.HTTPError`` is retried (``Response.__bool__`` is
  ``.ok``), and ``requests.ConnectionError`` is not (it subclasses ``OSError``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from chaos.audit.cancellation import node_function
from chaos.audit.context import AuditContext
from chaos.audit.findings import Finding
from chaos.audit.policies import effective_policies, retries

_URL = "https://upstream.chaos.invalid/v1/call"


def bad_input_errors() -> dict[str, Exception]:
    """One real instance of each exception that means "the input is wrong"."""
    out: dict[str, Exception] = {
        "ValueError": ValueError("invalid literal for int() with base 10: 'abc'"),
        "TypeError": TypeError("unsupported operand type(s) for +: 'int' and 'str'"),
        "KeyError": KeyError("customer_id"),
    }
    try:
        json.loads("{not json")
    except json.JSONDecodeError as exc:
        out["json.JSONDecodeError"] = exc
    try:
        import pydantic

        pydantic.TypeAdapter(int).validate_python("abc")
    except ImportError:  # pragma: no cover - pydantic comes with langchain-core
        pass
    except Exception as exc:
        out["pydantic.ValidationError"] = exc
    return out


def retry_on_bad_input(ctx: AuditContext) -> Iterator[Finding]:
    """LGC205: retry_on accepts exceptions that mean bad input."""
    errors = bad_input_errors()
    for info in ctx.user_nodes():
        policies = effective_policies(info, ctx.graph_policy)
        if not any(p.max_attempts > 1 for p in policies):
            continue
        accepted = [name for name, exc in errors.items() if retries(policies, exc)]
        if not accepted:
            continue
        yield Finding.of(
            "LGC205",
            info.site,
            f"node {info.site!r}: its retry_on retries {', '.join(accepted)}, which mean bad input "
            "or a bug: every retry fails the same way and only adds latency and load.",
            "retry transient errors only (connection errors, timeouts, 429, 5xx): e.g. "
            "retry_on=lambda e: isinstance(e, (httpx.TransportError, httpx.HTTPStatusError)) and "
            "not (400 <= getattr(getattr(e, 'response', None), 'status_code', 500) < 500 and "
            "e.response.status_code != 429)",
        )


#: (library, description, exception factory, should it be retried?)
Probe = tuple[str, str, Callable[[], Exception], bool]


def _requests_probes() -> list[Probe]:
    import requests

    def http_error(status: int) -> Exception:
        response = requests.Response()
        response.status_code = status
        response.url = _URL
        return requests.HTTPError(f"{status} Client Error", response=response)

    return [
        ("requests", "requests.HTTPError 400", lambda: http_error(400), False),
        ("requests", "requests.HTTPError 404", lambda: http_error(404), False),
        ("requests", "requests.ConnectionError", lambda: requests.ConnectionError("refused"), True),
    ]


def _httpx_probes() -> list[Probe]:
    request = httpx.Request("POST", _URL)

    def status(code: int) -> Exception:
        return httpx.HTTPStatusError(f"{code}", request=request, response=httpx.Response(code, request=request))

    return [
        ("httpx", "httpx.HTTPStatusError 400", lambda: status(400), False),
        ("httpx", "httpx.HTTPStatusError 401", lambda: status(401), False),
        ("httpx", "httpx.ConnectError", lambda: httpx.ConnectError("refused", request=request), True),
    ]


def _sdk_probes(name: str) -> list[Probe]:
    """openai and anthropic share the Stainless client's exception classes."""
    try:
        sdk: Any = __import__(name)
    except ImportError:
        return []
    request = httpx.Request("POST", _URL)

    def bad_request() -> Exception:
        return sdk.BadRequestError("invalid", response=httpx.Response(400, request=request), body=None)  # type: ignore[no-any-return]  # an optional SDK, imported untyped

    return [
        (name, f"{name}.BadRequestError 400", bad_request, False),
        (name, f"{name}.APIConnectionError", lambda: sdk.APIConnectionError(request=request), True),
    ]


def probes_for(libraries: set[str]) -> list[Probe]:
    out: list[Probe] = []
    if "requests" in libraries:
        try:
            out += _requests_probes()
        except ImportError:  # pragma: no cover
            pass
    if "httpx" in libraries:
        out += _httpx_probes()
    for sdk in ("openai", "anthropic"):
        if sdk in libraries:
            out += _sdk_probes(sdk)
    return out


def libraries_used(fn: Any) -> set[str]:
    """The HTTP client libraries a node function refers to (globals it names, its closure)."""
    roots = {"requests", "httpx", "openai", "anthropic", "langchain_openai", "langchain_anthropic"}
    code = getattr(fn, "__code__", None)
    if code is None:
        return set()
    names: set[str] = set()
    todo = [code]
    while todo:
        c = todo.pop()
        names.update(c.co_names)
        todo.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    scope = getattr(fn, "__globals__", {})
    values = [scope[n] for n in names if n in scope]
    values += [cell.cell_contents for cell in (getattr(fn, "__closure__", None) or ()) if _filled(cell)]
    found: set[str] = set()
    for value in values:
        module = getattr(value, "__name__", "") if isinstance(value, type(json)) else getattr(type(value), "__module__", "")
        if isinstance(value, type):
            module = value.__module__
        root = str(module or "").split(".")[0]
        if root in roots:
            found.add(root.replace("langchain_", ""))
    return found


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # an empty cell
        return False
    return True


def surprising_retry_answers(ctx: AuditContext) -> Iterator[Finding]:
    """LGC206: retry_on retries a 4xx, or does not retry a connection error or timeout."""
    for info in ctx.user_nodes():
        policies = effective_policies(info, ctx.graph_policy)
        if not any(p.max_attempts > 1 for p in policies):
            continue
        fn = node_function(info.spec)
        if fn is None:
            continue
        wrong_4xx, missed = [], []
        for _lib, what, make, expected in probes_for(libraries_used(fn)):
            try:
                exc = make()
            except Exception:  # an SDK whose constructor changed: skip that question
                continue
            answer = retries(policies, exc)
            if answer and not expected:
                wrong_4xx.append(what)
            elif expected and not answer:
                missed.append(what)
        if not (wrong_4xx or missed):
            continue
        parts = []
        if wrong_4xx:
            parts.append(f"retries {', '.join(wrong_4xx)} (the request itself is wrong: it fails again)")
        if missed:
            parts.append(f"does not retry {', '.join(missed)} (the request never left: retrying is safe)")
        yield Finding.of(
            "LGC206",
            info.site,
            f"node {info.site!r}: asked about real exceptions of the clients it uses, its retry_on "
            f"{' and '.join(parts)}.",
            "write retry_on for the client you use: retry connection errors, 429 and 5xx, never "
            "other 4xx (LangGraph's default_retry_on retries every requests.HTTPError and no "
            "requests.ConnectionError)",
        )
