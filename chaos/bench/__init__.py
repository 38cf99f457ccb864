"""``python -m chaos.bench``: what the harness costs on top of the graph itself.

Six rows, each measured in this process (and one pool of 2 worker processes), printed with its
target beside it and written as JSON: overhead of a fault-free trial over a plain ``ainvoke``,
simulated seconds per wall second, trials per second on 1 and 2 processes, growth with graph
size and thread length, memory after thousands of trials, and simulated vs real clock.
Wall times are medians of interleaved repetitions (the machine may be shared). ``--quick``
runs every row with small counts in a few seconds, so a test can keep the command working.
"""

from __future__ import annotations

from chaos.bench.rows import Row, run_all

__all__ = ["Row", "run_all"]
