"""Transitional, never installed: the plugin's old module path, for stale editable installs.

An editable install made before the plugin moved to `pytest_langgraph_chaos` still points
pytest's entry point at ``plugins.pytest_chaos``; this stand-in loads the real plugin so such a
venv keeps working until it is reinstalled (``pip install -e '.[test]'``). Wheels do not
contain it (pyproject.toml installs only ``chaos`` and ``pytest_langgraph_chaos``).
TODO(h2): delete (with plugins/__init__.py) once every worktree's venv is reinstalled.
"""

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.stderr.write(
    "langgraph-chaos: this venv's editable install predates the plugin's rename; "
    "reinstall it: pip install -e '.[test]'\n"
)
sys.modules[__name__] = importlib.import_module("pytest_langgraph_chaos")
