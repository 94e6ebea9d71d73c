"""docs/diagnostics.md lists exactly the codes the front end can emit."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_EMITTED = re.compile(r'(?:Diagnostic\([^"]*|\.(?:error|warning)\([^"]*)"([a-z]+(?:-[a-z]+)*)"')


def _emitted_codes() -> set[str]:
    codes: set[str] = set()
    for path in sorted((ROOT / "dsl").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        codes.update(_EMITTED.findall(text))
    return codes


def _documented_codes() -> set[str]:
    text = (ROOT / "docs/diagnostics.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z-]+)` \|", text, re.MULTILINE))


def test_every_emitted_code_is_documented_and_every_documented_code_is_emitted() -> None:
    emitted, documented = _emitted_codes(), _documented_codes()
    assert emitted - documented == set(), "undocumented codes"
    assert documented - emitted == set(), "documented codes that nothing emits"
