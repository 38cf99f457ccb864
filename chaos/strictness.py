"""Strictness across trials: a probabilistic fault must fire somewhere in its scope.

A fault declared with ``probability < 1`` may miss any single trial, so the per-trial
``faults_fired`` check leaves it alone; instead, over all trials of the same test or scenario
(the trial id without its ``[...]`` parameters), it must fire at least once. The plugin runs this
over the session's report (all xdist workers included) and ``langgraph-chaos merge`` over
merged shards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any


def scope_of(trial_id: str) -> str:
    """``scenarios/x.chaos.toml::storm[t3]`` -> ``scenarios/x.chaos.toml::storm``."""
    head, sep, _ = trial_id.rpartition("[")
    return head if sep else trial_id.split("#", 1)[0]


def never_fired_across(trials: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(scope, fault label) for probabilistic faults that fired in no trial of their scope."""
    declared: dict[str, set[str]] = defaultdict(set)
    fired: dict[str, set[str]] = defaultdict(set)
    for t in trials:
        scope = scope_of(t["id"])
        declared[scope].update(f["label"] for f in t["faults"] if f["probability"] < 1.0)
        fired[scope].update(t.get("fired", []))
    return [(scope, label) for scope in sorted(declared) for label in sorted(declared[scope] - fired[scope])]
