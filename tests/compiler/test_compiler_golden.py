"""Golden files: `tests/golden/<case>/input.organizer` and the expected `organizer.json` and
`schema.json` beside it. `pytest --update-goldens` rewrites them; review the diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema.validators import Draft202012Validator

from organizer.compiler.build import compile_source

GOLDEN = Path(__file__).parent.parent / "golden"
CASES = sorted(p.parent.name for p in GOLDEN.glob("*/input.organizer") if not (p.parent / "diagnostics.txt").exists())
ARTIFACTS = ("organizer.json", "schema.json")
IR_SCHEMA = Draft202012Validator(json.loads((Path(__file__).parent.parent.parent / "compiler" / "ir_schema.json").read_text()))


def _pretty(artifact: str) -> str:
    """Artifacts are compact JSON; goldens keep them indented so a change reads as a diff."""
    return json.dumps(json.loads(artifact), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, update_goldens: bool) -> None:
    folder = GOLDEN / case
    result = compile_source((folder / "input.organizer").read_text(encoding="utf-8"), "input.organizer")
    assert result.program is not None, [str(d) for d in result.diagnostics]
    for name in ARTIFACTS:
        expected = folder / name
        shown = _pretty(result.artifacts[name])
        if update_goldens:
            expected.write_text(shown, encoding="utf-8")
            continue
        assert expected.exists(), f"missing golden {expected}: run `pytest --update-goldens` and review it"
        assert shown == expected.read_text(encoding="utf-8"), f"{case}/{name} changed"
    assert not list(IR_SCHEMA.iter_errors(json.loads(result.artifacts["organizer.json"])))
    Draft202012Validator.check_schema(json.loads(result.artifacts["schema.json"]))


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 8
