#!/usr/bin/env bash
# Install Debian's Chromium for the HTML report's browser test (tests/reporting/test_html_browser.py).
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root, as on CI.
# Debian's package, not a test tool's own browser download: this machine reaches only the
# package registries, and a browser build fetched from elsewhere fails to install.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "browser: $(chromium --version 2>/dev/null || echo chromium) already installed" >&2
  exit 0
fi

echo "browser: installing chromium from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
echo "browser: $(chromium --version)" >&2
