"""Target loading: MODULE:ATTR, path/to/file.py:ATTR, langgraph.json (graphs, env, dependencies),
factories taking nothing or a RunnableConfig, sync or async."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from chaos.errors import ChaosUsageError
from chaos.targets import applied_env, expand_targets, load, parse_dotenv

GRAPH_PY = '''
import os
from typing import TypedDict
from langgraph.graph import StateGraph, START
from langgraph.func import entrypoint, task

from {pkg}.helper import VALUE

class S(TypedDict):
    x: int

def bump(state: S) -> S:
    return {{"x": state["x"] + VALUE}}

builder = StateGraph(S)
builder.add_node("bump", bump)
builder.add_edge(START, "bump")
graph = builder.compile()
SEEN_ENV = os.environ.get("APP_SETTING")

def make_graph(config):
    assert config["configurable"]["flavor"] == "test", config
    return builder

async def make_graph_async():
    return builder.compile()

@task
def double(x: int) -> int:
    return 2 * x

@entrypoint()
def workflow(x: int) -> int:
    return double(x).result()
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A src-layout LangGraph project with a langgraph.json, like the templates."""
    pkg = f"app_{tmp_path.name.replace('-', '_')}"
    src = tmp_path / "src" / pkg
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("")
    (src / "helper.py").write_text("VALUE = 1\n")
    (src / "graph.py").write_text(GRAPH_PY.format(pkg=pkg))
    (tmp_path / ".env").write_text("# comment\nexport APP_SETTING='from-dotenv'\nOTHER=1 # trailing\n")
    (tmp_path / "langgraph.json").write_text(json.dumps({
        "dependencies": ["."],
        "graphs": {
            "compiled": f"./src/{pkg}/graph.py:graph",
            "factory": f"./src/{pkg}/graph.py:make_graph",
            "functional": {"path": f"./src/{pkg}/graph.py:workflow"},
        },
        "env": ".env",
    }))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("APP_SETTING", raising=False)
    return tmp_path


def test_a_bare_langgraph_json_or_none_at_all_means_every_graph_it_lists(project: Path) -> None:
    names = ["langgraph.json:compiled", "langgraph.json:factory", "langgraph.json:functional"]
    assert expand_targets([]) == names
    assert expand_targets(["langgraph.json"]) == names
    assert expand_targets(["pkg.mod:graph"]) == ["pkg.mod:graph"]


def test_langgraph_json_graphs_load_with_their_env_and_local_dependencies(project: Path) -> None:
    loaded = load("langgraph.json:compiled")
    assert isinstance(loaded.graph, Pregel)
    assert loaded.env == {"APP_SETTING": "from-dotenv", "OTHER": "1"}
    assert loaded.project == project
    # The env is applied while the module is imported, then restored.
    pkg = next((project / "src").iterdir()).name
    assert sys.modules[f"{pkg}.graph"].SEEN_ENV == "from-dotenv"
    assert "APP_SETTING" not in os.environ
    assert str((project / "src").resolve()) in sys.path  # dependencies: ["."] + its src/ layout


def test_a_file_path_target_imports_the_file_by_its_package_name(project: Path) -> None:
    pkg = next((project / "src").iterdir()).name
    graph = load(f"./src/{pkg}/graph.py:graph").graph
    assert graph is load(f"{pkg}.graph:graph").graph  # one module, not two copies


def test_factories_get_the_config_or_nothing_sync_or_async(project: Path) -> None:
    pkg = next((project / "src").iterdir()).name
    built = load("langgraph.json:factory", config={"configurable": {"flavor": "test"}}).graph
    assert isinstance(built, StateGraph)
    assert isinstance(load(f"./src/{pkg}/graph.py:make_graph_async").graph, Pregel)


def test_a_functional_api_entrypoint_is_a_target(project: Path) -> None:
    graph = load("langgraph.json:functional").graph
    assert isinstance(graph, Pregel) and graph.invoke(3) == 6


def test_env_is_restored_after_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEEP", "old")
    monkeypatch.delenv("NEW", raising=False)
    with applied_env({"KEEP": "new", "NEW": "x"}):
        assert (os.environ["KEEP"], os.environ["NEW"]) == ("new", "x")
    assert os.environ["KEEP"] == "old" and "NEW" not in os.environ


def test_dotenv_quotes_comments_and_export() -> None:
    assert parse_dotenv('A="x y"\nexport B=2\n# no\nC=3 # note\nbad line\n') == {"A": "x y", "B": "2", "C": "3"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("langgraph.json:nope", "lists no graph 'nope'; its graphs are: compiled, factory, functional"),
        ("./src/missing.py:graph", "no file"),
        ("missing.json:x", "no file"),
    ],
)
def test_bad_targets_say_what_is_wrong(project: Path, spec: str, message: str) -> None:
    with pytest.raises(ChaosUsageError, match=message):
        load(spec)


def test_a_factory_with_two_arguments_is_refused_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "two.py").write_text("def make(a, b):\n    pass\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ChaosUsageError, match="a graph factory takes nothing or one RunnableConfig"):
        load("two.py:make")
