"""schema.json and draft.schema.json: behaviour on SPEC's example, draft vs submission (S6), the
divergence classes of RELIABILITY 3.4 (one test each), standard keywords only, and the shape."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import Draft202012Validator

from organizer.compiler.build import compile_source
from organizer.compiler.schema import CHUNK, draft_schema, submission_schema
from organizer.runtime.formats import DATE_PATTERN, MAX_SAFE_INTEGER
from organizer.runtime.program import Program
from organizer.runtime.template import Template

ROOT = Path(__file__).parent.parent.parent
SPEC_EXAMPLE = ROOT / "tests" / "fixtures" / "spec_example.organizer"
SOURCES = sorted([*ROOT.glob("stdlib_templates/*.organizer"), SPEC_EXAMPLE, *ROOT.glob("tests/golden/*/input.organizer")])


def _compile(path: Path) -> tuple[Program, dict[str, Any], dict[str, Any]]:
    from organizer.dsl.config import find_config, load_config

    found = find_config(path)
    config = load_config(found)[0] if found else None
    result = compile_source(path.read_text(encoding="utf-8"), path.name, config)
    assert result.program is not None, [str(d) for d in result.diagnostics]
    return result.program, json.loads(result.artifacts["schema.json"]), json.loads(result.artifacts["draft.schema.json"])


COMPILED = {path: _compile(path) for path in SOURCES if "golden" not in str(path) or True}
IDS = [p.parent.name if p.name == "input.organizer" else p.stem for p in COMPILED]


def schemas() -> Iterator[dict[str, Any]]:
    for _, submission, draft in COMPILED.values():
        yield submission
        yield draft


def walk(schema: Any) -> Iterator[dict[str, Any]]:
    """Every schema object inside `schema` (not the names under `properties` or `$defs`)."""
    if isinstance(schema, dict):
        yield schema
        for key, value in schema.items():
            if key in ("properties", "$defs", "patternProperties", "dependentSchemas"):
                for sub in value.values():
                    yield from walk(sub)
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                for sub in value:
                    yield from walk(sub)
            elif key in ("not", "if", "then", "else", "items", "contains", "additionalProperties",
                         "propertyNames", "unevaluatedItems", "unevaluatedProperties"):
                yield from walk(value)


# --- SPEC's example -------------------------------------------------------------------------

PROGRAM, SUBMISSION, DRAFT = COMPILED[SPEC_EXAMPLE]
TEMPLATE = Template(PROGRAM)
CONTEXT = {"today": "2026-06-15", "year": 2026}
W2 = {"name": "w2.PDF", "size": 1024, "media_type": "application/pdf", "sha256": "0" * 64}
VALID = {
    "first_name": "Jane", "last_name": "Doe", "birth_date": "1980-02-29", "email": "jane@example.com",
    "filing_status": "single", "has_dependents": False, "income_types": ["wages"], "w2_forms": [W2],
    "wages_total": 52000.5, "mortgage_interest": 1200, "other_notes": "\U0001f600",
}


def with_(**changes: Any) -> dict[str, Any]:
    answers = {**VALID, **changes}
    return {k: v for k, v in answers.items() if v is not None}


CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("complete", VALID, True),
    ("skipped section answered", with_(business_name="Acme"), False),
    ("business section shown, required missing", with_(income_types=["wages", "business"]), False),
    ("business section shown and answered",
     with_(income_types=["wages", "business"], business_name="Acme", gross_receipts=10), True),
    ("spouse required for mfj", with_(filing_status="mfj"), False),
    ("spouse given for mfj", with_(filing_status="mfs", spouse_name="Sam"), True),
    ("spouse given while hidden", with_(spouse_name="Sam"), False),
    ("dependents shown, none given", with_(has_dependents=True), False),
    ("one dependent", with_(has_dependents=True, dependents=[{"name": "Kid", "birth_date": "2015-06-01"}]), True),
    ("dependent row missing a name", with_(has_dependents=True, dependents=[{"birth_date": "2015-06-01"}]), False),
    ("dependent months out of range",
     with_(has_dependents=True, dependents=[{"name": "K", "birth_date": "2015-06-01", "months": 13}]), False),
    ("thirteen dependents", with_(has_dependents=True, dependents=[{"name": "K", "birth_date": "2015-06-01"}] * 13),
     False),
    ("unknown key in a row", with_(has_dependents=True, dependents=[{"name": "K", "birth_date": "2015-06-01", "x": 1}]),
     False),
    ("dependents while hidden", with_(dependents=[{"name": "K", "birth_date": "2015-06-01"}]), False),
    ("w2 files without wages", with_(income_types=["interest"]), False),
    ("no income types", with_(income_types=[], w2_forms=None, wages_total=None), False),
    ("income type none only", with_(income_types=["none"], w2_forms=None, wages_total=None), True),
    ("duplicate income type", with_(income_types=["wages", "wages"]), False),
    ("not a leap year", with_(birth_date="1981-02-29"), False),
    ("date with newline", with_(birth_date="1980-02-28\n"), False),
    ("bad email", with_(email="jane@"), False),
    ("empty required text", with_(first_name=""), False),
    ("wrong file type", with_(w2_forms=[{**W2, "name": "w2.exe"}]), False),
    ("file too big", with_(w2_forms=[{**W2, "size": 20 * 1024**2 + 1}]), False),
    ("file missing sha256", with_(w2_forms=[{k: v for k, v in W2.items() if k != "sha256"}]), False),
    ("money beyond 2^53", with_(wages_total=2**53 + 1), False),
    ("unknown key", with_(favourite_color="blue"), False),
    ("boolean for a number", with_(mortgage_interest=True), False),
    ("computed given", with_(income_types=["business"], w2_forms=None, wages_total=None, business_name="A",
                             gross_receipts=10, expenses=4, net_profit=6), True),
]


@pytest.mark.parametrize(("answers", "valid"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_spec_example_submissions(answers: dict[str, Any], valid: bool) -> None:
    assert Draft202012Validator(SUBMISSION).is_valid(answers) is valid
    assert Draft202012Validator(SUBMISSION, format_checker=FormatChecker()).is_valid(answers) is valid
    assert (TEMPLATE.validate(answers, context=CONTEXT) == []) is valid  # the runtime agrees


def test_spec_example_runtime_only_rules() -> None:
    rules = {(r.pointer, r.code) for r in PROGRAM.runtime_only}
    assert rules == {("/birth_date", "date-max"), ("/wages_total", "decimals"), ("/gross_receipts", "decimals"),
                     ("/expenses", "decimals"), ("/net_profit", "computed-mismatch"),
                     ("/mortgage_interest", "decimals")}
    # the schema accepts what only the runtime rejects, and says why in a $comment
    answers = with_(wages_total=10.005)
    assert Draft202012Validator(SUBMISSION).is_valid(answers)
    assert [(p.pointer, p.code) for p in TEMPLATE.validate(answers, context=CONTEXT)] == [("/wages_total", "decimals")]
    comment = SUBMISSION["allOf"][1]["allOf"][0]["properties"]["wages_total"]["$comment"]
    assert "decimals" in comment


def test_draft_accepts_subsets_and_hidden_answers_but_checks_values() -> None:
    draft = Draft202012Validator(DRAFT)
    for key in VALID:  # S6: every subset of a valid submission is a valid draft (one key at a time here)
        assert draft.is_valid({k: v for k, v in VALID.items() if k != key})
    assert draft.is_valid({})
    assert draft.is_valid(with_(spouse_name="Sam", business_name="Acme"))  # hidden answers are kept
    assert draft.is_valid({"has_dependents": True, "dependents": [{}]})    # no required fields
    assert draft.is_valid({"income_types": []})                            # min-items is completeness
    assert not draft.is_valid({"birth_date": "1981-02-29"})
    assert not draft.is_valid({"favourite_color": "blue"})
    assert not draft.is_valid({"dependents": [{"name": "K", "months": 13}]})
    # the only `required` left is the shape of a file object
    assert all(node["required"] == ["name", "size", "media_type", "sha256"] for node in walk(DRAFT) if "required" in node)


# --- RELIABILITY 3.4, one test per divergence class -------------------------------------------


def test_no_fractional_multiple_of_and_money_cents_are_runtime_only() -> None:
    for schema in schemas():
        for node in walk(schema):
            assert "multipleOf" not in node or float(node["multipleOf"]).is_integer()
    money = _schema_for('money m "M" currency "USD"\n    money y "Y" currency "JPY"')
    validator = Draft202012Validator(money)
    for cents in (19.99, 0.07, 1234.56, 0.3):
        assert validator.is_valid({"m": cents})  # J accepts; the runtime enforces decimals
    assert not validator.is_valid({"y": 19.99})   # zero decimals is exactly `integer`


def test_numeric_bounds_are_clamped_and_always_present() -> None:
    for schema in schemas():
        for node in walk(schema):
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if key in node:
                    assert -MAX_SAFE_INTEGER <= node[key] <= MAX_SAFE_INTEGER
    for _, _, draft in COMPILED.values():  # a draft holds value schemas only: each has both bounds
        for node in walk(draft):
            if node.get("type") in ("number", "integer"):
                assert "minimum" in node and "maximum" in node, node
    schema = _schema_for('number n "N"\n    integer i "I"\n    money m "M"\n    computed c "C" = n + 1')
    validator = Draft202012Validator(schema)
    for key in ("n", "i", "m"):
        assert validator.is_valid({key: MAX_SAFE_INTEGER})
        assert not validator.is_valid({key: 2**53 + 1})
        assert not validator.is_valid({key: -(2**53) - 1})
    number = schema["allOf"][0]["properties"]["n"]
    assert (number["minimum"], number["maximum"]) == (-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)


def test_patterns_use_ascii_classes() -> None:
    for schema in schemas():
        for node in walk(schema):
            if "pattern" in node:
                assert not re.search(r"\\[dDwWsSbB]|\\p\{|\(\?[a-zA-Z<]|\\[zZ]", node["pattern"]), node["pattern"]
    validator = Draft202012Validator(_schema_for('text zip "ZIP" pattern "[0-9]{5}"'))
    assert validator.is_valid({"zip": "12345"})
    assert not validator.is_valid({"zip": "\u0663\u0663\u0663\u0663\u0663"})  # Arabic-Indic digits


def test_every_pattern_refuses_a_trailing_newline() -> None:
    anchored = 0
    for schema in schemas():
        for node in walk(schema):
            pattern = node.get("pattern")
            if pattern is not None and pattern != "[\\x00\\ud800-\\udfff]":
                assert pattern.endswith("(?!\\n)$"), pattern
                anchored += 1
    assert anchored > 20
    validator = Draft202012Validator(_schema_for('text zip "ZIP" pattern "[0-9]{5}"\n    phone p "P"\n    email e "E"'))
    for key, value in (("zip", "12345"), ("p", "+1 555 010 2030"), ("e", "jane@example.com")):
        assert validator.is_valid({key: value})
        assert not validator.is_valid({key: value + "\n"})


def test_date_pattern_is_calendar_exact() -> None:
    pattern = re.compile(DATE_PATTERN)
    day = datetime.date(1900, 1, 1)
    while day <= datetime.date(2100, 12, 31):
        assert pattern.search(day.isoformat()), day
        day += datetime.timedelta(days=1)
    for year in (1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999, 1):
        for month in range(0, 14):
            for d in range(0, 33):
                text = f"{year:04d}-{month:02d}-{d:02d}"
                try:
                    datetime.date.fromisoformat(text)
                    real = True
                except ValueError:
                    real = False
                assert bool(pattern.search(text)) is real, text
    schema = _schema_for('date d "D"')
    assert schema["allOf"][0]["properties"]["d"] == {  # "" is no answer: the checks apply to the rest
        "type": "string", "if": {"minLength": 1}, "then": {"format": "date", "pattern": DATE_PATTERN}}


STANDARD_KEYWORDS = frozenset("""
$schema $id $ref $anchor $dynamicRef $dynamicAnchor $vocabulary $comment $defs
allOf anyOf oneOf not if then else dependentSchemas prefixItems items contains properties patternProperties
additionalProperties propertyNames unevaluatedItems unevaluatedProperties
type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern
maxItems minItems uniqueItems maxContains minContains maxProperties minProperties required dependentRequired
title description default deprecated readOnly writeOnly examples format
contentEncoding contentMediaType contentSchema""".split())


def test_only_standard_keywords_so_strict_ajv_compiles() -> None:
    ir_schema = json.loads((ROOT / "compiler" / "ir_schema.json").read_text())
    for schema in [*schemas(), ir_schema]:
        for node in walk(schema):
            unknown = set(node) - STANDARD_KEYWORDS
            assert not unknown, unknown
        assert "x-organizer-runtime-only" not in json.dumps(schema)


def test_bool_and_number_stay_apart() -> None:
    validator = Draft202012Validator(_schema_for(
        'yesno y "Y"\n    integer i "I"\n    text t "T" when y == yes\n    text u "U" when i == 1'))
    assert not validator.is_valid({"y": 1})
    assert not validator.is_valid({"i": True})
    assert not validator.is_valid({"y": False, "t": "x"})
    assert validator.is_valid({"i": 1.0, "u": "x"})  # 1.0 is the integer 1 everywhere


def test_lengths_count_code_points_and_bad_characters_are_refused() -> None:
    validator = Draft202012Validator(_schema_for('text t "T" max 1'))
    assert validator.is_valid({"t": "\U0001f600"})
    assert not validator.is_valid({"t": "ab"})
    assert not validator.is_valid({"t": "\x00"})
    assert not validator.is_valid({"t": "\ud800"})


def test_file_extensions_fold_ascii_letters_only() -> None:
    """Python's `str.lower()` maps the Kelvin sign U+212A to `k`; `[Kk]` matches neither it nor any
    other non-ASCII letter, so the runtime folds A-Z only and both reject `x.m\u212av`."""
    result = compile_source('organizer t "T" {\n  section s "S" {\n    file f "F" accept "mkv", "pdf"\n  }\n}\n',
                            "t.organizer")
    assert result.program is not None
    template = Template(result.program)
    validator = Draft202012Validator(json.loads(result.artifacts["schema.json"]))
    for name, ok in (("x.MKV", True), ("x.mKv", True), ("x.Pdf", True), ("x.m\u212av", False), ("x.\u212a", False),
                     ("x.pdf\u0130", False), ("x.\uff50df", False)):
        answers = {"f": [{**W2, "name": name}]}
        assert validator.is_valid(answers) is ok, name
        assert (template.validate(answers, context=CONTEXT) == []) is ok, name


# --- the shape ----------------------------------------------------------------------------


def test_rules_are_grouped_per_section() -> None:
    assert SUBMISSION["additionalProperties"] is False
    assert set(SUBMISSION["properties"]) == {
        "first_name", "last_name", "birth_date", "email", "filing_status", "spouse_name", "has_dependents",
        "dependents", "income_types", "w2_forms", "wages_total", "business_name", "gross_receipts", "expenses",
        "net_profit", "mortgage_interest", "other_notes"}
    assert all(value is True for value in SUBMISSION["properties"].values())
    assert [entry["$comment"] for entry in SUBMISSION["allOf"]] == [
        "section about", "section income", "section business", "section deductions"]
    assert SUBMISSION["$defs"] == {"section_business": {
        "type": "object", "required": ["income_types"],
        "properties": {"income_types": {"type": "array", "contains": {"const": "business"}}}}}
    assert SUBMISSION["allOf"][2]["if"] == {"$ref": "#/$defs/section_business"}


def test_large_templates_are_chunked() -> None:
    body = "\n".join(f'    text q{i} "Q{i}" required when q{i - 1} == "x"' if i else '    text q0 "Q0"'
                     for i in range(300))
    schema = _schema_for(body)
    for node in walk(schema):
        for key in ("allOf", "anyOf"):
            assert len(node.get(key, ())) <= CHUNK
        if node is not schema:
            assert len(node.get("properties", {})) <= CHUNK
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"q0": "y"})
    assert not validator.is_valid({"q0": "x"})
    assert validator.is_valid({"q0": "x", "q1": "x", "q2": "z"})


def test_deterministic() -> None:
    assert json.dumps(submission_schema(PROGRAM)) == json.dumps(submission_schema(PROGRAM))
    assert json.dumps(draft_schema(PROGRAM)) == json.dumps(draft_schema(PROGRAM))


def _schema_for(body: str) -> dict[str, Any]:
    result = compile_source(f'organizer t "T" {{\n  section s "S" {{\n    {body}\n  }}\n}}\n', "t.organizer")
    assert result.program is not None, [str(d) for d in result.diagnostics]
    return json.loads(result.artifacts["schema.json"])


ROW_FIELD_NEVER_SHOWN = """\
organizer t "T" {
  section s "S" {
    yesno five "Five"
    repeat rows "Rows" {
      text order "Order" required when five and false
    }
  }
}
"""


@pytest.mark.parametrize("answers", [{"five": True, "rows": [{}]}, {"five": False, "rows": [{}]},
                                     {"five": True, "rows": [{"order": "x"}]}, {"five": True}])
def test_a_required_row_field_whose_own_condition_never_holds(answers: dict[str, Any]) -> None:
    """Its rows never require it (the schema emitter once asserted they must)."""
    result = compile_source(ROW_FIELD_NEVER_SHOWN, "never.organizer")
    assert result.program is not None
    schema = json.loads(result.artifacts["schema.json"])
    runtime_valid = not Template(result.program).validate(answers)
    assert Draft202012Validator(schema, format_checker=FormatChecker()).is_valid(answers) == runtime_valid
    assert runtime_valid == ("order" not in str(answers))
