#!/usr/bin/env bash
# Types: `mypy --strict` over the package (chaos) and the pytest plugin (pytest_langgraph_chaos),
# with the [tool.mypy] configuration of pyproject.toml (strict, the packages, the few untyped
# third-party modules). Prints mypy's report, the error count and the time taken (CPU next to
# wall); exits non-zero on any error or when mypy cannot run. Called by .ci/run after the
# install, before the suite; PY picks the interpreter (default .venv/bin/python).
set -uo pipefail
cd "$(dirname "$0")/.."

py=${PY:-.venv/bin/python}
log=$(mktemp)
timing=$(mktemp)
trap 'rm -f "$log" "$timing"' EXIT
TIMEFORMAT='%R s wall, %U s user + %S s sys CPU'
rc=0
{ time { "$py" -m mypy --config-file pyproject.toml >"$log" 2>&1 || rc=$?; }; } 2>"$timing"
cat "$log"
if [ "$rc" -eq 0 ] && grep -q '^Success: no issues found' "$log"; then
  echo "mypy: 0 errors ($(cat "$timing"))"
  exit 0
fi
count=$(sed -nE 's/^Found ([0-9]+) errors? in .*/\1/p' "$log" | tail -n 1)
echo "mypy: ${count:-unknown number of} error(s), exit status $rc ($(cat "$timing"))" >&2
[ "$rc" -ne 0 ] || rc=1
exit "$rc"
