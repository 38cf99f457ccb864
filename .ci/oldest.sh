#!/usr/bin/env bash
# Smoke tests against the OLDEST langgraph this project supports (pyproject.toml: langgraph>=1.2.2),
# with the versions pinned in .ci/constraints-oldest.txt, in a separate venv (.venv-oldest,
# git-ignored) so the main .venv keeps the newest releases. Called by .ci/run after the main test
# command; fails when the install, the version check or any test fails. About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-oldest
python3 -m venv "$venv"
"$venv"/bin/python -m pip install --quiet --upgrade pip
"$venv"/bin/python -m pip install --quiet -c .ci/constraints-oldest.txt -e '.[test]'

# A constraints file only limits what gets installed: check the pins really are what runs.
"$venv"/bin/python - <<'PY'
import re
from importlib.metadata import version

bad = []
for line in open(".ci/constraints-oldest.txt"):
    m = re.match(r"\s*([A-Za-z0-9_.-]+)==(\S+)", line)
    if m:
        have = version(m.group(1))
        print(f"oldest: {m.group(1)}=={have}")
        if have != m.group(2):
            bad.append(f"{m.group(1)}: pinned {m.group(2)}, installed {have}")
if bad:
    raise SystemExit("oldest.sh: " + "; ".join(bad))
PY

echo "+ smoke tests on the oldest supported langgraph"
"$venv"/bin/python -m pytest -q -p no:cacheprovider \
  tests/test_node_faults.py tests/test_clock_modes.py tests/test_repeat.py \
  tests/simtime tests/scenarios/test_scenario_files.py \
  tests/invariants tests/audit tests/shutdown/test_shutdown_drain.py
