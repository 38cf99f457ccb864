"""A kill child's HTTP records come in one order, whatever order its threads sent them in.

Children run on real time: the requests of two parallel siblings interleave as the OS
schedules their threads, and the same seed gave two journals (the determinism test's
http_siblings kill case, 1 run in 14). The records are grouped by the attempt that sent them.
"""

from __future__ import annotations

from chaos.engine.child import _canonical_http
from chaos.journal import AttemptRecord, HttpRecord


def _rec(task: str | None, n: int) -> HttpRecord:
    return HttpRecord(node=task.split("#")[0] if task else None, task=task, attempt=1 if task else None,
                      method="GET", url=f"https://api.example.com/{task}/{n}", time=0.0)


def test_interleavings_of_parallel_attempts_give_one_order() -> None:
    attempts = [AttemptRecord(node="left", task="left#1", attempt=1, step=1, start=0.0),
                AttemptRecord(node="right", task="right#1", attempt=1, step=1, start=0.0)]
    one = [_rec("right#1", 1), _rec("left#1", 1), _rec("right#1", 2), _rec("left#1", 2), _rec(None, 0)]
    other = [_rec("left#1", 1), _rec("right#1", 1), _rec("left#1", 2), _rec("right#1", 2), _rec(None, 0)]
    urls = [[r.url for r in _canonical_http(attempts, recs)] for recs in (one, other)]
    assert urls[0] == urls[1] == [
        "https://api.example.com/left#1/1", "https://api.example.com/left#1/2",
        "https://api.example.com/right#1/1", "https://api.example.com/right#1/2", "https://api.example.com/None/0",
    ]
