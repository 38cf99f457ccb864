"""The bundled invariant checkers, one module per invariant; importing registers them.

Order is the order they run and report in. ``retry_after`` is opt-in (LangGraph's
``RetryPolicy`` ignores ``Retry-After``): enable it with ``chaos.run(..., enable=["retry_after"])``.
"""

from __future__ import annotations

# Imported for their registration side effect; the order is the report order.
from chaos.invariants import faults_fired  # noqa: F401
from chaos.invariants import liveness  # noqa: F401
from chaos.invariants import steady_state  # noqa: F401
from chaos.invariants import retry_schedule  # noqa: F401
from chaos.invariants import retry_after  # noqa: F401
from chaos.invariants import error_handler  # noqa: F401
from chaos.invariants import no_partial_writes  # noqa: F401
from chaos.invariants import cache_ttl  # noqa: F401
from chaos.invariants import delta_reconstruction  # noqa: F401
from chaos.invariants import cancellation  # noqa: F401
from chaos.invariants import duplicates  # noqa: F401
from chaos.invariants import retry_sanity  # noqa: F401
from chaos.invariants import retry_budget  # noqa: F401
from chaos.invariants import exactly_once  # noqa: F401
from chaos.invariants import interrupts  # noqa: F401
from chaos.invariants import handled  # noqa: F401
