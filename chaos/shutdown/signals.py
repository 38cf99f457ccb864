"""SIGTERM handlers for one trial, always restored (the pytest process is never terminated).

Signal handlers belong to the main thread (``signal.signal`` refuses any other). A trial
saves the handler in place, installs its own, and puts the saved one back when it ends, even
when the trial fails. Handlers here only set flags: a Python signal handler runs between two
bytecodes of the main thread, possibly while that thread holds a lock, so it must not take one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from chaos.errors import ChaosUsageError


class SigtermScope:
    """What happened to SIGTERM during one trial."""

    def __init__(self) -> None:
        #: How many SIGTERMs reached the harness's sentinel (no handler of the service's).
        self.unhandled = 0
        #: How many SIGTERMs the harness's own drain handler turned into request_drain().
        self.drains = 0

    def install_sentinel(self) -> None:
        """Catch SIGTERM so the test process survives, and note that nobody else did."""

        def sentinel(signum: int, frame: FrameType | None) -> None:
            self.unhandled += 1

        signal.signal(signal.SIGTERM, sentinel)

    def install_drain(self, control: Any) -> None:
        """The harness's wiring: SIGTERM requests a drain of ``control``."""

        def drain(signum: int, frame: FrameType | None) -> None:
            self.drains += 1
            control.request_drain("SIGTERM")

        signal.signal(signal.SIGTERM, drain)


@contextmanager
def sigterm_scope() -> Iterator[SigtermScope]:
    """Save the SIGTERM handler, yield a scope to install trial handlers, restore it after."""
    if threading.current_thread() is not threading.main_thread():
        raise ChaosUsageError(
            "a SIGTERM drain trial must run on the main thread (Python installs signal handlers "
            "only there); call it from a plain sync test, not from a thread"
        )
    original = signal.getsignal(signal.SIGTERM)
    try:
        yield SigtermScope()
    finally:
        signal.signal(signal.SIGTERM, original if original is not None else signal.SIG_DFL)
