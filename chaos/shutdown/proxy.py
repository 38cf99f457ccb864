"""The graph handed to a user's ``serve``/``resume`` code, recording the calls it makes.

Lives in `chaos.engine.drive` (the one module that runs graphs); re-exported here.
"""

from __future__ import annotations

from chaos.engine.drive import RecordingGraph, RunCall

__all__ = ["RecordingGraph", "RunCall"]
