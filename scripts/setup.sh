#!/usr/bin/env bash
# Installs everything Organizer and its tests need on a fresh Debian machine with Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages: Chromium for the browser tests (Playwright drives it; never `playwright install`)
# and Pango for PDF output (WeasyPrint, the `pdf` extra).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
if command -v npm >/dev/null 2>&1 && [ -f package.json ]; then
  npm install --silent --no-audit --no-fund >/dev/null
fi
