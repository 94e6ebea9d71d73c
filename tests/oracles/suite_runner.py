"""Run the official JSON-Schema-Test-Suite (draft 2020-12) through the two oracles of RELIABILITY 3.1:
Python jsonschema (J) and Ajv 8 (A, one persistent Node process), each with and without format
assertion. Used by test_json_schema_test_suite.py (the assertions) and bench/oracles.py (the table).

The suite lives outside the repository, in `../shared/data/json-schema-test-suite/draft2020-12/`
(relative to the repository root; override with ORGANIZER_JSTS_DIR). `suite_dir()` is None when it
is absent. Core files are run without format assertion (the 2020-12 default); the format files
(`optional-format/date.json`, `email.json`, `ecmascript-regex.json`, which uses `format: regex`) are
run both with assertion (FORMAT_CHECKER; ajv-formats) -- where the suite's verdicts are expected --
and without, where every instance must be accepted (format is an annotation: RELIABILITY S5).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker
from jsonschema.validators import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent.parent

#: Core files for the keywords the compiler emits (plus the neighbours RELIABILITY 3.5 names).
CORE_FILES = (
    "type.json", "enum.json", "const.json", "properties.json", "required.json", "additionalProperties.json",
    "if-then-else.json", "allOf.json", "anyOf.json", "oneOf.json", "not.json", "items.json", "minItems.json",
    "maxItems.json", "uniqueItems.json", "minLength.json", "maxLength.json", "pattern.json", "minimum.json",
    "maximum.json", "exclusiveMinimum.json", "exclusiveMaximum.json", "contains.json", "dependentRequired.json",
    "format.json",
)
FORMAT_FILES = ("optional-format/date.json", "optional-format/email.json", "optional-format/ecmascript-regex.json")

#: JSON Schema keywords -> the suite file that tests them (None: an annotation, nothing to assert;
#: "local": not in the shared suite folder, covered by LOCAL_GROUPS below).
KEYWORD_FILES: dict[str, str | None] = {
    "type": "type.json", "enum": "enum.json", "const": "const.json", "properties": "properties.json",
    "required": "required.json", "additionalProperties": "additionalProperties.json",
    "if": "if-then-else.json", "then": "if-then-else.json", "else": "if-then-else.json", "allOf": "allOf.json",
    "anyOf": "anyOf.json", "oneOf": "oneOf.json", "not": "not.json", "items": "items.json",
    "minItems": "minItems.json", "maxItems": "maxItems.json", "uniqueItems": "uniqueItems.json",
    "minLength": "minLength.json", "maxLength": "maxLength.json", "pattern": "pattern.json",
    "minimum": "minimum.json", "maximum": "maximum.json", "exclusiveMinimum": "exclusiveMinimum.json",
    "exclusiveMaximum": "exclusiveMaximum.json", "contains": "contains.json",
    "dependentRequired": "dependentRequired.json", "format": "format.json",
    "$ref": "local", "$defs": "local",
    "$schema": None, "$comment": None, "title": None, "description": None,
}

#: Known failures: (oracle, file, group description, test description) -> reason. Oracles: J / J+F
#: (jsonschema without / with FORMAT_CHECKER), A / A+F (Ajv 8 with its default options, as docs/schema.md
#: documents the setup, without / with ajv-formats).
KNOWN_FAILURES: dict[tuple[str, str, str, str], str] = {}


def _known(oracles: tuple[str, ...], file: str, group: str, tests: tuple[str, ...], reason: str) -> None:
    for oracle in oracles:
        for test in tests:
            KNOWN_FAILURES[(oracle, file, group, test)] = reason


_known(("J",), "pattern.json", "pattern with Unicode property escape requires unicode mode",
       ("ASCII letters match", "Non-ASCII letters match", "Digits do not match"),
       "Python `re` has no `\\p{...}`: jsonschema cannot compile the pattern at all (re.error). The compiler's "
       "pattern subset rejects `\\p{...}` (RELIABILITY S3, 3.4); the coverage test asserts no emitted pattern uses it")
_known(("A",), "enum.json", "empty enum",
       ("string is invalid", "number is invalid", "null is invalid", "array is invalid", "object is invalid",
        "boolean is invalid"),
       "Ajv refuses `enum: []` when compiling (its meta-schema wants a non-empty array); the compiler never emits an "
       "empty enum (a choice needs options), which the coverage test asserts")
_JS_NAMES = ("Ajv's default `ownProperties: false` tests `data.name !== undefined`, so members inherited from "
             "Object.prototype (`constructor`, `toString`, `__proto__`) count as present: `required` passes on {} "
             "and `properties` validates the inherited function (`ownProperties: true` fixes these, but then "
             "accepts {\"__proto__\": \"foo\"} against `__proto__: {type: number}`). Organizer ids cannot be "
             "`__proto__` or `toString`, but can be `constructor`: see test_constructor_question_id_under_ajv")
_known(("A",), "properties.json", "properties whose names are Javascript object property names",
       ("none of the properties mentioned",), _JS_NAMES)
_known(("A",), "required.json", "required properties whose names are Javascript object property names",
       ("none of the properties mentioned", "__proto__ present", "toString present", "constructor present"), _JS_NAMES)
_PY_REGEX = ("Python `re` is not ECMA 262: jsonschema's `regex` format check is re.compile(); the compiler never "
             "emits `format: regex`, and its pattern subset (RELIABILITY S3) avoids every construct on which the "
             "dialects differ")
for _group, _tests in (
    ("\\a is not an ECMA 262 control escape", ("when used as a pattern",)),
    ("Python-specific regular expression syntax is not valid ECMA 262",
     ("Python named group (?P<name>...) is not ECMA 262", "Python named backreference (?P=name) is not ECMA 262",
      "inline comment group (?#...) is not ECMA 262")),
    ("global inline flag groups are not valid ECMA 262",
     ("a single global inline flag (?i)", "multiple global inline flags (?ims)")),
    ("ECMA 262 named groups and backreferences are valid",
     ("an ECMA 262 named group (?<name>...)", "an ECMA 262 named backreference \\k<name>")),
    ("ECMA 262 lookbehind is valid, including variable width", ("a variable-width lookbehind (ES2018)",)),
    ("ECMA 262 character classes and escapes",
     ("an empty character class is valid ECMA 262", "a negated empty character class is valid ECMA 262",
      "a control escape \\cA is valid ECMA 262")),
):
    _known(("J+F",), "optional-format/ecmascript-regex.json", _group, _tests, _PY_REGEX)
_known(("A+F",), "optional-format/ecmascript-regex.json", "\\a is not an ECMA 262 control escape",
       ("when used as a pattern",),
       "ajv-formats checks `format: regex` with `new RegExp(s)` without the `u` flag, where `\\a` is an identity "
       "escape; the compiler never emits `format: regex` (Ajv compiles `pattern` with the `u` flag)")
_known(("J+F",), "optional-format/email.json", "validation of e-mail addresses",
       ("dot before local part is not valid", "dot after local part is not valid",
        "two subsequent dots inside local part are not valid", "an invalid domain", "an invalid IPv4-address-literal",
        "two email addresses is not valid", "full \"From\" header is invalid", "local part is required",
        "domain is required", "unquoted space in local part is invalid"),
       "jsonschema's `email` format check only looks for an `@`; the compiler pairs `format: email` with the "
       "runtime's own email `pattern`, so no verdict rests on the format check")
_known(("A+F",), "optional-format/email.json", "validation of e-mail addresses",
       ("a quoted string with a space in the local part is valid",
        "a quoted string with a double dot in the local part is valid",
        "a quoted string with a @ in the local part is valid", "an IPv4-address-literal after the @ is valid",
        "an IPv6-address-literal after the @ is valid"),
       "ajv-formats' `email` is a simplified regex (no quoted local parts, no address literals); the compiler pairs "
       "`format: email` with the runtime's email `pattern`, which rejects these too")

#: `$ref` to `#/$defs/...` as the compiler uses it (a section's visibility, referenced by later
#: sections' `if`): ref.json and defs.json are not in the shared suite folder, so these few cases,
#: written in the suite's format, stand in for them. Not official tests.
LOCAL_GROUPS: list[dict[str, Any]] = [
    {
        "description": "local: if $ref to a $defs condition, then/else",
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"shown": {"type": "object", "properties": {"a": {"const": True}}, "required": ["a"]}},
            "type": "object",
            "if": {"$ref": "#/$defs/shown"},
            "then": {"required": ["b"]},
            "else": {"properties": {"b": False}},
        },
        "tests": [
            {"description": "condition holds, b present", "data": {"a": True, "b": 1}, "valid": True},
            {"description": "condition holds, b missing", "data": {"a": True}, "valid": False},
            {"description": "condition fails, b absent", "data": {"a": False}, "valid": True},
            {"description": "condition fails, b present", "data": {"a": False, "b": 1}, "valid": False},
            {"description": "a missing: condition fails", "data": {"b": 1}, "valid": False},
            {"description": "a is 1, not true", "data": {"a": 1, "b": 1}, "valid": False},
        ],
    },
    {
        "description": "local: $ref inside not and allOf, names with ~ and / escaped",
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"a~b/c": {"required": ["x"]}, "plain": {"properties": {"y": {"type": "integer"}}}},
            "allOf": [{"not": {"$ref": "#/$defs/a~0b~1c"}}, {"$ref": "#/$defs/plain"}],
        },
        "tests": [
            {"description": "x absent, y integer", "data": {"y": 1}, "valid": True},
            {"description": "x present", "data": {"x": 0, "y": 1}, "valid": False},
            {"description": "y not an integer", "data": {"y": 1.5}, "valid": False},
            {"description": "not an object: not(required) fails, properties ignores", "data": 3, "valid": False},
        ],
    },
]


def suite_dir() -> Path | None:
    override = os.environ.get("ORGANIZER_JSTS_DIR")
    folder = Path(override) if override else ROOT.parent / "shared" / "data" / "json-schema-test-suite" / "draft2020-12"
    return folder if folder.is_dir() else None


def load(file: str) -> list[dict[str, Any]]:
    if file == "local":
        return LOCAL_GROUPS
    folder = suite_dir()
    assert folder is not None
    return json.loads((folder / file).read_text(encoding="utf-8"))


@dataclass
class Outcome:
    """Verdicts of one oracle over one file."""

    oracle: str
    file: str
    formats: bool
    results: list[tuple[str, str, bool, bool | None]] = field(default_factory=list)  # group, test, expected, got

    @property
    def total(self) -> int:
        return len(self.results)

    def failures(self) -> list[tuple[str, str, bool, bool | None]]:
        """Tests whose verdict differs from the suite's (with format assertion on, or for core files)."""
        return [r for r in self.results if r[3] != r[2]]

    def unexpected(self) -> list[tuple[str, str, bool, bool | None]]:
        return [r for r in self.failures() if (self.oracle, self.file, r[0], r[1]) not in KNOWN_FAILURES]

    @property
    def passed(self) -> int:
        return self.total - len(self.failures())

    def accepted_all(self) -> bool:
        return all(r[3] is True for r in self.results)


