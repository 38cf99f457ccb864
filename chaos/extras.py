"""Optional dependencies (the ``[postgres]`` and ``[redis]`` extras) and the error when missing.

The base install is what ``pytest --chaos`` needs: the embedded SQLite saver and the in-memory
cache. A real PostgreSQL server or redis-server needs its driver, installed by an extra; code
that needs one calls `require_extra` first, so a missing driver is one error naming the extra
to install instead of an ``ImportError`` from deep inside a saver.
"""

from __future__ import annotations

import importlib.util

from chaos.errors import ChaosUsageError

#: Each extra, and the top-level modules it installs (all must be importable).
EXTRAS: dict[str, tuple[str, ...]] = {
    "postgres": ("psycopg", "langgraph.checkpoint.postgres"),
    "redis": ("redis",),
}


class MissingExtraError(ChaosUsageError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""

    def __init__(self, extra: str, feature: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the {module!r} package, which is not installed. "
            f"Install the extra: pip install 'langgraph-chaos[{extra}]'"
        )
        self.extra = extra
        self.module = module


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def require_extra(extra: str, feature: str) -> None:
    """Raise `MissingExtraError` unless every module of ``extra`` can be imported.

    ``feature`` is what the user asked for (``"saver='postgres'"``), so the message says why
    the extra is needed.
    """
    for module in EXTRAS[extra]:
        if not _importable(module):
            raise MissingExtraError(extra, feature, module)
