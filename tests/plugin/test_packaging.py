"""Packaging (issue 13): a distinctive import name, one node base class, the extras.

The installed wheel must not ship a top-level module named ``plugins`` (users' projects have
their own); the library must not import the plugin; every pytest node the plugin adds derives
from one base class; and the PostgreSQL and Redis drivers are extras whose absence is one clear
error naming the extra. The end-to-end check from a built wheel in a fresh venv is in
``.ci/wheel_smoke.sh``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PLUGIN = "pytest_langgraph_chaos"


def _installed_top_level() -> set[str]:
    """The top-level packages the wheel installs, found as setuptools finds them."""
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    found: set[str] = set()
    for where in find["where"]:
        found |= {p.split(".")[0] for p in find_packages(where=str(ROOT / where), include=find["include"])}
    return found


def test_the_wheel_installs_no_module_named_plugins() -> None:
    assert _installed_top_level() == {"chaos", PLUGIN}
    assert PYPROJECT["project"]["entry-points"]["pytest11"] == {"chaos": PLUGIN}
    assert not (ROOT / "plugins" / "__init__.py").exists(), "plugins/ is a source folder, not a package"


def test_the_plugin_loads_under_its_distinctive_name(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--trace-config")
    result.stdout.fnmatch_lines([f"*{PLUGIN}*"])
    assert result.ret == 0


def _chaos_sources() -> list[Path]:
    return sorted((ROOT / "chaos").rglob("*.py"))


def test_no_module_of_chaos_imports_the_plugin() -> None:
    offenders = []
    for path in _chaos_sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}:{node.lineno}: {name}"
                for name in names
                if name.split(".")[0] in (PLUGIN, "plugins")
            ]
    assert offenders == []


def test_every_chaos_module_imports_with_the_plugin_blocked() -> None:
    code = f"""
import pkgutil, sys, importlib
sys.modules[{PLUGIN!r}] = None  # any import of the plugin now raises ImportError
import chaos
for info in pkgutil.walk_packages(chaos.__path__, "chaos."):
    if info.name.startswith(("chaos.examples.", "chaos.bench.__main__")):
        continue
    importlib.import_module(info.name)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]


def test_no_pytest_node_is_defined_in_chaos() -> None:
    """pytest Items and Collectors live in the plugin package only."""
    bases = {"Item", "Collector", "File", "Module", "Class", "Directory"}
    offenders = []
    for path in _chaos_sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                    if name in bases:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}")
    assert offenders == []


def test_every_plugin_node_derives_from_the_one_base_class() -> None:
    from _pytest.nodes import Node

    from pytest_langgraph_chaos._nodes import ChaosNode

    package = importlib.import_module(PLUGIN)
    nodes = []
    for path in sorted((ROOT / "plugins" / PLUGIN).glob("*.py")):
        module = importlib.import_module(PLUGIN if path.stem == "__init__" else f"{PLUGIN}.{path.stem}")
        nodes += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Node) and obj.__module__.startswith(PLUGIN)
        ]
    assert package is not None
    names = {n.__name__ for n in nodes}
    assert {"ChaosTrialItem", "ChaosTargetCollector", "ScenarioFile", "ScenarioItem", "ChaosAuditItem"} <= names
    assert [n.__name__ for n in nodes if not issubclass(n, ChaosNode)] == []


def test_the_test_extra_pulls_in_every_extra() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"postgres", "redis"} <= set(extras)
    assert any(req.startswith("langgraph-chaos[") and "postgres" in req and "redis" in req for req in extras["test"])
    base = " ".join(PYPROJECT["project"]["dependencies"])
    for driver in ("psycopg", "langgraph-checkpoint-postgres", "redis"):
        assert driver not in base, f"{driver} belongs to an extra, not the base install"


def _block(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    import chaos.extras

    real = chaos.extras._importable
    monkeypatch.setattr(chaos.extras, "_importable", lambda name: name != module and real(name))


@pytest.mark.parametrize(
    ("module", "extra", "call"),
    [
        ("psycopg", "postgres", lambda: __import__("chaos.savers").savers.postgres_saver("postgresql://x")),
        ("langgraph.checkpoint.postgres", "postgres", lambda: __import__("chaos.savers").savers.async_postgres_saver("postgresql://x")),
        ("redis", "redis", lambda: __import__("chaos.savers").savers.redis_cache("redis://127.0.0.1:1/0")),
    ],
)
def test_a_missing_driver_is_an_error_naming_its_extra(
    monkeypatch: pytest.MonkeyPatch, module: str, extra: str, call: object
) -> None:
    from chaos.errors import ChaosUsageError
    from chaos.extras import MissingExtraError

    _block(monkeypatch, module)
    with pytest.raises(MissingExtraError, match=rf"pip install 'langgraph-chaos\[{extra}\]'") as info:
        call()  # type: ignore[operator]
    assert isinstance(info.value, ChaosUsageError) and isinstance(info.value, ImportError)
    assert module in str(info.value)


def test_installed_drivers_need_no_error() -> None:
    from chaos.extras import require_extra

    require_extra("postgres", "x")
    require_extra("redis", "x")


# -- cheap collection (issue 18) -------------------------------------------------------------


def test_a_session_without_chaos_imports_neither_the_library_nor_hypothesis(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_x():\n    pass\n")
    code = """
import sys, pytest
code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:langsmith_plugin", "test_plain.py"])
loaded = sorted(m for m in ("chaos", "langgraph", "hypothesis") if m in sys.modules)
print("LOADED", loaded, "CODE", int(code))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert "LOADED [] CODE 0" in done.stdout, done.stdout + done.stderr


def test_the_library_is_not_marked_for_assertion_rewriting(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_marks(pytestconfig):
            hook = pytestconfig.pluginmanager.rewrite_hook
            assert "chaos" not in getattr(hook, "_must_rewrite", set())
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
