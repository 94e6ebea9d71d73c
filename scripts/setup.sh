#!/usr/bin/env bash
# Installs everything Organizer and its tests need on a fresh Debian machine with Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Chromium for the browser tests (Playwright drives it; never `playwright install`).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
if command -v npm >/dev/null 2>&1 && [ -f package.json ]; then
  npm install --silent --no-audit --no-fund >/dev/null
fi
