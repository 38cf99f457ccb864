"""Parse and validate scenario files, with errors that name the file, the key, the line and the fix.

A scenario file (``*.chaos.toml``)::

    [scenario]
    name = "rate-limit storm"
    target = "chaos.examples.llm:builder"
    input = { prompt = "summarize the incident" }   # or: inputs = [ {...}, {...} ]
    trials = 10
    clock = "simulated"            # or "real"
    invoke = "astream"             # how runs call the graph: ainvoke, invoke, stream:messages,
                                   # astream_events:v2, abatch:3 ... (the --chaos-invoke grammar)
    checkpointer = "sqlite"        # or "memory"
    disable = ["steady_state"]     # invariants turned off
    config = { recursion_limit = 1000 }

    [[faults]]
    kind = "raise_status"          # every kind: chaos.fault_kinds (docs/reference/faults.md)
    status = 429
    node = "generate"
    attempts = [1, 2]
    probability = 0.7
    retry_after = 2

    [[steps]]                      # the thread's history (default: one invoke); repeat = [299]
    kind = "invoke"                # is shorthand for invoke, wait 299, again
    [[steps]]
    kind = "resume"                # or: wait (seconds), again (input, thread), update_state
    value = "approved"             # (values, as_node), sigterm (node, attempts | step),
                                   # kill (node, at, grace): they arm the run step after them
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from chaos.engine.steps import (SAME, Invoke, Kill, Resume, Sigterm, Step, UpdateState, Wait, repeat_steps,
                                validate_steps)
from chaos.errors import ChaosUsageError
# The kinds are defined once, in chaos.fault_kinds; re-exported here for older imports.
from chaos.fault_kinds import FAULT_KINDS as FAULT_KINDS
from chaos.fault_kinds import FaultKind as FaultKind
from chaos.fault_kinds import kind_names, lookup_fault
from chaos.fault_kinds import register_fault_kind as register_fault_kind
from chaos.faults import Injection
from chaos.scenarios.model import FaultSpec, Route, Scenario


class ScenarioError(ChaosUsageError):
    """A scenario file is wrong. ``str()`` reads ``FILE:LINE: KEY: problem; fix``."""

    def __init__(self, path: Path | str, key: str, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {key}: {message}")
        self.path = Path(path)
        self.key = key
        self.line = line


NUMBER = (int, float)

#: Kinds that shut the process down: a scenario with one of them runs a drain or kill trial,
#: and such a fault must be the scenario's only fault.
SHUTDOWN_KINDS = ("sigterm", "kill")

TARGETING = {"kind", "node", "attempts", "probability", "times", "after_interrupt"}
SCENARIO_KEYS = {
    "name", "description", "target", "input", "inputs", "trials", "clock", "checkpointer",
    "cache_ttl", "disable", "nondeterministic", "config", "idempotent", "repeat", "invoke",
}
CLOCKS = ("simulated", "real")
CHECKPOINTERS = ("sqlite", "memory", "postgres")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise ScenarioError(p, "file", f"cannot read it ({exc.strerror})") from None
    return parse_scenario(text, p)


def parse_scenario(text: str, path: Path) -> Scenario:
    """Validate the text of a scenario file (``path`` is used in messages)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ScenarioError(path, "syntax", f"not valid TOML ({exc})", int(m.group(1)) if m else None) from None
    lines = _Lines(text)
    unknown_top = set(doc) - {"scenario", "faults", "routes", "steps"}
    for key in sorted(unknown_top):
        raise ScenarioError(
            path, key, "unknown table; a scenario has [scenario], [[faults]], [[routes]] and [[steps]]"
            f"{_suggest(key, ['scenario', 'faults', 'routes', 'steps'])}",
            lines.table(key),
        )
    head = doc.get("scenario")
    if not isinstance(head, dict):
        raise ScenarioError(path, "scenario", "missing [scenario] table with at least target = \"MODULE:ATTR\"")
    for key in head:
        if key not in SCENARIO_KEYS:
            raise ScenarioError(
                path, f"scenario.{key}", f"unknown key{_suggest(key, SCENARIO_KEYS)}; valid keys: {', '.join(sorted(SCENARIO_KEYS))}",
                lines.key("scenario", 0, key),
            )

    def where(key: str) -> int | None:
        return lines.key("scenario", 0, key)

    target = head.get("target")
    if not isinstance(target, str) or ":" not in target:
        raise ScenarioError(path, "scenario.target", f"{target!r} is not MODULE:ATTR, e.g. target = \"myapp.graph:builder\"", where("target"))
    if "input" in head and "inputs" in head:
        raise ScenarioError(path, "scenario.inputs", "give either input or inputs, not both", where("inputs"))
    inputs = head.get("inputs", [head.get("input", {})])
    if not isinstance(inputs, list) or not inputs:
        raise ScenarioError(path, "scenario.inputs", "must be a non-empty array of inputs", where("inputs"))
    for n, value in enumerate(inputs):
        if not isinstance(value, dict):
            # As --chaos-input: a graph's input is its state, a table of fields.
            key = "scenario.input" if "input" in head else f"scenario.inputs[{n}]"
            raise ScenarioError(path, key, f"{value!r} is a {type(value).__name__}, not a table of the graph's "
                                "state fields; write it like input = { question = \"hello\" }",
                                where("input" if "input" in head else "inputs"))
    trials = head.get("trials", 1)
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise ScenarioError(path, "scenario.trials", f"{trials!r} must be a whole number >= 1", where("trials"))
    clock = head.get("clock", "simulated")
    if clock not in CLOCKS:
        raise ScenarioError(path, "scenario.clock", f"{clock!r} is not a clock; use one of: {', '.join(CLOCKS)}", where("clock"))
    checkpointer = head.get("checkpointer", "sqlite")
    if checkpointer not in CHECKPOINTERS:
        raise ScenarioError(
            path, "scenario.checkpointer", f"{checkpointer!r} is not supported; use one of: {', '.join(CHECKPOINTERS)}", where("checkpointer")
        )
    cache_ttl = head.get("cache_ttl")
    if cache_ttl is not None and (not isinstance(cache_ttl, NUMBER) or isinstance(cache_ttl, bool) or cache_ttl <= 0):
        raise ScenarioError(path, "scenario.cache_ttl", f"{cache_ttl!r}: a TTL must be a positive number of seconds", where("cache_ttl"))
    disable = head.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        raise ScenarioError(path, "scenario.disable", "must be an array of invariant names", where("disable"))
    from chaos.checks import checker_names

    for name in disable:
        if name not in checker_names():
            raise ScenarioError(
                path, "scenario.disable", f"unknown invariant {name!r}{_suggest(name, checker_names())}; known: {', '.join(checker_names())}", where("disable")
            )
    from chaos.engine.drive import DEFAULT, parse_drive

    try:
        drive = parse_drive(head["invoke"], where="scenario.invoke") if "invoke" in head else DEFAULT
    except ChaosUsageError as exc:
        raise ScenarioError(path, "scenario.invoke", str(exc).removeprefix("scenario.invoke="), where("invoke")) from None
    if drive != DEFAULT and shutdown_kind_of(doc) is not None:
        raise ScenarioError(path, "scenario.invoke", "sigterm/kill scenarios drive the graph with astream; "
                            "remove invoke or put the fault in another scenario", where("invoke"))
    config = head.get("config", {})
    if not isinstance(config, dict):
        raise ScenarioError(path, "scenario.config", "must be a table, e.g. config = { recursion_limit = 1000 }", where("config"))

    raw_faults = doc.get("faults", [])
    raw_steps = doc.get("steps")
    signal_steps = isinstance(raw_steps, list) and any(
        isinstance(t, dict) and t.get("kind") in SIGNAL_STEPS for t in raw_steps)
    if not isinstance(raw_faults, list) or (not raw_faults and not signal_steps):
        raise ScenarioError(path, "faults", "a scenario needs at least one [[faults]] table (kind = ..., node = ...) "
                            "or a sigterm/kill step in [[steps]]", None)
    specs = [_parse_fault(path, lines, i, raw) for i, raw in enumerate(raw_faults)]
    shutdown = [i for i, raw in enumerate(raw_faults) if raw.get("kind") in SHUTDOWN_KINDS]
    if shutdown and len(specs) > 1:
        i = shutdown[0]
        raise ScenarioError(
            path, f"faults[{i}].kind", f"a {raw_faults[i]['kind']!r} fault must be the scenario's only fault "
            "(a drain or kill trial interrupts one run and resumes it); put other faults in another scenario",
            lines.key("faults", i, "kind"),
        )
    if shutdown and raw_faults[shutdown[0]]["kind"] == "kill" and checkpointer == "memory":
        raise ScenarioError(
            path, "scenario.checkpointer", "a kill trial needs a checkpointer that outlives the process: "
            "use \"sqlite\" or \"postgres\"", where("checkpointer"),
        )
    repeat = head.get("repeat", [])
    if not isinstance(repeat, list) or not all(isinstance(w, NUMBER) and not isinstance(w, bool) and w >= 0 for w in repeat):
        raise ScenarioError(
            path, "scenario.repeat", f"{repeat!r} must be an array of waits in seconds (>= 0), e.g. repeat = [299, 2]", where("repeat")
        )
    if repeat and shutdown:
        raise ScenarioError(path, "scenario.repeat", "repeat does not combine with sigterm/kill faults", where("repeat"))
    if raw_steps is not None and "repeat" in head:
        raise ScenarioError(
            path, "scenario.repeat", "give either repeat or [[steps]], not both: repeat = [w, ...] is shorthand for "
            "[[steps]] kind = \"invoke\", then kind = \"wait\" seconds = w and kind = \"again\" per wait; "
            "remove repeat and write the waits as steps", where("repeat"),
        )
    if raw_steps is not None and shutdown:
        raise ScenarioError(path, "steps", "[[steps]] does not combine with sigterm/kill faults (their trial's steps "
                            "are fixed: interrupt, then resume); write the signal as a step instead: [[steps]] "
                            "kind = \"sigterm\" (or \"kill\") node = ..., before the run it interrupts",
                            lines.table("steps"))
    steps = _parse_steps(path, lines, raw_steps) if raw_steps is not None else repeat_steps([float(w) for w in repeat])
    if any(isinstance(s, Kill) for s in steps):
        if checkpointer == "memory":
            raise ScenarioError(
                path, "scenario.checkpointer", "a kill step needs a checkpointer that outlives the process: "
                "use \"sqlite\" or \"postgres\"", where("checkpointer"),
            )
        if specs:
            raise ScenarioError(path, "faults", "a scenario with a kill step has no [[faults]] (its runs are in child "
                                "processes, which take the kill only); put the faults in another scenario",
                                lines.table("faults"))
        from chaos.engine.child import split_kill_steps

        try:
            split_kill_steps(steps)
        except ChaosUsageError as exc:
            raise ScenarioError(path, "steps", str(exc), lines.table("steps")) from None
    idempotent = head.get("idempotent", [])
    if not isinstance(idempotent, list) or not all(isinstance(n, str) for n in idempotent):
        raise ScenarioError(path, "scenario.idempotent", "must be an array of node names whose rerun is harmless", where("idempotent"))
    routes = [_parse_route(path, lines, i, raw) for i, raw in enumerate(doc.get("routes", []))]
    return Scenario(
        path=path,
        routes=routes,
        name=str(head.get("name", path.name.removesuffix(".chaos.toml"))),
        description=str(head.get("description", "")),
        target=target,
        inputs=inputs,
        faults=specs,
        trials=trials,
        clock=clock,
        checkpointer=checkpointer,
        cache_ttl=float(cache_ttl) if cache_ttl is not None else None,
        disable=disable,
        nondeterministic=list(head.get("nondeterministic", [])),
        config=config,
        idempotent=idempotent,
        repeat=[float(w) for w in repeat],
        steps=steps,
        drive=drive,
    )


