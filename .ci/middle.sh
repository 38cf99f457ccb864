#!/usr/bin/env bash
# The invariant tests against a langgraph release from the MIDDLE of the supported range, pinned in
# .ci/constraints-middle.txt, in a separate venv (.venv-middle, git-ignored), so CI covers the oldest
# (.ci/oldest.sh), the middle and the newest release. Called by .ci/run; fails when the install, the
# version check or any test fails. About 2-3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-middle
python3 -m venv "$venv"
"$venv"/bin/python -m pip install --quiet --upgrade pip
"$venv"/bin/python -m pip install --quiet -c .ci/constraints-middle.txt -e '.[test]'

# A constraints file only limits what gets installed: check the pins really are what runs.
"$venv"/bin/python - <<'PY'
import re
from importlib.metadata import version

bad = []
for line in open(".ci/constraints-middle.txt"):
    m = re.match(r"\s*([A-Za-z0-9_.-]+)==(\S+)", line)
    if m:
        have = version(m.group(1))
        print(f"middle: {m.group(1)}=={have}")
        if have != m.group(2):
            bad.append(f"{m.group(1)}: pinned {m.group(2)}, installed {have}")
if bad:
    raise SystemExit("middle.sh: " + "; ".join(bad))
PY

echo "+ invariant and audit tests on a middle langgraph release"
"$venv"/bin/python -m pytest -q -p no:cacheprovider -n 2 tests/invariants tests/audit
