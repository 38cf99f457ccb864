"""Soak, run by hand: 10,000 chaos trials in one pytest process; memory, files, handlers, threads.

    .venv/bin/python tests/reliability/soak_memory.py            # 10,000 trials (minutes)
    .venv/bin/python tests/reliability/soak_memory.py 2000       # fewer

Half the trials are fixture trials (a test using the ``chaos`` fixture on the bundled support
graph, one fault each), half are generated ``--chaos-target`` trials, all with
``--chaos-report`` (so records are spooled, as in CI). Prints RSS at trial 1,000 and at the
end, the files left under ``TMPDIR``, and whether signal handlers and the thread count are the
same before and after. Exit status 1 when RSS grew by more than 20 MB after trial 1,000, a file
was left, or a handler or thread leaked. The suite runs a reduced version
(tests/reliability/test_bounded_memory.py).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

TEST_FILE = """
import pytest
from chaos import faults
from chaos.examples import support

@pytest.mark.parametrize("n", range({n}))
def test_soak(chaos, n):
    chaos.inject(faults.exception(), node="search", attempts=[1])
    chaos.run(support.builder, {{"question": "q"}}, raise_on_violation=False)
"""


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def handlers() -> dict[int, Any]:
    out = {}
    for sig in signal.valid_signals():
        try:
            out[int(sig)] = signal.getsignal(sig)
        except (OSError, ValueError):
            pass
    return out


class Probe:
    def __init__(self, mark: int) -> None:
        self.mark = mark
        self.done = 0
        self.at_mark: float | None = None

    @pytest.hookimpl
    def pytest_runtest_logfinish(self) -> None:
        self.done += 1
        if self.done == self.mark:
            self.at_mark = rss_mb()
        if self.done % 1000 == 0:
            print(f"  {self.done} trials: RSS {rss_mb():.1f} MB", file=sys.stderr, flush=True)


def main(total: int = 10_000) -> int:
    work = Path(tempfile.mkdtemp(prefix="chaos-soak-"))
    tmp = work / "TMPDIR"
    tmp.mkdir()
    (work / "test_soak.py").write_text(TEST_FILE.format(n=total // 2))
    trials_per_kind = max(total // 2 // 12, 1)
    os.environ["TMPDIR"] = str(tmp)
    tempfile.tempdir = None
    before_handlers, before_threads = handlers(), threading.active_count()
    probe = Probe(mark=1000)
    os.chdir(work)
    status = pytest.main(
        ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--chaos", "--chaos-seed=1",
         "--chaos-target=chaos.examples.support:builder", '--chaos-input={"question": "q"}',
         f"--chaos-trials={trials_per_kind}", f"--chaos-report={work / 'report.json'}", "test_soak.py"],
        plugins=[probe],
    )
    end = rss_mb()
    left = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))
    same_handlers = handlers() == before_handlers
    threads = threading.active_count()
    print(f"pytest exit status {int(status)}; {probe.done} items")
    print(f"RSS at trial 1,000: {probe.at_mark:.1f} MB; at the end ({probe.done}): {end:.1f} MB; "
          f"growth {end - (probe.at_mark or end):+.1f} MB")
    print(f"files left under TMPDIR: {len(left)} {left[:5]}")
    print(f"signal handlers unchanged: {same_handlers}; threads before {before_threads}, after {threads}")
    bad = (end - (probe.at_mark or end)) > 20 or left or not same_handlers or threads != before_threads
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
