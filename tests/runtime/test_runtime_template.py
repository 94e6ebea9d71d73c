"""The public Template: loading organizer.json (clear LoadErrors for malformed files), prefill,
default context, and the import boundary of the runtime."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from organizer.runtime.program import Checks, program_to_json
from organizer.runtime.template import LoadError, Template, load

from runtime_builders import (
    CONTEXT, VALID_EVERY_TYPE, every_type_program, lit, op, options, program, q, ref, repeat, section,
)

EVERY = every_type_program()
DOC = program_to_json(EVERY)


def test_load_from_dict_and_path(tmp_path: Path) -> None:
    path = tmp_path / "organizer.json"
    path.write_text(json.dumps(DOC), encoding="utf-8")
    for source in (DOC, path, str(path)):
        template = load(source)
        assert template.program == EVERY
        assert template.validate(VALID_EVERY_TYPE, context=CONTEXT) == []
        assert template.evaluate(VALID_EVERY_TYPE, CONTEXT).sections == ("s",)


def mutate(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    change(doc)
    return doc


def first(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["sections"][0]["items"][0]


BAD: list[tuple[str, Any, str]] = [
    ("not an object", [], "JSON object"),
    ("wrong format", mutate(lambda d: d.update(format="organizer/2")), "organizer/1"),
    ("missing key", mutate(lambda d: d.pop("sections")), "missing key 'sections'"),
    ("unknown key", mutate(lambda d: first(d).update(colour="red")), "colour"),
    ("sections not a list", mutate(lambda d: d.update(sections=5)), "malformed"),
    ("bad type", mutate(lambda d: first(d).update(type="texty")), "unknown question type"),
    ("bad kind", mutate(lambda d: first(d).update(kind="widget")), "malformed"),
    ("bad label", mutate(lambda d: first(d).update(label="plain")), "label"),
    ("bad shortcode", mutate(lambda d: first(d).update(label=[{"path": "x"}])), "label/0/path"),
    ("bad checks", mutate(lambda d: first(d)["checks"].update(min_length=-1)), "min_length"),
    ("bad bound", mutate(lambda d: first(d)["checks"].update(minimum="1")), "minimum"),
    ("bad date bound", mutate(lambda d: first(d)["checks"].update(min_date="2023-02-29")), "min_date"),
    ("bad pattern", mutate(lambda d: first(d)["checks"].update(pattern="(")), "pattern"),
    ("bad expression", mutate(lambda d: first(d).update(visible_when={"op": "xor", "args": []})), "unknown operator"),
    ("forward reference", mutate(lambda d: first(d).update(visible_when={"ref": "rows"})), "not an earlier answer"),
    ("duplicate id", mutate(lambda d: d["sections"][0]["items"][1].update(id="text")), "duplicate id"),
    ("duplicate option", mutate(lambda d: d["sections"][0]["items"][10].update(
        options=[{"id": "a", "label": ["A"]}, {"id": "a", "label": ["B"]}])), "option ids"),
    ("bad required", mutate(lambda d: first(d).update(required="yes")), "required"),
]


@pytest.mark.parametrize("name,doc,message", BAD, ids=[b[0] for b in BAD])
def test_malformed_documents_raise_load_error(name: str, doc: Any, message: str) -> None:
    with pytest.raises(LoadError, match=message):
        load(doc)


def test_malformed_files_raise_load_error(tmp_path: Path) -> None:
    cases = {
        "missing.json": None,
        "garbage.json": b"\xff\xfe not json",
        "truncated.json": json.dumps(DOC)[:100].encode(),
        "nan.json": json.dumps(DOC).replace('"minimum": -5', '"minimum": NaN').encode(),
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "deep_expr.json": json.dumps(DOC).replace('"visible_when": null', '"visible_when": ' + '{"op": "not", "args": [' * 5000 + '{"lit": true}' + "]}" * 5000, 1).encode(),
        "text.json": b'"just a string"',
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(LoadError) as info:
            load(path)
        assert str(info.value), name
    with pytest.raises(LoadError, match="nested too deeply|deeper"):
        load(tmp_path / "deep_expr.json")


def test_deeply_nested_groups_are_refused() -> None:
    doc: dict[str, Any] = {"kind": "group", "id": "g0", "title": ["g"], "items": [], "origin": {"line": 1, "column": 1},
                           "visible_when": None}
    root = doc
    for i in range(1, 100):
        child = {**doc, "id": f"g{i}", "items": []}
        root["items"] = [child]
        root = child
    bad = mutate(lambda d: d["sections"][0]["items"].append(doc))
    with pytest.raises(LoadError, match="nest deeper"):
        load(bad)


def test_prefill_from_context_previous_and_defaults() -> None:
    p = program(section(
        "s",
        q("email", "email", prefill=("client", "email")),
        q("bad_email", "email", prefill=("client", "first_name")),  # not an email: left out
        q("status", "choice", options=options("a", "b"), prefill=("previous", "status"), default="a"),
        q("kids", "yesno", default=False),
        q("n", "integer", default=3, checks=Checks(maximum=2)),  # an invalid default is left out
        q("firm", "text", prefill=("firm", "name")),
        repeat("r", q("x", "text", default="d")),
    ))
    template = Template(p)
    assert template.prefill(CONTEXT, {"status": "b"}) == {"email": "ann@example.com", "status": "b", "kids": False}
    assert template.prefill(CONTEXT, {"status": "zzz"}) == {"email": "ann@example.com", "status": "a", "kids": False}
    assert template.prefill({**CONTEXT, "firm": {"name": "Acme"}}) == {
        "email": "ann@example.com", "status": "a", "kids": False, "firm": "Acme"}


def test_template_methods_and_default_context() -> None:
    p = program(section("s", q("x", "text", required=True, visible_when=op(">=", {"ctx": ["year"]}, lit(2000))),
                        q("y", "yesno")),
                section("t", q("z", "text"), visible_when=ref("y")),
                title=["Organizer ", {"path": ["year"], "offset": 0, "fallback": None}])
    template = Template(p)
    import datetime
    assert template.title() == f"Organizer {datetime.date.today().year}"
    assert [pr.code for pr in template.validate({})] == ["required"]
    assert template.validate({"z": "kept"}, draft=True) == []
    assert template.submission({"x": "a", "z": "kept"}) == {"x": "a"}
    state = template.evaluate({"x": "a", "y": True})
    state = template.update(state, "y", {"x": "a", "y": False})
    assert state.sections == ("s",) and state == template.evaluate({"x": "a", "y": False})
    assert template.render_html(["<b>", {"path": ["x"], "offset": 0, "fallback": None}], {"x": "<i>"}) == "&lt;b&gt;&lt;i&gt;"


def test_runtime_does_not_import_the_parser_or_the_compiler() -> None:
    code = ("import sys, organizer.runtime.template, organizer.runtime.validate, organizer.runtime.state, "
            "organizer.runtime.shortcodes, organizer.runtime.messages\n"
            "bad = [m for m in sys.modules if m == 'lark' or m.startswith(('lark.', 'organizer.dsl', 'organizer.compiler'))]\n"
            "print(bad)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_runtime_sources_import_only_allowed_modules() -> None:
    import ast
    allowed = {"__future__", "collections", "dataclasses", "typing", "re", "math", "decimal", "json", "os", "datetime", "heapq",
               "functools", "pathlib", "markupsafe", "jinja2", "jsonschema", "yaml",
               "base64", "hashlib"}  # the CSP hash of the print page's stylesheet
    folder = Path(__file__).parents[2] / "runtime"
    for source in folder.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{source.name} imports {name}"
