"""The bundled invariant checkers, one module per invariant.

Importing this package registers nothing: the registry, `chaos.checks`, lists every bundled
checker and its module in `chaos.checks.BUILTIN_CHECKERS` (the order they run and report in)
and loads them itself. ``retry_after`` checks a client's retries inside one attempt by
default; its check of LangGraph's ``RetryPolicy`` (which ignores ``Retry-After`` by design)
runs when named: ``chaos.run(..., enable=["retry_after"])``.
"""

from __future__ import annotations
