"""Scenario files: chaos experiments as TOML, collected by ``pytest --chaos scenarios/``.

TOML because it is in the standard library (``tomllib``: nothing to install), has no implicit
typing surprises (YAML reads ``no`` as False and ``1e3`` as a string), and is what Python
projects already write in ``pyproject.toml``. A JSON Schema for editors (Taplo / Even Better
TOML read ``#:schema`` directives) is `chaos/scenarios/scenario.schema.json`.
"""

from __future__ import annotations

from chaos.scenarios.load import ScenarioError, load_scenario, parse_scenario
from chaos.scenarios.model import FaultSpec, Scenario

__all__ = ["FaultSpec", "Scenario", "ScenarioError", "load_scenario", "parse_scenario"]
