#!/usr/bin/env bash
# Smoke test of the BUILT WHEEL, installed non-editable in a fresh venv (issue 13): editable
# installs hide packaging bugs (a module missing from the wheel, a top-level name that shadows
# the user's). The scratch project has its own `plugins/` package and a conftest.py importing
# from it, as many real projects do. Checks, from that project's directory:
#   - the wheel installs no top-level `plugins` (the project's own package is the one imported);
#   - the project's own tests pass with `pytest` and `python -m pytest`, chaos plugin loaded;
#   - `pytest --chaos --chaos-target=...` runs green on a bundled example (chaos.examples) and on
#     the README quickstart's `app:builder` (app.py in the current directory).
#   - the base install has no PostgreSQL/Redis driver, and asking for one names the extra.
# Installs only the wheel (its dependencies) and pytest. About 1-2 minutes. Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
python=${PYTHON:-python3}

work=$(mktemp -d /tmp/chaos-wheel-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "+ building the wheel" >&2
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$repo" >&2
wheel=$(ls "$work"/dist/langgraph_chaos-*.whl)
echo "wheel-smoke: $(basename "$wheel")" >&2

# The wheel's own listing: exactly the two top-level packages, nothing named plugins.
"$python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
top = sorted({n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")})
if top != ["chaos", "pytest_langgraph_chaos"]:
    raise SystemExit(f"wheel-smoke: the wheel installs top-level {top}; expected chaos and pytest_langgraph_chaos")
PY

echo "+ fresh venv: the wheel and pytest only" >&2
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel" pytest >&2

proj=$work/project
mkdir -p "$proj/plugins" "$proj/tests"
cat >"$proj/plugins/__init__.py" <<'PY'
"""The project's own package named plugins (a common name): must stay importable."""
PY
cat >"$proj/plugins/greeting.py" <<'PY'
def greet(name: str) -> str:
    return f"hello {name}"
PY
cat >"$proj/conftest.py" <<'PY'
import pytest

from plugins.greeting import greet


@pytest.fixture
def greeting() -> str:
    return greet("world")
PY
cat >"$proj/tests/test_own.py" <<'PY'
import plugins


def test_own_plugins_package(greeting):
    assert greeting == "hello world"
    assert plugins.__file__.startswith(__import__("os").getcwd()), plugins.__file__


def test_chaos_plugin_is_loaded(pytestconfig):
    assert pytestconfig.pluginmanager.hasplugin("chaos")
PY
# The README quickstart's target: app.py in the current directory.
cat >"$proj/app.py" <<'PY'
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy


class State(TypedDict, total=False):
    question: str
    answer: str


async def answer(state: State) -> State:
    return {"answer": state.get("question", "").upper()}


builder = StateGraph(State)
builder.add_node(
    "answer", answer,
    retry_policy=RetryPolicy(max_attempts=3, initial_interval=0.01),
    timeout=TimeoutPolicy(run_timeout=30),
)
builder.add_edge(START, "answer")
builder.add_edge("answer", END)
PY

cd "$proj"
export PYTHONDONTWRITEBYTECODE=1
venv=$work/venv/bin
site=$("$venv/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if [ -e "$site/plugins" ]; then
  echo "wheel-smoke: the install created $site/plugins (shadows users' own plugins package)" >&2
  exit 1
fi

echo "+ the project's own tests (pytest, then python -m pytest)" >&2
"$venv/pytest" -q -p no:cacheprovider tests/
"$venv/python" -m pytest -q -p no:cacheprovider tests/

# chaos.examples.ingest: every suite kind that applies to it passes (support's handler_fault
# item is a true finding, langchain-ai/langgraph#8842: a handler's hang is not bounded).
echo "+ pytest --chaos on a bundled example" >&2
"$venv/pytest" -q -p no:cacheprovider --chaos --chaos-seed=1 \
  --chaos-target=chaos.examples.ingest:builder tests/

echo "+ the README quickstart: pytest --chaos --chaos-target=app:builder, app.py in the cwd" >&2
"$venv/pytest" -q -p no:cacheprovider --chaos --chaos-seed=1 --chaos-target=app:builder \
  '--chaos-input={"question": "q"}' tests/
# The same with nothing else in the directory (no conftest.py putting it on sys.path).
mkdir "$work/quickstart" && cp app.py "$work/quickstart/" && cd "$work/quickstart"
"$venv/pytest" -q -p no:cacheprovider --chaos --chaos-seed=1 --chaos-target=app:builder \
  '--chaos-input={"question": "q"}'
echo "+ the base install has no PostgreSQL/Redis drivers: asking for one names its extra" >&2
"$venv/python" - <<'PY'
from chaos.extras import MissingExtraError
from chaos.savers import postgres_saver, redis_cache

for call, extra in ((lambda: postgres_saver("postgresql://x"), "postgres"), (lambda: redis_cache("redis://x"), "redis")):
    try:
        call()
    except MissingExtraError as exc:
        assert f"langgraph-chaos[{extra}]" in str(exc), exc
    else:
        raise SystemExit(f"wheel-smoke: the {extra} driver is installed by the base wheel")
PY
echo "wheel-smoke: ok" >&2
