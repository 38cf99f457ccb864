"""langgraph-chaos: fault injection and chaos testing for LangGraph graphs.

The public front. Faults live in `chaos.faults` (HTTP faults at the transport in
`chaos.http.faults`); the pytest plugin (``--chaos``, the ``chaos``
fixture and marker) lives in `pytest_langgraph_chaos` (source: plugins/) and is registered by installing the package.
"""

from __future__ import annotations

from chaos import faults, http
from chaos.checks import Violation, register_checker
from chaos.errors import ChaosAbort, ChaosError, ChaosUsageError
from chaos.faults import Fault, Injection
from chaos.harness import Chaos
from chaos.inject import InstrumentedGraph, instrument
from chaos.journal import AttemptRecord, Journal
from chaos.trial import ChaosViolation, TrialResult, run_trial

# Every module that registers invariants is imported here, so every process (each xdist
# worker, a child process, a plain `import chaos.trial`) checks the same invariants in the
# same order: a verdict must not depend on which modules a worker happened to import.
from chaos import shutdown as _shutdown  # noqa: E402,F401

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
]
