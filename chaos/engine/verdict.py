"""The one verdict vocabulary, defined in ``chaos/report.schema.json`` (``$defs.verdict``).

- ``pass``: every invariant held;
- ``fail``: an invariant was violated;
- ``inconclusive``: the trial could not judge (the fault-free baseline failed or did not finish);
- ``error``: the harness or a worker crashed;
- ``skipped``: the trial could not run here (with a reason).

`EXIT_CODES` are read from the schema, so the CLI, the plugin and the report agree.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

Verdict = Literal["pass", "fail", "inconclusive", "error", "skipped"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "inconclusive", "error", "skipped")
SCHEMA = Path(__file__).resolve().parent.parent / "report.schema.json"


@lru_cache(maxsize=1)
def exit_codes() -> dict[str, int]:
    """Verdict -> process exit status, as the report schema defines it."""
    schema = json.loads(SCHEMA.read_text())
    codes = schema["$defs"]["verdict"]["x-exit-codes"]
    return {str(k): int(v) for k, v in codes.items()}


def exit_code(verdicts: list[str]) -> int:
    """The exit status of a run with these verdicts: the worst one's."""
    codes = exit_codes()
    return max((codes.get(v, codes["error"]) for v in verdicts), default=0)
