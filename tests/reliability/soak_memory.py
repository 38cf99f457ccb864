"""Soak, run by hand: 10,000 chaos trials in one pytest process; memory, files, handlers, threads.

    .venv/bin/python tests/reliability/soak_memory.py            # 10,000 trials (minutes)
    .venv/bin/python tests/reliability/soak_memory.py 2000       # fewer
    .venv/bin/python tests/reliability/soak_memory.py 3000 --trace   # + tracemalloc diff

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
import shutil
import signal
import sys
import tempfile
import threading
import time
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
    def __init__(self, mark: int, trace: bool = False) -> None:
        self.mark = mark
        self.done = 0
        self.at_mark: float | None = None
        self.trace = trace
        self.snapshot: Any = None

    @pytest.hookimpl
    def pytest_runtest_logfinish(self) -> None:
        self.done += 1
        if self.done == self.mark:
            import gc

            gc.collect()
            self.at_mark = rss_mb()
            if self.trace:
                import tracemalloc

                self.snapshot = tracemalloc.take_snapshot()
        if self.done % 1000 == 0:
            print(f"  {self.done} trials: RSS {rss_mb():.1f} MB", file=sys.stderr, flush=True)


def print_growth(before: Any, top: int = 25) -> None:
    """The allocation sites that grew most since ``before`` (a tracemalloc snapshot)."""
    import gc
    import tracemalloc

    gc.collect()
    after = tracemalloc.take_snapshot()
    for stat in after.compare_to(before, "traceback")[:top]:
        print(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+7d} blocks")
        for line in stat.traceback.format()[-8:]:
            print("      " + line)


def main(total: int = 10_000, trace: bool = False) -> int:
    work = Path(tempfile.mkdtemp(prefix="chaos-soak-"))
    tmp = work / "TMPDIR"
    tmp.mkdir()
    (work / "test_soak.py").write_text(TEST_FILE.format(n=total // 2))
    trials_per_kind = max(total // 2 // 12, 1)
    os.environ["TMPDIR"] = str(tmp)
    tempfile.tempdir = None
    before_handlers, before_threads = handlers(), threading.active_count()
    probe = Probe(mark=min(1000, total // 3), trace=trace)
    if trace:
        import tracemalloc

        tracemalloc.start(12)
    os.chdir(work)
    wall, cpu = time.perf_counter(), time.process_time()
    status = pytest.main(
        ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--chaos", "--chaos-seed=1",
         "--chaos-target=chaos.examples.support:builder", '--chaos-input={"question": "q"}',
         f"--chaos-trials={trials_per_kind}", f"--chaos-report={work / 'report.json'}", "test_soak.py"],
        plugins=[probe],
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    import gc

    gc.collect()
    end = rss_mb()
    if trace and probe.snapshot is not None:
        print_growth(probe.snapshot)
    left = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))
    same_handlers = handlers() == before_handlers
    threads = threading.active_count()
    print(f"pytest exit status {int(status)}; {probe.done} items; CPU {cpu:.1f} s, wall {wall:.1f} s")
    print(f"RSS at trial {probe.mark:,}: {probe.at_mark or 0:.1f} MB; at the end ({probe.done}): {end:.1f} MB; "
          f"growth {end - (probe.at_mark or end):+.1f} MB")
    print(f"files left under TMPDIR: {len(left)} {left[:5]}")
    print(f"signal handlers unchanged: {same_handlers}; threads before {before_threads}, after {threads}")
    os.chdir(tempfile.gettempdir())
    shutil.rmtree(work, ignore_errors=True)
    bad = (end - (probe.at_mark or end)) > 20 or left or not same_handlers or threads != before_threads
    return 1 if bad else 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(int(args[0]) if args else 10_000, trace="--trace" in sys.argv))