def run_jsonschema(file: str, formats: bool) -> Outcome:
    outcome = Outcome("J+F" if formats else "J", file, formats)
    for group in load(file):
        validator = Draft202012Validator(group["schema"], format_checker=FormatChecker() if formats else None)
        for test in group["tests"]:
            try:
                got: bool | None = validator.is_valid(test["data"])
            except Exception:  # an oracle crash is a failure, not a verdict
                got = None
            outcome.results.append((group["description"], test["description"], test["valid"], got))
    return outcome


def run_ajv(ajv: Any, file: str, formats: bool) -> Outcome:
    """Through an AjvOracle with Ajv's default options except `strict: false` (the suite's schemas are
    not ours; Ajv's own suite runner does the same) and `logger: false`; `validateFormats` on with
    ajv-formats, off without."""
    outcome = Outcome("A+F" if formats else "A", file, formats)
    options = {"strict": False, "logger": False, "validateFormats": formats}
    for g, group in enumerate(load(file)):
        key = f"{file}#{g}#{formats}"
        compiled = ajv.compile(key, group["schema"], formats=formats, options=options, vocabulary=[])
        if not compiled.ok:
            verdicts: list[bool | None] = [None] * len(group["tests"])
        else:
            verdicts = ajv.validate(key, [t["data"] for t in group["tests"]])
            ajv.drop(key)
        for test, got in zip(group["tests"], verdicts, strict=True):
            outcome.results.append((group["description"], test["description"], test["valid"], got))
    return outcome


