"""The built wheel, installed non-editable, in a scratch project with its own ``plugins/``
package and a ``conftest.py`` importing from it (issue 13's "Done when"): the project's tests
pass and ``pytest --chaos --chaos-target=...`` runs a bundled example green.

The full check in a fresh venv with only the wheel and pytest is ``.ci/wheel_smoke.sh`` (it
installs the dependencies from the package index); this one builds the wheel, installs it with ``--target``
ahead of this venv's site-packages (which provide the dependencies), and runs the project
from a directory where only the wheel's code can be imported as ``chaos``.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "chaos", src / "chaos", ignore=ignore)
    shutil.copytree(ROOT / "plugins", src / "plugins", ignore=ignore)
    wall, cpu = time.perf_counter(), _children_cpu()
    # The build backend the project declares (setuptools>=77, in pip's isolated build env, as a
    # user's pip would build it); copied sources, so the checkout gets no build/ or egg-info.
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir",
                            str(work / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = (work / "dist").glob("langgraph_chaos-*.whl")
    top = sorted({n.split("/")[0] for n in zipfile.ZipFile(wheel).namelist() if ".dist-info" not in n.split("/")[0]})
    assert top == ["chaos", "pytest_langgraph_chaos"], f"the wheel installs top-level {top}"
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    print(f"\n[wheel] build + install: {time.perf_counter() - wall:.1f} s wall, {_children_cpu() - cpu:.2f} s CPU (pip)")
    assert not (target / "plugins").exists(), "the wheel installed a top-level plugins package"
    return target


def _project(tmp_path: Path) -> Path:
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "__init__.py").write_text('"""The project\'s own package named plugins."""\n')
    (tmp_path / "plugins" / "greeting.py").write_text("def greet(name):\n    return f'hello {name}'\n")
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\nfrom plugins.greeting import greet\n\n\n@pytest.fixture\ndef greeting():\n"
        "    return greet('world')\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_own.py").write_text(
        "import os\n\nimport chaos\nimport plugins\n\n\n"
        "def test_own_plugins_package(greeting):\n"
        "    assert greeting == 'hello world'\n"
        "    assert plugins.__file__.startswith(os.getcwd()), plugins.__file__\n"
        "    assert os.environ['CHAOS_WHEEL_SITE'] in chaos.__file__, chaos.__file__  # the wheel's code\n\n\n"
        "def test_chaos_plugin_is_loaded(pytestconfig):\n"
        "    assert pytestconfig.pluginmanager.hasplugin('chaos')\n"
    )
    return tmp_path


def _pytest(project: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "CHAOS_WHEEL_SITE": str(site),
           "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(project)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=project,
                          env=env, capture_output=True, text=True, timeout=600)


def test_the_projects_own_tests_pass_with_the_wheel_installed(installed: Path, tmp_path: Path) -> None:
    done = _pytest(_project(tmp_path), installed, "tests/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_pytest_chaos_on_a_bundled_example_runs_green_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    done = _pytest(_project(tmp_path), installed, "--chaos", "--chaos-seed=1",
                   "--chaos-target=chaos.examples.support:builder", '--chaos-input={"question": "q"}',
                   "-k", "test_own or exception or raise_status_503", "tests/")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert " passed" in last and "failed" not in last and "error" not in last, last
