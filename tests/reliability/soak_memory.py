"""Soak, run by hand: 10,000 chaos trials in one pytest process; memory, files, handlers, threads.

    .venv/bin/python tests/reliability/soak_memory.py                 # 10,000 trials (about 10 min)
    .venv/bin/python tests/reliability/soak_memory.py 2000            # fewer
    .venv/bin/python tests/reliability/soak_memory.py 3000 --trace    # + tracemalloc diff
    .venv/bin/python tests/reliability/soak_memory.py --per-item 1    # one test item per trial
    .venv/bin/python tests/reliability/soak_memory.py --fixture-only  # no --chaos-target items
    .venv/bin/python tests/reliability/soak_memory.py --select 'not handler_fault'  # pytest -k

Half the trials are fixture trials: tests that use the ``chaos`` fixture on the bundled support
graph, ``--per-item`` runs each (default 10, as a test that loops over nodes or seeds does), one
fault a run. The other half are generated ``--chaos-target`` trials, one test item each. All
with ``--chaos-report``, so every record is spooled as in CI.

The session runs in a child process with ``TMPDIR`` pointed at an empty folder. Printed: RSS at
trial 1,000 and at the end (both after a collection); the live Python objects and glibc's heap
(in use, and freed but kept by the allocator: ``mallinfo2``) between the two; the files left under
``TMPDIR`` once the process exited; whether signal handlers and the thread count are what they
were. Then the same number of trivial test items runs without the plugin, for pytest's own
growth over the same items (it keeps every test report until the session ends, about 3 KB an
item): the harness's share is the difference. Exit status 1 when RSS grew by more than 20 MB after trial 1,000, a file was left,
or a handler or thread leaked. The suite runs a reduced version
(tests/reliability/test_bounded_memory.py).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

CHAOS_TESTS = """
import pytest
from chaos import faults
from chaos.examples import support

@pytest.mark.parametrize("n", range({items}))
def test_soak(chaos, n):
    for run in range({per_item}):
        chaos.inject(faults.exception(), node="search", attempts=[1])
        chaos.run(support.builder, {{"question": "q"}}, raise_on_violation=False)
"""

PLAIN_TESTS = """
import pytest

@pytest.mark.parametrize("n", range({items}))
def test_plain(n):
    pass
"""

TARGET_ARGS = ["--chaos-target=chaos.examples.support:builder", '--chaos-input={"question": "q"}']
#: What the soak may grow by after trial 1,000 (issue #15).
BOUND_MB = 20.0


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def handlers() -> dict[int, str]:
    out = {}
    for sig in signal.valid_signals():
        try:
            out[int(sig)] = repr(signal.getsignal(sig))
        except (OSError, ValueError):
            pass
    return out


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def heap_mb() -> tuple[float, float] | None:
    """The C allocator's heap, (in use, free but kept by the process), in MB: glibc's
    ``mallinfo2``; None elsewhere. Python's objects of more than 512 bytes live there (smaller
    ones in its own arenas); memory freed between live chunks stays counted in RSS."""
    try:
        info = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    info.restype = _MallInfo2
    got = info()
    return got.uordblks / 2**20, got.fordblks / 2**20


def measure() -> dict[str, Any]:
    """RSS, live Python objects and the C heap, after a collection."""
    import gc

    gc.collect()
    return {"rss": rss_mb(), "objects": len(gc.get_objects()), "heap": heap_mb()}


class Probe:
    """Reads RSS when the session's trial count (or, without the plugin, item count) reaches ``mark``."""

    def __init__(self, mark: int, trace: bool = False) -> None:
        self.mark = mark
        self.items = 0
        self.items_at_mark: int | None = None
        self.at_mark: dict[str, Any] | None = None
        self.trace = trace
        self.snapshot: Any = None
        self.config: pytest.Config | None = None

    @pytest.hookimpl
    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config

    def trials(self) -> int:
        from pytest_langgraph_chaos._settings import REPORTS_KEY

        assert self.config is not None
        log = self.config.stash.get(REPORTS_KEY, None)
        return len(log) if log is not None else self.items

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logfinish(self) -> None:
        self.items += 1
        if self.at_mark is None and self.trials() >= self.mark:
            self.at_mark, self.items_at_mark = measure(), self.items
            if self.trace:
                import tracemalloc

                self.snapshot = tracemalloc.take_snapshot()
        if self.items % 1000 == 0:
            print(f"  {self.items} items, {self.trials()} trials: RSS {rss_mb():.1f} MB", file=sys.stderr, flush=True)


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


