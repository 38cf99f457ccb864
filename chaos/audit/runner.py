"""`audit()`: run the probes, run every check, drop what is silenced, sort what is left."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, get_args

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from chaos.audit import cancellation, caching, delta, durability, handlers, retries, retry_answers, timeouts
from chaos.audit.context import SCENARIOS, AuditContext, Durability, Probes, Scenario
from chaos.audit.findings import Finding, sort_key
from chaos.audit.probe import Prober
from chaos.audit.silence import apply_ignores, node_ignores, parse_ignore
from chaos.errors import ChaosUsageError
from chaos.harness import Chaos
from chaos.journal import Journal
from chaos.trial import RunHook

Check = Callable[[AuditContext], Iterator[Finding]]

#: Every check, in code order. Each yields findings under one code (see findings.RULES).
CHECKS: tuple[Check, ...] = (
    timeouts.sync_nodes_without_timeout,  # LGC101
    timeouts.http_without_timeout,  # LGC102
    timeouts.idle_timeout_without_heartbeat,  # LGC103
    cancellation.swallowed_cancellations,  # LGC104
    timeouts.async_without_timeout,  # LGC105
    retries.retry_skips_429,  # LGC201
    retries.retry_non_idempotent,  # LGC202
    retries.backoff_exceeds_budget,  # LGC203
    retries.retry_storm,  # LGC204
    retry_answers.retry_on_bad_input,  # LGC205
    retry_answers.surprising_retry_answers,  # LGC206
    delta.delta_reducers,  # LGC301
    caching.volatile_cache_keys,  # LGC302
    caching.cached_side_effects,  # LGC303
    caching.key_blind_cache_fields,  # LGC304
    handlers.handlers_that_can_hang,  # LGC401
    handlers.handlers_that_raise,  # LGC402
    durability.exit_durability_crash,  # LGC501
    durability.exit_durability_drain,  # LGC502
    durability.resume_with_checkpoint_id,  # LGC503
)


def audit(
    graph: StateGraph[Any] | Pregel[Any, Any],
    input: Any = None,
    *,
    volatile_fields: Sequence[str] = (),
    probes: bool = True,
    journal: Journal | None = None,
    config: dict[str, Any] | None = None,
    context: Any = None,
    around: Sequence[RunHook] = (),
    budget: float | None = None,
    durability: Durability | None = None,
    scenarios: Collection[Scenario] = (),
    resume_config: Mapping[str, Any] | None = None,
    ignore: Iterable[str] = (),
    seed: int = 0,
) -> list[Finding]:
    """Find resilience problems in ``graph``'s configuration, before injecting a fault.

    Args:
        graph: a `StateGraph` builder or a compiled graph (never mutated; an instrumented copy
            is audited).
        input: the input of the probe runs (default ``{}``).
        volatile_fields: state fields that change between otherwise-equal inputs (request ids,
            timestamps); cache keys must not depend on them (LGC302).
        probes: run the graph (fault-free, on simulated time, HTTP recorded) to see what it
            does: HTTP calls, heartbeats, SDK retries, what handlers do with a real NodeError.
            False keeps the audit static (plus ``journal`` if given).
        journal: a journal of your own run (e.g. ``TrialResult.journal``) to read HTTP
            requests from instead of the probe run.
        config, context: passed to the probe runs.
        around: run hooks entered around every probe run (e.g. a `chaos.http` router that
            answers the graph's requests); the audit records HTTP requests either way.
        budget: the caller's time budget in seconds for one node including its retries (LGC203).
        durability: the durability runs use in production (default: the compiled graph's
            config, else LangGraph's ``"async"``).
        scenarios: what production can do to a run: ``"crash"`` (the process dies) and/or
            ``"drain"`` (RunControl drains on shutdown) (LGC501, LGC502).
        resume_config: the config your code resumes interrupted runs with (LGC503).
        ignore: codes (``LGC101``) or ``CODE:location`` globs to silence for this graph.
        seed: seed of the probe runs' jitter and of the generated DeltaChannel check.

    Returns:
        The findings, errors first. Per node, ``add_node(..., metadata={"chaos": {"ignore":
        ["LGC101"]}})`` silences codes where the reason can sit next to the code.
    """
    entries = parse_ignore(ignore)
    _validate(budget, durability, scenarios)
    harness = Chaos(seed, f"chaos-audit:{getattr(graph, 'name', None) or type(graph).__name__}")
    try:
        inst = harness.instrument(graph)
        ctx = AuditContext(
            inst,
            Probes(base=journal),
            volatile_fields=tuple(volatile_fields),
            budget=budget,
            durability=durability,
            scenarios=frozenset(scenarios),
            resume_config=resume_config,
            seed=seed,
        )
        run_input = {} if input is None else input
        if probes:
            try:
                Prober(harness, graph, run_input, config=config, context=context, around=around).probe(ctx, given=journal)
            except ChaosUsageError:
                raise
            except Exception as exc:  # a probe that cannot run is reported, not fatal
                ctx.probes.incomplete.append(("probe", f"raised {type(exc).__name__}: {exc}"))
        ctx.sample_state = _sample_state(run_input, ctx.probes.base)
        found = [f for check in CHECKS for f in check(ctx)]
        found += [_incomplete(which, why) for which, why in ctx.probes.incomplete]
        node_codes = {
            site: node_ignores(getattr(info.spec, "metadata", None), site=site)
            for site, info in inst.nodes.items()
        }
        return sorted(apply_ignores(found, entries, node_codes), key=sort_key)
    finally:
        harness.close()


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def _validate(budget: float | None, durability: str | None, scenarios: Collection[str]) -> None:
    if budget is not None and not budget > 0:
        raise ChaosUsageError(f"audit(budget={budget!r}): the budget is seconds and must be > 0")
    modes = get_args(Durability)
    if durability is not None and durability not in modes:
        raise ChaosUsageError(f"audit(durability={durability!r}): use one of {', '.join(modes)}")
    if isinstance(scenarios, str):
        raise ChaosUsageError(f"audit(scenarios={scenarios!r}): pass a collection, e.g. scenarios={{{scenarios!r}}}")
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        raise ChaosUsageError(f"audit(scenarios=...): unknown {unknown}; use any of {', '.join(SCENARIOS)}")


def _sample_state(input: Any, base: Journal | None) -> dict[str, Any]:
    """A representative node input: the probe's final state over the run input."""
    sample: dict[str, Any] = dict(input) if isinstance(input, Mapping) else {}
    if base is not None and isinstance(base.final_state, Mapping):
        sample.update(base.final_state)
    return sample


def _incomplete(which: str, why: str) -> Finding:
    return Finding.of(
        "LGC001",
        "graph",
        f"the {which} probe run {why}: checks that read its journal saw only the nodes that ran.",
        "pass an input the graph completes with (--chaos-input, audit(input=...)) and fake its "
        "HTTP (respx, httpx.MockTransport)",
        kind="graph",
    )
