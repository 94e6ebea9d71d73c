"""`""` (text, textarea, email, phone, date, choice) and `[]` (multichoice, file) are no answer:
`required` applies while shown and required, a hidden key must be absent in a submission whatever
its value, and no value check applies (pattern, format, min-length, option, min-items ...). The
runtime, schema.json and draft.schema.json (Python jsonschema with and without format assertion,
and strict Ajv with ajv-formats when node has it) give the same verdicts, for every type, required
and optional, shown and hidden (own condition, `required if`, hidden section, repeat row field)."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker
from jsonschema.validators import Draft202012Validator
from test_compiler_ajv import NODE, ROOT, SCRIPT

from organizer.compiler.build import compile_source
from organizer.runtime.template import Template

CONTEXT = {"today": "2026-06-15", "year": 2026}
PDF = {"name": "scan.PDF", "size": 1000, "media_type": "application/pdf", "sha256": "0" * 64}
OPTIONS = {"choice": ["a", "b"], "multichoice": ["a", "b", "c"]}
# per type: the modifiers with checks that "" or [] would fail if they applied, a valid value, the empty value
KINDS: dict[str, tuple[str, Any, Any]] = {
    "text": ('min 3 max 9 pattern "[a-z]+"', "abc", ""),
    "textarea": ("min 2", "ab", ""),
    "email": ("", "jane@example.com", ""),
    "phone": ("", "+31 6 12345678", ""),
    "date": ('min "2020-01-01" max today', "2024-02-29", ""),
    "choice": ("", "a", ""),
    "multichoice": ("min 2 max 3", ["a", "b"], []),
    "file": ('accept "pdf" max 2 max_size 10KB', [PDF], []),
}


def _question(kind: str, ident: str, presence: str) -> str:
    head = " ".join(part for part in (kind, ident, f'"{ident}"', presence, KINDS[kind][0]) if part)
    if kind not in OPTIONS:
        return f"    {head}\n"
    return f"    {head} {{\n" + "".join(f'      option {o} "{o.upper()}"\n' for o in OPTIONS[kind]) + "    }\n"


def source(kind: str) -> str:
    q = lambda ident, presence="": _question(kind, ident, presence)  # noqa: E731
    return (
        'organizer empties "Empty answers" {\n'
        '  section a "A" {\n'
        '    yesno show "Show?"\n'
        + q("opt") + q("req", "required") + q("hid", "when show") + q("hreq", "required when show")
        + q("rif", "required if show")
        + '    repeat rows "Rows" max 3 {\n'
        '      yesno on "On?"\n'
        + q("f_opt") + q("f_req", "required") + q("f_hid", "required when on")
        + '    }\n'
        '  }\n'
        '  section b "B" when show {\n'
        + q("sec", "required")
        + '  }\n'
        '}\n')


@cache
def compiled(kind: str) -> tuple[Template, dict[str, Any], dict[str, Any]]:
    result = compile_source(source(kind), "empties.organizer")
    assert result.program is not None, (source(kind), [str(d) for d in result.diagnostics])
    return (Template(result.program), json.loads(result.artifacts["schema.json"]),
            json.loads(result.artifacts["draft.schema.json"]))


def cases(kind: str) -> list[tuple[str, dict[str, Any], list[tuple[str, str]]]]:
    """(name, answers, the runtime's problems as a submission); as a draft each one is valid."""
    _, good, empty = KINDS[kind]
    shown = {"show": True, "opt": good, "req": good, "hid": good, "hreq": good, "rif": good,
             "rows": [{"on": True, "f_opt": good, "f_req": good, "f_hid": good}], "sec": good}
    hidden = {"show": False, "opt": good, "req": good, "rows": [{"on": False, "f_opt": good, "f_req": good}]}

    def row(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
        return {**base, "rows": [{**base["rows"][0], **changes}]}

    return [
        ("shown, all answered", shown, []),
        ("hidden, all answered", hidden, []),
        ("optional empty", {**shown, "opt": empty}, []),
        ("optional empty, others hidden", {**hidden, "opt": empty}, []),
        ("required empty", {**shown, "req": empty}, [("/req", "required")]),
        ("required absent", {k: v for k, v in shown.items() if k != "req"}, [("/req", "required")]),
        ("optional shown by a condition, empty", {**shown, "hid": empty}, []),
        ("optional hidden, empty", {**hidden, "hid": empty}, [("/hid", "hidden-answer")]),
        ("required shown by a condition, empty", {**shown, "hreq": empty}, [("/hreq", "required")]),
        ("required hidden, empty", {**hidden, "hreq": empty}, [("/hreq", "hidden-answer")]),
        ("required if, condition true, empty", {**shown, "rif": empty}, [("/rif", "required")]),
        ("required if, condition false, empty", {**hidden, "rif": empty}, []),
        ("section shown, required empty", {**shown, "sec": empty}, [("/sec", "required")]),
        ("section hidden, empty", {**hidden, "sec": empty}, [("/sec", "hidden-answer")]),
        ("row field optional empty", row(shown, f_opt=empty), []),
        ("row field required empty", row(shown, f_req=empty), [("/rows/0/f_req", "required")]),
        ("row field shown, required, empty", row(shown, f_hid=empty), [("/rows/0/f_hid", "required")]),
        ("row field hidden, empty", row(hidden, f_hid=empty), [("/rows/0/f_hid", "hidden-answer")]),
    ]


KIND_CASES = [(kind, name) for kind in KINDS for name, _, _ in cases(kind)]


def _case(kind: str, name: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    return next((answers, problems) for n, answers, problems in cases(kind) if n == name)


@pytest.mark.parametrize(("kind", "name"), KIND_CASES, ids=[f"{k}: {n}" for k, n in KIND_CASES])
def test_runtime_and_schemas_agree_on_empty_answers(kind: str, name: str) -> None:
    template, submission, draft = compiled(kind)
    answers, expected = _case(kind, name)
    assert [(p.pointer, p.code) for p in template.validate(answers, context=CONTEXT)] == expected
    assert template.validate(answers, draft=True, context=CONTEXT) == []
    for schema, valid in ((submission, not expected), (draft, True)):
        for validator in (Draft202012Validator(schema), Draft202012Validator(schema, format_checker=FormatChecker())):
            errors = ["".join(f"/{part}" for part in e.absolute_path) for e in validator.iter_errors(answers)]
            assert (not errors) is valid, errors
            # a rejection is at (or, for a `false` subschema or a missing key, above) a runtime pointer:
            # never at a value the runtime accepts, such as an optional "" failing its pattern
            assert all(any(f"{p}/".startswith(f"{e}/") for p, _ in expected) for e in errors), errors
    # the runtime's `submission` drops every hidden key, empty or not
    cleaned = template.submission(answers, CONTEXT)
    assert all(p.code != "hidden-answer" for p in template.validate(cleaned, context=CONTEXT))
    assert Draft202012Validator(submission).is_valid(cleaned) is all(code == "hidden-answer" for _, code in expected)


@pytest.mark.parametrize("kind", list(KINDS))
def test_non_empty_values_and_other_types_are_still_checked(kind: str) -> None:
    """The value schema still checks the type and every non-empty value."""
    template, submission, draft = compiled(kind)
    wrong_type = [] if KINDS[kind][2] == "" else ""
    bad = {"text": "ab1", "textarea": "a", "email": "jane@", "phone": "12", "date": "2023-02-29", "choice": "z",
           "multichoice": ["a"], "file": [{**PDF, "name": "scan.exe"}]}[kind]
    for value in (wrong_type, bad, None):
        answers = {"show": False, "opt": value, "req": KINDS[kind][1]}
        assert template.validate(answers, context=CONTEXT) != []
        assert not Draft202012Validator(submission).is_valid(answers)
        if value is not None and (kind, value) != ("multichoice", ["a"]):  # min-items is completeness
            assert template.validate(answers, draft=True, context=CONTEXT) != []
            assert not Draft202012Validator(draft).is_valid(answers)


@pytest.mark.skipif(NODE is None, reason="node with ajv and ajv-formats is not installed")
def test_strict_ajv_agrees_on_empty_answers(tmp_path: Path) -> None:
    jobs, expected = [], []
    for kind in KINDS:
        _, submission, draft = compiled(kind)
        answers = [a for _, a, _ in cases(kind)]
        texts = [json.dumps(a) for a in answers]
        jobs.append({"schema": submission, "answers": texts})
        expected.append((kind, "schema.json", [not problems for _, _, problems in cases(kind)]))
        jobs.append({"schema": draft, "answers": texts})
        expected.append((kind, "draft.schema.json", [True] * len(texts)))
    (tmp_path / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    (tmp_path / "check.js").write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "NODE_PATH": str(ROOT / "node_modules")}
    assert NODE is not None
    run = subprocess.run([NODE, str(tmp_path / "check.js"), str(tmp_path / "jobs.json")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    for (kind, name, verdicts), result in zip(expected, json.loads(run.stdout)):
        assert "error" not in result, (kind, name, result)
        assert result["verdicts"] == verdicts, (kind, name)