def target_items_per_trial(work: Path, select: str) -> int:
    """How many items ``--chaos-trials=1`` gives the support target (its kinds times sites)."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "--chaos",
         *TARGET_ARGS, "--chaos-trials=1", "-k", f"chaos: and ({select})" if select else "chaos:"],
        cwd=work, capture_output=True, text=True, check=False,
    )
    return max(sum(1 for line in out.stdout.splitlines() if line.startswith("chaos:")), 1)


def child(mode: str, total: int, per_item: int, mark: int, trace: bool, select: str = "",
          fixture_only: bool = False) -> dict[str, Any]:
    """Run one session in this process; the measurements as a dict."""
    # Hypothesis's own pytest plugin imports hypothesis in its terminal summary, after the last
    # item: about 6 MB that every pytest session with hypothesis installed pays once, at the end,
    # and that would read as growth. Imported here, it lands before both measurements.
    import hypothesis  # noqa: F401

    work = Path.cwd()
    before_handlers, before_threads = handlers(), threading.active_count()
    if trace:
        import tracemalloc

        tracemalloc.start(12)
    if mode == "chaos":
        fixture_items = max((total if fixture_only else total // 2) // per_item, 1)
        (work / "test_soak.py").write_text(CHAOS_TESTS.format(items=fixture_items, per_item=per_item))
        args = ["--chaos", "--chaos-seed=1", f"--chaos-report={work / 'report.json'}", "test_soak.py"]
        if not fixture_only:
            kinds = target_items_per_trial(work, select)
            per_kind = max(-(-(total - fixture_items * per_item) // kinds), 1)  # rounded up: >= total trials
            args += [*TARGET_ARGS, f"--chaos-trials={per_kind}"]
            if select:
                args += ["-k", f"test_soak or ({select})"]
    else:
        (work / "test_plain.py").write_text(PLAIN_TESTS.format(items=total))
        args = ["test_plain.py"]
    probe = Probe(mark=mark, trace=trace)
    wall, cpu = time.perf_counter(), time.process_time()
    status = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args], plugins=[probe])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    end = measure()
    start = probe.at_mark or end
    if trace and probe.snapshot is not None:
        print_growth(probe.snapshot)
    heap = None
    if start["heap"] and end["heap"]:
        heap = [end["heap"][0] - start["heap"][0], end["heap"][1] - start["heap"][1]]
    return {
        "status": int(status), "items": probe.items, "trials": probe.trials(), "mark": mark,
        "items_at_mark": probe.items_at_mark, "rss_at_mark": start["rss"], "rss_end": end["rss"],
        "growth": end["rss"] - start["rss"], "objects": end["objects"] - start["objects"], "heap": heap,
        "cpu": cpu, "wall": wall,
        "handlers_same": handlers() == before_handlers, "threads_before": before_threads,
        "threads_after": threading.active_count(),
    }


def run_child(mode: str, total: int, per_item: int, mark: int, trace: bool,
              extra: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[str]]:
    """One session in a fresh process with its own empty TMPDIR; (measurements, files left after exit)."""
    work = Path(tempfile.mkdtemp(prefix="chaos-soak-", dir="/tmp"))  # short: the forkserver's socket
    tmp = work / "T"
    tmp.mkdir()
    try:
        args = [sys.executable, __file__, "--child", mode, str(total), "--per-item", str(per_item),
                "--mark", str(mark), *(["--trace"] if trace else []), *extra]
        done = subprocess.run(args, cwd=work, env={**os.environ, "TMPDIR": str(tmp)}, stdout=subprocess.PIPE,
                              text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("SOAK ")]
        if not lines:
            print(done.stdout[-5000:])
            raise SystemExit(f"the {mode} session printed no measurements (exit status {done.returncode})")
        if trace:
            print("\n".join(line for line in done.stdout.splitlines() if not line.startswith("SOAK ")))
        left = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))
        return json.loads(lines[-1][5:]), left
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(total: int, per_item: int, trace: bool, extra: tuple[str, ...] = ()) -> int:
    mark = min(1000, total // 3)
    soak, left = run_child("chaos", total, per_item, mark, trace, extra)
    print(f"chaos session: exit status {soak['status']}; {soak['trials']:,} trials in {soak['items']:,} items "
          f"({per_item} per fixture item); CPU {soak['cpu']:.1f} s, wall {soak['wall']:.1f} s")
    print(f"RSS at trial {mark:,} (item {soak['items_at_mark']:,}): {soak['rss_at_mark']:.1f} MB; at the end: "
          f"{soak['rss_end']:.1f} MB; growth {soak['growth']:+.1f} MB (bound {BOUND_MB:g} MB)")
    if soak["heap"]:
        print(f"of it, the C heap (glibc mallinfo2): in use {soak['heap'][0]:+.1f} MB, freed but kept by the "
              f"allocator {soak['heap'][1]:+.1f} MB; live Python objects {soak['objects']:+,}")
    print(f"files left under TMPDIR after the process exited: {len(left)} {left[:5]}")
    print(f"signal handlers unchanged: {soak['handlers_same']}; threads before {soak['threads_before']}, "
          f"after {soak['threads_after']}")
    items_after = soak["items"] - (soak["items_at_mark"] or soak["items"])
    plain, _ = run_child("plain", soak["items"], 1, soak["items_at_mark"] or 1, False)
    print(f"pytest alone, {plain['items']:,} trivial items: growth {plain['growth']:+.1f} MB after item "
          f"{plain['items_at_mark']:,}; the harness's share: {soak['growth'] - plain['growth']:+.1f} MB "
          f"({(soak['growth'] - plain['growth']) * 1024 / max(items_after, 1):.2f} KB per item after the mark); "
          f"live Python objects {plain['objects']:+,}, the harness's share {soak['objects'] - plain['objects']:+,}"
          + (f"; C heap in use {plain['heap'][0]:+.1f} MB, freed but kept {plain['heap'][1]:+.1f} MB"
             if plain["heap"] else ""))
    bad = (soak["growth"] > BOUND_MB or left or not soak["handlers_same"]
           or soak["threads_after"] != soak["threads_before"] or soak["trials"] < total)
    return 1 if bad else 0


def option(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


if __name__ == "__main__":
    trace, fixture_only = "--trace" in sys.argv, "--fixture-only" in sys.argv
    per_item, mark = option("--per-item", 10), option("--mark", 1000)
    select = sys.argv[sys.argv.index("--select") + 1] if "--select" in sys.argv else ""
    values = [a for i, a in enumerate(sys.argv[1:], 1)
              if not a.startswith("--") and sys.argv[i - 1] not in ("--per-item", "--mark", "--select")]
    if "--child" in sys.argv:
        mode, count = values[0], int(values[1])
        result = child(mode, count, per_item, mark, trace, select if mode == "chaos" else "",
                       fixture_only and mode == "chaos")
        print("SOAK " + json.dumps(result), flush=True)
        sys.exit(0)
    extra = (*(["--fixture-only"] if fixture_only else []), *(["--select", select] if select else []))
    sys.exit(main(int(values[0]) if values else 10_000, per_item, trace, extra))
