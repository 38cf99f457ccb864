#!/usr/bin/env bash
# Build the documentation site the way CI does: strict, so a broken link, a missing anchor, a
# page left out of the nav or a snippet file that is gone fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir "${1:-site}"
