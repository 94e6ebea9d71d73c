#!/usr/bin/env bash
# Installs everything Organizer and its tests need on a fresh Debian machine with Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
if command -v npm >/dev/null 2>&1 && [ -f package.json ]; then
  npm install --silent --no-audit --no-fund >/dev/null
fi
