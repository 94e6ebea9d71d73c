"""The print tests import the helpers of the form, stdlib and compiler tests rather than copying
them: those folders go on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for folder in ("form", "stdlib", "compiler"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))
