"""Resolve targets to graphs, with errors that say how to fix them.

A target names a graph the way users (and ``langgraph.json``) already name them:

- ``MODULE:ATTR`` (``myapp.graphs:builder``; dotted attributes are followed);
- ``path/to/file.py:ATTR``, relative to the current directory (``./src/agent/graph.py:graph``,
  the form ``langgraph.json`` uses);
- ``path/to/langgraph.json:NAME``: the graph ``NAME`` of that file's ``graphs``; a bare
  ``path/to/langgraph.json`` stands for every graph listed there (`expand_targets`).

What ATTR names may be a `StateGraph` builder, a compiled graph, a Functional-API
``@entrypoint`` (a compiled graph too), or a factory returning one of those: taking nothing or
a ``RunnableConfig``, sync or async, as the LangGraph server accepts.

A ``langgraph.json`` also brings its ``env`` (a dotenv file or a dict; applied with `applied_env`
for loading and for each trial, then restored) and its local ``dependencies`` (put on
``sys.path``, never installed).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import json
import os
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from chaos.errors import ChaosUsageError

#: What a target resolves to: a builder or a compiled graph (of any state, context, I/O types).
Graph = StateGraph[Any, Any, Any, Any] | Pregel[Any, Any, Any, Any]

#: The file name the LangGraph CLI and server read.
LANGGRAPH_JSON = "langgraph.json"


@dataclass(frozen=True)
class LoadedTarget:
    """A resolved target: the graph and what its ``langgraph.json`` asks of the process.

    Attributes:
        spec: the target as written (item ids use it).
        graph: the builder or compiled graph.
        env: variables to set around every trial (from ``langgraph.json``'s ``env``).
        project: the directory of the ``langgraph.json`` (None for plain targets).
    """

    spec: str
    graph: Graph
    env: Mapping[str, str] = field(default_factory=dict)
    project: Path | None = None


@dataclass(frozen=True)
class _Project:
    """What one ``langgraph.json`` says: its graphs, env and local dependencies."""

    path: Path
    graphs: dict[str, str]
    env: dict[str, str]
    paths: list[Path]


def expand_targets(specs: Sequence[str], *, cwd: Path | None = None) -> list[str]:
    """The targets to run: ``specs`` with each bare ``langgraph.json`` expanded to its graphs.

    With no specs at all, a ``langgraph.json`` in ``cwd`` supplies every graph it lists (so
    ``pytest --chaos`` in a LangGraph project needs no ``--chaos-target``).
    """
    here = cwd or Path.cwd()
    if not specs:
        found = here / LANGGRAPH_JSON
        specs = [LANGGRAPH_JSON] if found.is_file() else []
    out: list[str] = []
    for spec in specs:
        if spec.endswith(".json") and ":" not in spec:
            project = _read_project(_resolve_path(spec, here), spec)
            out.extend(f"{spec}:{name}" for name in project.graphs)
        else:
            out.append(spec)
    return out


def load_target(spec: str, *, config: Mapping[str, Any] | None = None) -> Graph:
    """The builder or compiled graph ``spec`` names (see the module docstring for the forms)."""
    return load(spec, config=config).graph


def load(spec: str, *, config: Mapping[str, Any] | None = None, cwd: Path | None = None) -> LoadedTarget:
    """Resolve ``spec`` to a `LoadedTarget`; a factory is called with ``config`` if it takes one."""
    here = cwd or Path.cwd()
    location, sep, attr = spec.rpartition(":")
    if not sep or not location or not attr:
        raise ChaosUsageError(
            f"--chaos-target={spec!r}: expected MODULE:ATTR, path/to/file.py:ATTR or "
            "path/to/langgraph.json:GRAPH, for example --chaos-target=myapp.graphs:builder"
        )
    if location.endswith(".json"):
        project = _read_project(_resolve_path(location, here), spec)
        if attr not in project.graphs:
            raise ChaosUsageError(
                f"--chaos-target={spec!r}: {location} lists no graph {attr!r}; its graphs are: "
                f"{', '.join(project.graphs) or '(none)'}"
            )
        _add_paths(project.paths)
        with applied_env(project.env):
            inner = load(project.graphs[attr], config=config, cwd=project.path.parent)
        return LoadedTarget(spec, inner.graph, project.env, project.path.parent)
    obj = _import(location, attr, spec, here)
    return LoadedTarget(spec, _to_graph(obj, attr, spec, config))


@contextmanager
def applied_env(env: Mapping[str, str]) -> Iterator[None]:
    """Set ``env`` in ``os.environ`` for the block, then restore every variable it touched."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def parse_input(text: str | None, *, source: str = "--chaos-input") -> Any:
    """Parse the JSON input given to targets (an empty object when not given)."""
    return parse_json(text, source=source, example='{"query": "hello"}', default={})


def parse_json(text: str | None, *, source: str, example: str, default: Any = None) -> Any:
    """Parse one JSON setting (``--chaos-config``, ``--chaos-context`` ...), naming it on error."""
    if text is None or text == "":
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ChaosUsageError(
            f"{source}={text!r} is not valid JSON ({exc.msg} at column {exc.colno}); "
            f"write it like {source.split(' ')[0]}='{example}'"
        ) from exc


# -- importing ----------------------------------------------------------------------------------


def _resolve_path(text: str, here: Path) -> Path:
    path = Path(text)
    return path if path.is_absolute() else (here / path)


def _import(location: str, attr: str, spec: str, here: Path) -> Any:
    if location.endswith(".py") or "/" in location or os.sep in location:
        obj: Any = _import_file(_resolve_path(location, here), spec)
        where = location
    else:
        try:
            obj = importlib.import_module(location)
        except ImportError as exc:
            raise ChaosUsageError(
                f"--chaos-target={spec!r}: cannot import module {location!r} ({exc}). Is it on "
                "sys.path? Run pytest from the project root or set pythonpath in the ini file."
            ) from exc
        where = location
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise ChaosUsageError(
                f"--chaos-target={spec!r}: {where} has no attribute {attr!r}. "
                f"Available names: {', '.join(names[:30])}"
            ) from exc
    return obj


def _import_file(path: Path, spec: str) -> Any:
    """Import a ``.py`` file, by its package name when it lies in a package on ``sys.path``.

    Importing ``src/agent/graph.py`` as ``agent.graph`` (when ``src`` is on the path) keeps
    relative imports working and gives one copy of the module, as the LangGraph server does.
    """
    path = path.resolve()
    if not path.is_file():
        raise ChaosUsageError(
            f"--chaos-target={spec!r}: no file {path}. Paths are relative to the directory pytest "
            "runs in (or to the langgraph.json that lists them)."
        )
    name = _module_name(path)
    if name is not None:
        try:
            return importlib.import_module(name)
        except ImportError:
            pass  # not importable under that name after all: load the file itself
    unique = f"_chaos_target_{abs(hash(str(path))):x}_{path.stem}"
    if unique in sys.modules:
        return sys.modules[unique]
    loader_spec = importlib.util.spec_from_file_location(unique, path)
    if loader_spec is None or loader_spec.loader is None:  # pragma: no cover - a .py always has one
        raise ChaosUsageError(f"--chaos-target={spec!r}: cannot load {path} as Python")
    module = importlib.util.module_from_spec(loader_spec)
    # Its directory first on the path, as `python file.py` would: sibling imports resolve.
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    sys.modules[unique] = module
    try:
        loader_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[unique]
        raise
    return module


def _module_name(path: Path) -> str | None:
    """``pkg.mod`` for a file inside a package (whose root then goes on ``sys.path``), else None."""
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if len(parts) == 1:
        return None
    roots = {Path(p or ".").resolve() for p in sys.path}
    if folder not in roots:
        sys.path.insert(0, str(folder))
    return ".".join(parts)


def _to_graph(obj: Any, attr: str, spec: str, config: Mapping[str, Any] | None) -> Graph:
    if isinstance(obj, (StateGraph, Pregel)):
        return obj
    if not callable(obj):
        raise ChaosUsageError(
            f"--chaos-target={spec!r} is a {type(obj).__name__}, not a graph: point it at a "
            "StateGraph builder, a compiled graph, an @entrypoint, or a function returning one"
        )
    made = _call_factory(obj, attr, spec, config)
    if not isinstance(made, (StateGraph, Pregel)):
        raise ChaosUsageError(
            f"--chaos-target={spec!r}: {attr}() returned a {type(made).__name__}, not a graph; a "
            "factory must return a StateGraph builder or a compiled graph"
        )
    return made


def _call_factory(factory: Any, attr: str, spec: str, config: Mapping[str, Any] | None) -> Any:
    """Call a graph factory as the LangGraph server does: with no argument or the config."""
    try:
        params = [
            p for p in inspect.signature(factory).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        params = []
    if len(params) > 1:
        raise ChaosUsageError(
            f"--chaos-target={spec!r}: {attr} takes {len(params)} arguments; a graph factory takes "
            "nothing or one RunnableConfig (pass it with --chaos-config=JSON)"
        )
    from langchain_core.runnables import ensure_config

    args: tuple[Any, ...] = (ensure_config(dict(config or {})),) if params else ()  # type: ignore[arg-type]  # a user's JSON config
    made = factory(*args)
    if inspect.isawaitable(made):
        # An async factory: run it to completion on a private loop (collection is sync).
        made = asyncio.run(_await(made))
    return made


async def _await(awaitable: Any) -> Any:
    return await awaitable


# -- langgraph.json -----------------------------------------------------------------------------


def _read_project(path: Path, spec: str) -> _Project:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ChaosUsageError(f"--chaos-target={spec!r}: no file {path}") from None
    except json.JSONDecodeError as exc:
        raise ChaosUsageError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    graphs = data.get("graphs") if isinstance(data, dict) else None
    if not isinstance(graphs, dict) or not graphs:
        raise ChaosUsageError(
            f"{path}: no \"graphs\" object; a langgraph.json lists its graphs like "
            '{"graphs": {"agent": "./src/agent/graph.py:graph"}}'
        )
    root = path.parent
    out: dict[str, str] = {}
    for name, value in graphs.items():
        # The server also accepts {"path": "...", "description": ...} entries.
        where = value.get("path") if isinstance(value, dict) else value
        if not isinstance(where, str) or ":" not in where:
            raise ChaosUsageError(f"{path}: graph {name!r} is {value!r}; expected \"./file.py:attr\"")
        out[str(name)] = where
    return _Project(path, out, _read_env(data.get("env"), root, path), _dependency_paths(data, root))


def _read_env(env: Any, root: Path, path: Path) -> dict[str, str]:
    if env is None:
        return {}
    if isinstance(env, dict):
        return {str(k): str(v) for k, v in env.items()}
    if isinstance(env, str):
        file = root / env
        # A missing .env is normal in a fresh clone (it holds secrets and is git-ignored); a
        # sealed chaos run needs no real credentials, so it is not an error.
        return parse_dotenv(file.read_text()) if file.is_file() else {}
    raise ChaosUsageError(f"{path}: \"env\" is {env!r}; expected a file name or an object")


def parse_dotenv(text: str) -> dict[str, str]:
    """The variables of a ``.env`` file (``KEY=value``, ``export KEY=value``, quotes, comments)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[key.strip()] = value
    return out


def _dependency_paths(data: dict[str, Any], root: Path) -> list[Path]:
    """Local dependencies (``"."``, ``"./pkg"``) and their source roots, for ``sys.path``."""
    out: list[Path] = []
    for dep in data.get("dependencies") or []:
        if not isinstance(dep, str) or not (dep.startswith(".") or dep.startswith("/")):
            continue  # a PyPI requirement: the user's environment must already have it
        folder = (root / dep).resolve()
        out.append(folder)
        out.extend(_source_roots(folder))
    return out


def _source_roots(folder: Path) -> list[Path]:
    """Where a project's packages live: ``[tool.setuptools.package-dir]``, else ``src/``."""
    roots: list[Path] = []
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            dirs = tomllib.loads(pyproject.read_text()).get("tool", {}).get("setuptools", {}).get("package-dir", {})
        except tomllib.TOMLDecodeError:
            dirs = {}
        for pkg, where in dirs.items():
            target = (folder / where).resolve()
            if pkg == "":
                roots.append(target)
            elif "." not in pkg and target.name == pkg:
                roots.append(target.parent)
    if (folder / "src").is_dir():
        roots.append((folder / "src").resolve())
    return list(dict.fromkeys(roots))


def _add_paths(paths: Sequence[Path]) -> None:
    for p in reversed(paths):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))


__all__ = [
    "LANGGRAPH_JSON",
    "Graph",
    "LoadedTarget",
    "applied_env",
    "expand_targets",
    "load",
    "load_target",
    "parse_dotenv",
    "parse_input",
    "parse_json",
]
