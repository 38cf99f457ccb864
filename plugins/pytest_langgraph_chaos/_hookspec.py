"""Hooks the plugin offers conftest files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from chaos.zerocode import TargetSetup


@pytest.hookspec
def pytest_chaos_setup(setup: TargetSetup) -> None:
    """Adjust what a ``--chaos-target`` (or ``langgraph.json`` graph) runs with, in conftest.py.

    Called once per target, before its items run, with a `chaos.zerocode.TargetSetup` already
    filled from the command line and ini (input, config, context, routes). Set what JSON cannot
    carry: ``setup.store``, ``setup.context`` (an object), ``setup.routers.append(respx_router)``,
    ``setup.fakes.script("call_model", "Hello!")``. ``setup.target`` says which target it is.
    """