def plan() -> list[tuple[str, bool]]:
    """(file, formats) pairs to run through each oracle."""
    runs = [(f, False) for f in CORE_FILES] + [("local", False)]
    runs += [(f, True) for f in FORMAT_FILES] + [(f, False) for f in FORMAT_FILES]
    return runs


def run_all(ajv: Any | None) -> list[Outcome]:
    """Every (file, formats) of plan() through J and A. A file missing from the suite folder is left
    out (the caller compares against CORE_FILES)."""
    folder = suite_dir()
    outcomes = []
    for file, formats in plan():
        if file != "local" and (folder is None or not (folder / file).is_file()):
            continue
        outcomes.append(run_jsonschema(file, formats))
        if ajv is not None:
            outcomes.append(run_ajv(ajv, file, formats))
    return outcomes


# --- what the compiler emits -----------------------------------------------------------------------

#: members of Object.prototype (and `__proto__`): as property names they trip Ajv without ownProperties
JS_PROTOTYPE_NAMES = frozenset((
    "constructor", "__proto__", "toString", "toLocaleString", "valueOf", "hasOwnProperty", "isPrototypeOf",
    "propertyIsEnumerable", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"))


@dataclass
class Emitted:
    keywords: dict[str, int] = field(default_factory=dict)
    formats: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)
    empty_enums: int = 0
    property_names: set[str] = field(default_factory=set)


_NAME_MAPS = ("properties", "$defs", "dependentRequired", "patternProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = ("not", "if", "then", "else", "items", "contains", "additionalProperties", "propertyNames")


def collect(schema: Any, into: Emitted) -> Emitted:
    """Every keyword (with counts), format, pattern and property name in a schema."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            into.keywords[key] = into.keywords.get(key, 0) + 1
            if key in _NAME_MAPS and isinstance(value, dict):
                if key == "properties":
                    into.property_names.update(value)
                stack.extend(value.values())
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                stack.extend(value)
            elif key in _SCHEMA_VALUES:
                stack.append(value)
            elif key == "format":
                into.formats.add(value)
            elif key == "pattern":
                into.patterns.add(value)
            elif key == "enum" and value == []:
                into.empty_enums += 1
            elif key == "required" and isinstance(value, list):
                into.property_names.update(value)
    return into
