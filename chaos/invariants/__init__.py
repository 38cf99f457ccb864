"""The bundled invariant checkers, one module per invariant.

Importing this package registers nothing: the registry, `chaos.checks`, lists every bundled
checker and its module in `chaos.checks.BUILTIN_CHECKERS` (the order they run and report in)
and loads them itself. ``retry_after`` is opt-in (LangGraph's ``RetryPolicy`` ignores
``Retry-After``): enable it with ``chaos.run(..., enable=["retry_after"])``.
"""

from __future__ import annotations
