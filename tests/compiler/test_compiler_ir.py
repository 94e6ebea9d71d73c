"""organizer.json: every built IR validates against compiler/ir_schema.json, reads back into the
same Program, loads in the runtime; and the same holds for generated templates (hypothesis)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from jsonschema.validators import Draft202012Validator
from strategies import templates

from organizer.compiler.build import compile_source
from organizer.dsl import ast as a
from organizer.dsl.config import find_config, load_config
from organizer.dsl.printer import print_module
from organizer.runtime.program import program_from_json, program_to_json
from organizer.runtime.template import Template

ROOT = Path(__file__).parent.parent.parent
IR_SCHEMA = json.loads((ROOT / "compiler" / "ir_schema.json").read_text(encoding="utf-8"))
IR = Draft202012Validator(IR_SCHEMA)
SOURCES = sorted([*ROOT.glob("stdlib_templates/*.organizer"), ROOT / "tests" / "fixtures" / "spec_example.organizer",
                  *ROOT.glob("tests/golden/*/input.organizer")])


def test_ir_schema_is_a_2020_12_schema() -> None:
    Draft202012Validator.check_schema(IR_SCHEMA)


def check_artifacts(artifacts: dict[str, str]) -> None:
    document = json.loads(artifacts["organizer.json"])
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in IR.iter_errors(document)]
    assert errors == []
    program = program_from_json(document)
    assert program_to_json(program) == document
    Template(program)  # the runtime loads it
    for name in ("schema.json", "draft.schema.json"):
        Draft202012Validator.check_schema(json.loads(artifacts[name]))


@pytest.mark.parametrize("path", SOURCES, ids=[p.parent.name if p.name == "input.organizer" else p.stem for p in SOURCES])
def test_built_ir_validates_and_round_trips(path: Path) -> None:
    found = find_config(path)
    result = compile_source(path.read_text(encoding="utf-8"), path.name, load_config(found)[0] if found else None)
    assert result.program is not None, [str(d) for d in result.diagnostics]
    check_artifacts(result.artifacts)
    assert program_from_json(json.loads(result.artifacts["organizer.json"])) == result.program


def test_ir_schema_rejects_broken_documents() -> None:
    result = compile_source((ROOT / "tests" / "fixtures" / "spec_example.organizer").read_text(), "x.organizer")
    good = json.loads(result.artifacts["organizer.json"])

    def broken(change: Any) -> bool:
        document = json.loads(json.dumps(good))
        change(document)
        return not IR.is_valid(document)

    assert broken(lambda d: d.pop("format"))
    assert broken(lambda d: d["sections"][0]["items"][0].update(kind="widget"))
    assert broken(lambda d: d["sections"][0]["items"][0].update(extra=1))
    assert broken(lambda d: d["sections"][2].update(skipped_when={"op": "nand", "args": []}))
    assert broken(lambda d: d["sections"][2].update(skipped_when={"ref": "a", "lit": 1}))
    assert broken(lambda d: d["sections"][2].update(skipped_when={"op": "not", "args": [{"lit": 1}, {"lit": 2}]}))
    assert broken(lambda d: d["runtime_only"].append({"pointer": "/x", "code": "nope", "reason": "r"}))


# --- generated templates ----------------------------------------------------------------------

def with_labels(node: Any) -> Any:
    """The tree with every empty title or label given a word (the strategies may leave them empty,
    which the checker refuses)."""
    if isinstance(node, tuple):
        return tuple(with_labels(n) for n in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, a.Text):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if f.name in ("label", "title") and isinstance(value, a.Text) and not value.plain.strip():
            changes[f.name] = a.Text((a.Chunk("Label"),))
        elif isinstance(value, tuple) or dataclasses.is_dataclass(value):
            changes[f.name] = with_labels(value)
    return dataclasses.replace(node, **changes)


GENERATED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


@GENERATED
@given(templates())
def test_generated_templates_compile_to_valid_deterministic_artifacts(module: a.Module) -> None:
    text = print_module(with_labels(module))
    first = compile_source(text, "generated.organizer")
    # The strategies aim at well-typed templates; the few the checker still refuses (e.g. a repeat's
    # `max 0`) are not the compiler's input.
    assume(first.program is not None)
    assert first.program is not None
    check_artifacts(first.artifacts)
    assert compile_source(text, "generated.organizer").artifacts == first.artifacts
    ids = [i for i in json.loads(first.artifacts["schema.json"])["properties"]]
    assert len(ids) == len(set(ids))
