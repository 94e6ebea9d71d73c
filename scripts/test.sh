#!/usr/bin/env bash
# Runs the whole test suite (CI uses the larger `ci` hypothesis profile).
set -euo pipefail
cd "$(dirname "$0")/.."
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-$([ -n "${CI:-}" ] && echo ci || echo dev)}"
exec python3 -m pytest "$@"
