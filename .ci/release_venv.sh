#!/usr/bin/env bash
# Tests against an OLDER langgraph release in its own venv, so the main .venv keeps the newest ones.
#   bash .ci/release_venv.sh NAME CONSTRAINTS PYTEST_ARGS...
# makes .venv-NAME (git-ignored), installs the project with its test extra under CONSTRAINTS (a pip
# constraints file pinning langgraph and its checkpoint libraries), checks that every `pkg==version`
# pin of CONSTRAINTS is what got installed, then runs pytest with PYTEST_ARGS (the tests that
# release must pass). .ci/run calls it for the oldest supported release (.ci/constraints-oldest.txt)
# and one from the middle of the range (.ci/constraints-middle.txt), about 5 minutes each on 2 cores.
# Fails when the install, the version check or any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -lt 3 ]; then
  echo "usage: bash .ci/release_venv.sh NAME CONSTRAINTS PYTEST_ARGS... (e.g. oldest .ci/constraints-oldest.txt tests/simtime)" >&2
  exit 2
fi
name=$1
constraints=$2
shift 2
if [ ! -f "$constraints" ]; then
  echo "release_venv.sh: no constraints file $constraints (give a path such as .ci/constraints-$name.txt)" >&2
  exit 2
fi

venv=.venv-$name
python3 -m venv "$venv"
"$venv"/bin/python -m pip install --quiet --upgrade pip
"$venv"/bin/python -m pip install --quiet -c "$constraints" -e '.[test]'

# A constraints file only limits what gets installed: check the pins really are what runs.
"$venv"/bin/python - "$name" "$constraints" <<'PY'
import re
import sys
from importlib.metadata import version

name, constraints = sys.argv[1:]
bad = []
for line in open(constraints):
    m = re.match(r"\s*([A-Za-z0-9_.-]+)==(\S+)", line)
    if m:
        have = version(m.group(1))
        print(f"{name}: {m.group(1)}=={have}")
        if have != m.group(2):
            bad.append(f"{m.group(1)}: pinned {m.group(2)}, installed {have}")
if bad:
    raise SystemExit(f"release_venv.sh {name}: " + "; ".join(bad))
PY

echo "+ $venv/bin/python -m pytest -q -p no:cacheprovider $*"
"$venv"/bin/python -m pytest -q -p no:cacheprovider "$@"
