"""langgraph-chaos: fault injection and chaos testing for LangGraph graphs.

The public front. Faults live in `chaos.faults` (HTTP faults at the transport in
`chaos.http.faults`); the pytest plugin (``--chaos``, the ``chaos``
fixture and marker) lives in `pytest_langgraph_chaos` (source: plugins/) and is registered by installing the package.
"""

from __future__ import annotations

from chaos import faults, http
from chaos.checks import Violation, register_checker, unregister_checker
from chaos.errors import ChaosAbort, ChaosError, ChaosUsageError
from chaos.faults import Fault, Injection
from chaos.harness import Chaos
from chaos.inject import InstrumentedGraph, instrument
from chaos.journal import AttemptRecord, Journal
from chaos.trial import ChaosViolation, TrialResult, run_trial

# The bundled invariants are listed in one table, `chaos.checks.BUILTIN_CHECKERS`, and loaded
# from there when a trial first reads the registry: no import side effect decides which
# invariants a process checks.

__all__ = [
    "AttemptRecord",
    "Chaos",
    "ChaosAbort",
    "ChaosError",
    "ChaosUsageError",
    "ChaosViolation",
    "Fault",
    "Injection",
    "InstrumentedGraph",
    "Journal",
    "TrialResult",
    "Violation",
    "faults",
    "http",
    "instrument",
    "register_checker",
    "run_trial",
    "unregister_checker",
]