def shutdown_kind_of(doc: dict[str, Any]) -> str | None:
    """The sigterm/kill kind of a parsed scenario document's faults, if it has one."""
    faults = doc.get("faults")
    for raw in faults if isinstance(faults, list) else []:
        if isinstance(raw, dict) and raw.get("kind") in SHUTDOWN_KINDS:
            return str(raw["kind"])
    return None


def _parse_fault(path: Path, lines: _Lines, index: int, raw: Any) -> FaultSpec:
    label = f"faults[{index}]"
    line = lines.table("faults", index)
    if not isinstance(raw, dict):
        raise ScenarioError(path, label, "must be a table", line)

    def at(key: str) -> int | None:
        return lines.key("faults", index, key) or line

    kind = raw.get("kind")
    if kind not in FAULT_KINDS:
        valid = kind_names()
        raise ScenarioError(
            path, f"{label}.kind", f"unknown fault kind {kind!r}{_suggest(str(kind), valid)}; valid kinds: {', '.join(valid)}", at("kind")
        )
    spec = lookup_fault(kind, stacklevel=4)  # an old name warns, naming the new one
    params = {}
    for key, value in raw.items():
        if key in TARGETING:
            continue
        if key not in spec.params:
            valid = sorted(set(spec.params) | TARGETING)
            raise ScenarioError(path, f"{label}.{key}", f"{kind!r} takes no {key!r}{_suggest(key, valid)}; valid keys: {', '.join(valid)}", at(key))
        expected = spec.params[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ScenarioError(path, f"{label}.{key}", f"{value!r} has the wrong type for {key}", at(key))
        params[key] = value
    try:
        fault = spec.factory(**params)
    except (ValueError, TypeError) as exc:
        raise ScenarioError(path, label, str(exc), line) from None
    node = raw.get("node", "*")
    if not isinstance(node, str):
        raise ScenarioError(path, f"{label}.node", f"{node!r} must be a node name or glob (a string)", at("node"))
    attempts = raw.get("attempts")
    if attempts is not None and not (
        isinstance(attempts, int) or (isinstance(attempts, list) and all(isinstance(a, int) for a in attempts))
    ):
        raise ScenarioError(path, f"{label}.attempts", f"{attempts!r} must be an attempt number or an array of them", at("attempts"))
    try:
        inj = Injection.of(fault, node, attempts, float(raw.get("probability", 1.0)), raw.get("times"),
                           after_interrupt=raw.get("after_interrupt"))
    except (ValueError, TypeError) as exc:
        key = next((k for k in ("probability", "attempts", "times", "after_interrupt") if k in str(exc)), "")
        raise ScenarioError(path, f"{label}.{key}" if key else label, str(exc), at(key) if key else line) from None
    return FaultSpec(inj, line, at("node"))


#: ``[[steps]]`` kinds and the keys each takes (see `chaos.engine.steps`).
STEP_KEYS: dict[str, set[str]] = {
    "invoke": {"input", "thread"},
    "again": {"input", "thread"},
    "resume": {"value"},
    "wait": {"seconds"},
    "update_state": {"values", "as_node"},
    "sigterm": {"node", "attempts", "step"},
    "kill": {"node", "at", "grace"},
}
#: Step kinds that arm the run step after them with a signal.
SIGNAL_STEPS = ("sigterm", "kill")


def _parse_steps(path: Path, lines: _Lines, raw: Any) -> tuple[Step, ...]:
    """The ``[[steps]]`` tables as engine steps, each error naming its table, key and line."""
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(path, "steps", "must be one or more [[steps]] tables, e.g. kind = \"invoke\"", lines.table("steps"))
    out: list[Step] = []
    for i, item in enumerate(raw):
        label, line = f"steps[{i}]", lines.table("steps", i)

        def at(key: str) -> int | None:
            return lines.key("steps", i, key) or line

        if not isinstance(item, dict):
            raise ScenarioError(path, label, "must be a table", line)
        kind = item.get("kind")
        if kind not in STEP_KEYS:
            raise ScenarioError(path, f"{label}.kind", f"unknown step kind {kind!r}{_suggest(str(kind), STEP_KEYS)}; "
                                f"valid kinds: {', '.join(STEP_KEYS)}", at("kind"))
        for key in item:
            if key != "kind" and key not in STEP_KEYS[kind]:
                valid = sorted(STEP_KEYS[kind])
                raise ScenarioError(path, f"{label}.{key}", f"a {kind!r} step takes no {key!r}{_suggest(key, valid)}; "
                                    f"valid keys: kind, {', '.join(valid) or '(none)'}", at(key))
        try:
            if kind in ("invoke", "again"):
                thread = item.get("thread", "same" if kind == "invoke" else "fresh")
                out.append(Invoke(item.get("input", SAME), thread))
            elif kind == "resume":
                out.append(Resume(item.get("value")))
            elif kind == "wait":
                if "seconds" not in item:
                    raise ScenarioError(path, f"{label}.seconds", "a wait step needs seconds = N", line)
                out.append(Wait(item["seconds"]))
            elif kind == "sigterm":
                out.append(_sigterm_step(path, label, item, at))
            elif kind == "kill":
                node, grace = item.get("node"), item.get("grace", 0.05)
                if not isinstance(node, str) or not node:
                    raise ScenarioError(path, f"{label}.node", "a kill step needs node = \"NAME\" (the node to kill)",
                                        at("node"))
                if not isinstance(grace, NUMBER) or isinstance(grace, bool):
                    raise ScenarioError(path, f"{label}.grace", f"{grace!r}: give the grace period in seconds", at("grace"))
                out.append(Kill(node, item.get("at", "end"), float(grace)))
            else:
                if "values" not in item:
                    raise ScenarioError(path, f"{label}.values", "an update_state step needs values = { ... }", line)
                out.append(UpdateState(item["values"], item.get("as_node")))
        except ChaosUsageError as exc:
            if isinstance(exc, ScenarioError):
                raise
            raise ScenarioError(path, label, str(exc), line) from None
    try:
        return validate_steps(out, where="steps")
    except ChaosUsageError as exc:
        raise ScenarioError(path, "steps", str(exc), lines.table("steps")) from None


def _sigterm_step(path: Path, label: str, item: dict[str, Any], at: Any) -> Sigterm:
    """A ``kind = "sigterm"`` table: ``node`` (and ``attempts``) or ``step``."""
    node, step, attempts = item.get("node"), item.get("step"), item.get("attempts", 1)
    if node is not None and not isinstance(node, str):
        raise ScenarioError(path, f"{label}.node", f"{node!r} must be a node name or glob (a string)", at("node"))
    if step is not None and (not isinstance(step, int) or isinstance(step, bool)):
        raise ScenarioError(path, f"{label}.step", f"{step!r} must be a superstep number, e.g. step = 2", at("step"))
    if node is None and step is None:
        raise ScenarioError(path, label, "a sigterm step needs node = \"NAME\" (when it starts) or step = K (the "
                            "superstep boundary after superstep K)", at("kind"))
    if not (isinstance(attempts, int) or (isinstance(attempts, list) and all(isinstance(a, int) for a in attempts))):
        raise ScenarioError(path, f"{label}.attempts", f"{attempts!r} must be an attempt number or an array of them",
                            at("attempts"))
    if step is not None:
        if "attempts" in item:
            raise ScenarioError(path, f"{label}.attempts", "attempts aims a node's SIGTERM; a step = K signal "
                                "lands at a superstep boundary: remove attempts", at("attempts"))
        return Sigterm(node, step=step)  # node and step together: the step's own error, naming both
    return Sigterm(node, tuple(attempts) if isinstance(attempts, list) else attempts)


ROUTE_KEYS = {"method", "url", "url_prefix", "status", "json", "text", "headers"}


def _parse_route(path: Path, lines: _Lines, index: int, raw: Any) -> Route:
    label = f"routes[{index}]"
    line = lines.table("routes", index)
    if not isinstance(raw, dict):
        raise ScenarioError(path, label, "must be a table", line)
    for key in raw:
        if key not in ROUTE_KEYS:
            raise ScenarioError(
                path, f"{label}.{key}", f"unknown key{_suggest(key, ROUTE_KEYS)}; valid keys: {', '.join(sorted(ROUTE_KEYS))}",
                lines.key("routes", index, key) or line,
            )
    if ("url" in raw) == ("url_prefix" in raw):
        raise ScenarioError(path, label, "give exactly one of url = \"https://...\" or url_prefix = \"https://...\"", line)
    if "json" in raw and "text" in raw:
        raise ScenarioError(path, label, "give json or text as the body, not both", line)
    status = raw.get("status", 200)
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ScenarioError(path, f"{label}.status", f"{status!r} is not an HTTP status", lines.key("routes", index, "status") or line)
    return Route(
        method=str(raw.get("method", "GET")).upper(),
        url=raw.get("url"),
        url_prefix=raw.get("url_prefix"),
        status=status,
        json=raw.get("json"),
        text=raw.get("text"),
        headers=dict(raw.get("headers", {})),
    )


def _suggest(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Lines:
    """Where tables and keys are in the text (tomllib does not keep positions)."""

    HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?")

    def __init__(self, text: str) -> None:
        self.rows = text.splitlines()

    def table(self, name: str, index: int = 0) -> int | None:
        seen = -1
        for n, row in enumerate(self.rows, 1):
            m = self.HEADER.match(row)
            if m and m.group(1) == name:
                seen += 1
                if seen == index:
                    return n
        return None

    def key(self, table: str, index: int, key: str) -> int | None:
        start = self.table(table, index)
        if start is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(start, len(self.rows)):
            row = self.rows[n]
            if self.HEADER.match(row):
                return None
            if pattern.match(row):
                return n + 1
        return None
