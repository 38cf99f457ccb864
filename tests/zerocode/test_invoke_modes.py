"""``--chaos-invoke=MODE``: the zero-code suite drives the graph as production does.

Each mode really calls the graph that way: the app below records every outermost call of a
LangGraph entry point (method, stream modes, events version, batch size) to a file, so a mode
that silently fell back to ``astream`` would show. With several modes every kind runs under
each, the mode in the item id; a bad token is a usage error listing the valid ones; the old
``async``/``sync`` names warn; one seed gives the same verdicts with -n 0 and -n 2.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Literal

import pytest

from chaos.engine.drive import DEFAULT, Drive, parse_drive, unsupported

APP = '''
import contextvars
import json
from pathlib import Path
from typing import TypedDict

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

CALLS = Path(__file__).with_name("calls.jsonl")
_depth = contextvars.ContextVar("depth", default=0)


def _note(method, **detail):
    if _depth.get() == 0:  # only the call the harness made, not LangGraph's own inner calls
        with CALLS.open("a") as f:
            f.write(json.dumps({"method": method, **detail}) + "\\n")


class Recording(CompiledStateGraph):
    def invoke(self, input, config=None, **kw):
        _note("invoke")
        tok = _depth.set(_depth.get() + 1)
        try:
            return super().invoke(input, config, **kw)
        finally:
            _depth.reset(tok)

    async def ainvoke(self, input, config=None, **kw):
        _note("ainvoke")
        tok = _depth.set(_depth.get() + 1)
        try:
            return await super().ainvoke(input, config, **kw)
        finally:
            _depth.reset(tok)

    def stream(self, input, config=None, **kw):
        _note("stream", modes=sorted(kw.get("stream_mode") or []))
        # A generator's body may resume in another context (v3 pumps it): set, never reset.
        _depth.set(_depth.get() + 1)
        try:
            yield from super().stream(input, config, **kw)
        finally:
            _depth.set(_depth.get() - 1)

    async def astream(self, input, config=None, **kw):
        _note("astream", modes=sorted(kw.get("stream_mode") or []))
        _depth.set(_depth.get() + 1)
        try:
            async for chunk in super().astream(input, config, **kw):
                yield chunk
        finally:
            _depth.set(_depth.get() - 1)

    def astream_events(self, input, config=None, *, version="v2", **kw):
        _note("astream_events", version=version)
        parent = super()
        if version == "v3":
            async def run():
                tok = _depth.set(_depth.get() + 1)
                try:
                    return await parent.astream_events(input, config, version=version, **kw)
                finally:
                    _depth.reset(tok)
            return run()

        async def events():
            _depth.set(_depth.get() + 1)
            try:
                async for ev in parent.astream_events(input, config, version=version, **kw):
                    yield ev
            finally:
                _depth.set(_depth.get() - 1)
        return events()

    def batch(self, inputs, config=None, **kw):
        _note("batch", n=len(inputs))
        tok = _depth.set(_depth.get() + 1)
        try:
            return super().batch(inputs, config, **kw)
        finally:
            _depth.reset(tok)

    async def abatch(self, inputs, config=None, **kw):
        _note("abatch", n=len(inputs))
        tok = _depth.set(_depth.get() + 1)
        try:
            return await super().abatch(inputs, config, **kw)
        finally:
            _depth.reset(tok)


class RecordingGraph(StateGraph):
    def compile(self, *args, **kwargs):
        compiled = super().compile(*args, **kwargs)
        compiled.__class__ = Recording
        return compiled


class S(TypedDict, total=False):
    q: str
    hits: int


def search(state: S) -> dict:
    with httpx.Client(timeout=5) as client:
        r = client.get("https://search.example.com/api", params={"q": state.get("q", "")})
        r.raise_for_status()
        return {"hits": len(r.json()["hits"])}


def summarize(state: S) -> dict:
    return {"hits": state.get("hits", 0) + 1}


builder = RecordingGraph(S)
builder.add_node("search", search)
builder.add_node("summarize", summarize)
builder.add_edge(START, "search")
builder.add_edge("search", "summarize")
builder.add_edge("summarize", END)
'''

ROUTES = '[[routes]]\nmethod = "GET"\nurl = "https://search.example.com/api"\njson = {hits = [1, 2]}\n'

#: Each mode, and the one outermost call it must make (every run of every item).
EXPECTED: dict[str, dict[str, object]] = {
    "ainvoke": {"method": "ainvoke"},
    "invoke": {"method": "invoke"},
    "astream:updates,values": {"method": "astream", "modes": ["updates", "values"]},
    "stream:messages": {"method": "stream", "modes": ["messages", "updates", "values"]},
    "astream_events:v2": {"method": "astream_events", "version": "v2"},
    "abatch:3": {"method": "abatch", "n": 3},
    "batch:3": {"method": "batch", "n": 3},
}


@pytest.fixture
def app(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(recapp=APP)
    (pytester.path / "routes.toml").write_text(ROUTES)
    pytester.syspathinsert()
    return pytester


def _args(*extra: str) -> list[str]:
    return ["--chaos", "-p", "no:cacheprovider", "--chaos-target=recapp:builder", '--chaos-input={"q": "x"}',
            "--chaos-routes=routes.toml", "--chaos-seed=4", *extra]


def _calls(path: Path) -> list[dict[str, object]]:
    lines = path.joinpath("calls.jsonl").read_text().splitlines() if path.joinpath("calls.jsonl").exists() else []
    path.joinpath("calls.jsonl").unlink(missing_ok=True)
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_each_mode_drives_the_graph_that_way(app: pytest.Pytester, mode: str) -> None:
    result = app.runpytest(*_args(f"--chaos-invoke={mode}", "-k", "exception or http.status_503 or resume", "-v"))
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 3, result.stdout.str()
    calls = _calls(app.path)
    # Planning's fault-free run and every trial's runs: all of them driven the same one way.
    assert calls and all(c == EXPECTED[mode] for c in calls), calls
    segment = "" if mode == DEFAULT.token else f"{mode}::"
    result.stdout.fnmatch_lines([f"chaos:recapp:builder::{segment}exception[[]*[]]#0 *"])


def test_astream_events_v3_runs_where_langgraph_has_it_and_skips_with_the_reason_where_not(app: pytest.Pytester) -> None:
    drive = parse_drive("astream_events:v3")
    why = unsupported(drive)
    result = app.runpytest(*_args("--chaos-invoke=astream_events:v3", "-k", "exception", "-rs"))
    calls = _calls(app.path)
    if why is None:
        result.assert_outcomes(passed=1)
        ours = [c for c in calls if c["method"] != "astream"]
        assert ours and all(c == {"method": "astream_events", "version": "v3"} for c in ours), calls
        # LangGraph's v3 runs its own astream inside (the recorder sees it when the run is
        # pumped), with the modes of its stream mux, not the journal's updates/values.
        assert all(c["modes"] != ["updates", "values"] for c in calls if c["method"] == "astream"), calls
    else:
        result.assert_outcomes(skipped=1)
        result.stdout.fnmatch_lines(["*has no astream_events version 'v3'*"])
        assert calls == []


def test_a_version_langgraph_lacks_is_a_skip_naming_what_it_has() -> None:
    class Old:
        def astream_events(self, input: object, *, version: Literal["v1", "v2"] = "v2") -> None: ...

    why = unsupported(Drive("astream_events", (), "v3"), Old())
    assert why is not None and "no astream_events version 'v3' (it has v1, v2)" in why


def test_several_modes_run_every_kind_under_each_with_the_mode_in_the_id(app: pytest.Pytester) -> None:
    result = app.runpytest(*_args("--chaos-invoke=astream", "--chaos-invoke=invoke", "--chaos-invoke=abatch:2",
                                  "--collect-only", "-q"))
    ids = [line for line in result.stdout.lines if line.startswith("chaos:")]
    default = {i.split("::", 1)[1] for i in ids if i.count("::") == 1}
    for mode in ("invoke", "abatch:2"):
        under = {i.split("::", 2)[2] for i in ids if i.split("::")[1] == mode}
        # The same kinds and sites (kill runs its children with astream only; a batch gets no sigterm).
        assert under == {i for i in default if not i.startswith(("kill", "sigterm" if mode == "abatch:2" else "-"))}
    assert len(ids) == len(set(ids)) and not any(" " in i for i in ids)
    # -k selects by mode: the id names it.
    only = app.runpytest(*_args("--chaos-invoke=astream", "--chaos-invoke=invoke", "-k", "invoke", "--collect-only", "-q"))
    assert {line.split("::")[1] for line in only.stdout.lines if line.startswith("chaos:")} == {"invoke"}


def test_the_ini_twin_and_the_header(app: pytest.Pytester) -> None:
    app.makeini("[pytest]\nchaos_invoke =\n    invoke\n    astream_events:v2\n")
    result = app.runpytest(*_args("-k", "exception"))
    result.stdout.fnmatch_lines(["chaos: seed=4 * invoke=invoke astream_events:v2"])
    result.assert_outcomes(passed=2)
    assert {c["method"] for c in _calls(app.path)} == {"invoke", "astream_events"}


@pytest.mark.parametrize(("args", "ini"), [(["--chaos-invoke=astream:telepathy"], ""), (["--chaos-invoke=poll"], ""),
                                           ([], "chaos_invoke = abatch:zero\n")])
def test_a_bad_mode_is_a_usage_error_naming_it_and_the_valid_ones(app: pytest.Pytester, args: list[str], ini: str) -> None:
    if ini:
        app.makeini(f"[pytest]\n{ini}")
    result = app.runpytest(*_args(*args))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    bad = (args[0].split("=", 1)[1] if args else "abatch:zero")
    text = result.stderr.str()
    assert f"={bad!r}" in text, text
    assert ("use one of astream, stream, ainvoke, invoke, astream_events, abatch, batch" in text
            or "use some of values, updates" in text or "whole number" in text), text


def test_async_and_sync_are_deprecated_aliases_that_warn(app: pytest.Pytester) -> None:
    with pytest.warns(DeprecationWarning, match="--chaos-invoke='sync' is deprecated; use --chaos-invoke='stream'"):
        assert parse_drive("sync", where="--chaos-invoke") == Drive("stream")
    with pytest.warns(DeprecationWarning, match="'async' is deprecated"):
        assert parse_drive("async", where="--chaos-invoke") == DEFAULT
    result = app.runpytest(*_args("--chaos-invoke=sync", "-k", "exception", "-W", "default::DeprecationWarning"))
    result.stdout.fnmatch_lines(["*DeprecationWarning: --chaos-invoke='sync' is deprecated; use --chaos-invoke='stream'*"])
    assert {c["method"] for c in _calls(app.path)} == {"stream"}
    # Under -W error (as in a project with filterwarnings = error) the alias is an error.
    strict = app.runpytest(*_args("--chaos-invoke=async", "-W", "error::DeprecationWarning"))
    assert strict.ret != pytest.ExitCode.OK
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_drive("astream:updates,values", where="--chaos-invoke")  # the new names never warn


def test_verdicts_are_the_same_with_0_and_2_workers_under_several_modes(app: pytest.Pytester) -> None:
    args = _args("--chaos-invoke=ainvoke", "--chaos-invoke=stream:messages", "--chaos-invoke=batch:2")

    def verdicts(workers: str) -> dict[str, tuple[str, list[str]]]:
        name = f"n{workers}.json"
        result = app.runpytest_subprocess(*args, "-n", workers, f"--chaos-report={name}")
        assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()
        trials = json.loads((app.path / name).read_text())["trials"]
        return {t["id"]: (t["verdict"], sorted(v["invariant"] for v in t["violations"])) for t in trials}

    serial = verdicts("0")
    assert {i.split("::")[1] for i in serial} == {"ainvoke", "stream:messages", "batch:2"}
    # `search` has no RetryPolicy: the transient kinds find it under every mode.
    assert all(serial[f"chaos:recapp:builder::{m}::http.status_503[search@a1r1]#0"] == ("fail", ["transient_fatal"])
               for m in ("ainvoke", "stream:messages", "batch:2"))
    assert verdicts("2") == serial


SCENARIO = '''
[scenario]
target = "recapp:builder"
input = {{q = "x"}}
invoke = "{mode}"

[[faults]]
kind = "exception"
node = "summarize"

[[routes]]
method = "GET"
url = "https://search.example.com/api"
json = {{hits = [1]}}
'''


@pytest.mark.parametrize("mode", ["invoke", "stream:messages", "abatch:2"])
def test_a_scenario_file_takes_the_same_token(app: pytest.Pytester, mode: str) -> None:
    (app.path / "rec.chaos.toml").write_text(SCENARIO.format(mode=mode))
    result = app.runpytest("--chaos", "-p", "no:cacheprovider", "--chaos-seed=1", "rec.chaos.toml")
    result.assert_outcomes(passed=1)
    calls = _calls(app.path)
    assert calls and all(c == EXPECTED.get(mode, {"method": "abatch", "n": 2}) for c in calls), calls


def test_a_bad_token_in_a_scenario_file_names_the_file_the_key_and_the_valid_ones(app: pytest.Pytester) -> None:
    (app.path / "rec.chaos.toml").write_text(SCENARIO.format(mode="ainvoke:3"))
    result = app.runpytest("--chaos", "-p", "no:cacheprovider", "rec.chaos.toml")
    result.stdout.fnmatch_lines(["*rec.chaos.toml:5: scenario.invoke: 'ainvoke:3': ainvoke takes no argument*"])


MARKED = '''
import pytest
import respx

from recapp import builder


@pytest.fixture
def search():
    with respx.mock(assert_all_called=False) as router:
        router.get("https://search.example.com/api").respond(json={{"hits": [1]}})
        yield


@pytest.mark.chaos(drive="{mode}")
def test_marked(chaos, search):
    chaos.run(builder, {{"q": "x"}})


@pytest.mark.chaos(drive="{mode}")
def test_its_own_drive_wins(chaos, search):
    chaos.run(builder, {{"q": "x"}}, drive="ainvoke")
'''


def test_the_marker_takes_the_same_token_and_chaos_run_drive_wins(app: pytest.Pytester) -> None:
    app.makepyfile(test_marked=MARKED.format(mode="batch:2"))
    result = app.runpytest("--chaos", "-p", "no:cacheprovider", "test_marked.py::test_marked")
    result.assert_outcomes(passed=1)
    assert {json.dumps(c) for c in _calls(app.path)} == {json.dumps({"method": "batch", "n": 2})}
    app.runpytest("--chaos", "-p", "no:cacheprovider", "test_marked.py::test_its_own_drive_wins").assert_outcomes(passed=1)
    assert {c["method"] for c in _calls(app.path)} == {"ainvoke"}
    app.makepyfile(test_marked=MARKED.format(mode="astream:telepathy"))
    bad = app.runpytest("--chaos", "-p", "no:cacheprovider", "test_marked.py::test_marked")
    bad.assert_outcomes(errors=1)  # in the fixture, before any trial
    bad.stdout.fnmatch_lines(["*invalid @pytest.mark.chaos: drive='astream:telepathy': unknown stream_mode [[]'telepathy'[]]*"])
