"""Lowering AST -> IR: scoping of references, if/else and groups folded into visible_when, gotos
into skipped_when, option lists, sizes, money decimals, patterns, texts and origins."""

from __future__ import annotations

from typing import Any

import pytest

from organizer.compiler.build import compile_source
from organizer.runtime.program import Group, Item, Program, Question, Repeat, Section


def compile_ok(body: str, header: str = "") -> Program:
    text = f'{header}\norganizer t "T" {{\n{body}\n}}\n'
    result = compile_source(text, "t.organizer")
    assert result.program is not None, [str(d) for d in result.diagnostics]
    return result.program


def items(program: Program) -> dict[str, Any]:
    """Every item with an id, through groups and repeats."""
    found: dict[str, Any] = {}

    def walk(children: tuple[Item, ...]) -> None:
        for item in children:
            if hasattr(item, "id"):
                found[item.id] = item
            if isinstance(item, (Group, Repeat)):
                walk(item.items)

    for section in program.sections:
        found[section.id] = section
        walk(section.items)
    return found


def ref(name: str) -> dict[str, Any]:
    return {"ref": name}


def eq(left: dict[str, Any], value: Any) -> dict[str, Any]:
    return {"op": "==", "args": [left, {"lit": value}]}


def test_references_resolve_by_scope() -> None:
    program = compile_ok('''
  section s "S" {
    integer n "N"
    repeat rows "Rows" {
      integer n "N in a row"
      integer k "K" when n > 1 and year > 2020 and client.first_name == "x"
    }
    computed total "Total" = sum(rows.k) + count(rows)
  }''')
    found = items(program)
    k = next(i for i in found["rows"].items if i.id == "k")
    assert k.visible_when == {"op": "and", "args": [
        {"op": ">", "args": [{"field": "n"}, {"lit": 1}]},
        {"op": ">", "args": [{"ctx": ["year"]}, {"lit": 2020}]},
        {"op": "==", "args": [{"ctx": ["client", "first_name"]}, {"lit": "x"}]}]}
    assert found["total"].expr == {"op": "+", "args": [
        {"op": "sum", "args": [ref("rows"), {"lit": "k"}]}, {"op": "count", "args": [ref("rows")]}]}
    assert found["total"].value_type == "number"


def test_if_else_chain_lowers_into_each_branch() -> None:
    program = compile_ok('''
  section s "S" {
    choice c "C" { 
      option a "A"
      option b "B"
      option d "D"
    }
    if c == "a" {
      text x "X"
    } else if c == "b" {
      text y "Y"
    } else {
      text z "Z" when answered(c)
    }
  }''')
    found = items(program)
    is_a, is_b = eq(ref("c"), "a"), eq(ref("c"), "b")
    assert found["x"].visible_when == is_a
    assert found["y"].visible_when == {"op": "and", "args": [is_b, {"op": "not", "args": [is_a]}]}
    assert found["z"].visible_when == {"op": "and", "args": [
        {"op": "not", "args": [is_a]}, {"op": "not", "args": [is_b]}, {"op": "answered", "args": [ref("c")]}]}


def test_group_conditions_join_their_childrens() -> None:
    program = compile_ok('''
  section s "S" {
    yesno a "A"
    yesno b "B"
    group g "G" when a {
      group h "H" when b {
        text x "X" when a
      }
    }
  }''')
    found = items(program)
    assert found["g"].visible_when == ref("a")
    assert found["h"].visible_when == {"op": "and", "args": [ref("a"), ref("b")]}
    assert found["x"].visible_when == {"op": "and", "args": [ref("a"), ref("b")]}  # `a` once


GOTOS = '''
  section a "A" {
    yesno p "P"
    yesno q "Q"
    goto c when p
    if q {
      goto end when true
    }
  }
  section b "B" {
    text x "X"
  }
  section c "C" {
    text y "Y"
  }
  section d "D" {
    text z "Z"
  }'''


def test_gotos_lower_to_skipped_when_per_spec_2_5() -> None:
    program = compile_ok(GOTOS)
    a, b, c, d = program.sections
    assert a.skipped_when is None
    # b: either goto of a jumps past b
    assert b.skipped_when == {"op": "and", "args": [{"op": "or", "args": [ref("p"), ref("q")]}, {"section": "a"}]}
    # c is the first goto's target: only `goto end` skips it, and only when `goto c` did not fire first
    assert c.skipped_when == {"op": "and", "args": [ref("q"), {"op": "not", "args": [ref("p")]}, {"section": "a"}]}
    assert d.skipped_when == c.skipped_when
    assert [g.target for g in a.gotos] == ["c", "end"]
    assert a.gotos[1].when == ref("q")  # the enclosing `if q`, and `when true` adds nothing


def test_goto_lowering_agrees_with_trying_gotos_in_order() -> None:
    """Brute force over the answers: the runtime's skipped sections equal a direct simulation."""
    from organizer.runtime.template import Template

    program = compile_ok(GOTOS)
    template = Template(program)
    for p in (True, False, None):
        for q in (True, False, None):
            answers = {k: v for k, v in (("p", p), ("q", q)) if v is not None}
            first = "c" if p else "end" if q else None
            expected = {"c": ("b",), "end": ("b", "c", "d"), None: ()}[first]
            assert template.evaluate(answers).skipped == expected, answers


def test_options_from_a_shared_list_are_inlined() -> None:
    program = compile_ok('''
  section s "S" {
    choice c "C" from colors
  }''', 'options colors {\n  option red "Red <<year>>"\n  option blue "Blue"\n}')
    question = items(program)["c"]
    assert question.options_from == "colors"
    assert [(o.id, o.label) for o in question.options] == [
        ("red", ["Red ", {"path": ["year"], "offset": 0, "fallback": None}]), ("blue", ["Blue"])]


@pytest.mark.parametrize(("size", "expected"), [
    ("1KB", 1024), ("20MB", 20 * 1024**2), ("1GB", 1024**3), ("1.5MB", 1572864)])
def test_sizes_are_binary_units(size: str, expected: int) -> None:
    program = compile_ok(f'  section s "S" {{\n    file f "F" max_size {size}\n  }}')
    assert items(program)["f"].checks.max_size == expected


@pytest.mark.parametrize(("currency", "decimals"), [
    ("", 2), ('currency "USD"', 2), ('currency "EUR"', 2), ('currency "JPY"', 0), ('currency "KRW"', 0),
    ('currency "KWD"', 3), ('currency "BHD"', 3), ('currency "OMR"', 3), ('currency "JOD"', 3), ('currency "TND"', 3)])
def test_money_decimals_follow_the_currency(currency: str, decimals: int) -> None:
    program = compile_ok(f'  section s "S" {{\n    money m "M" {currency}\n  }}')
    assert items(program)["m"].checks.decimals == decimals


def test_question_modifiers_lower_to_the_artifact_model() -> None:
    program = compile_ok('''
  section s "S" {
    yesno gate "Gate"
    text t "T" required if gate min 2 max 9 pattern "[0-9]+" message "Digits, <<client.first_name | friend>>" {
      help "Help"
      placeholder "123"
      default "42"
      prefill client.first_name
    }
    date d "D" min "2020-01-01" max today
    file f "F" accept "pdf", "jpg" max 2
    choice c "C" as radio {
      option a "A"
    }
  }''')
    found = items(program)
    t: Question = found["t"]
    assert t.required == ref("gate")
    assert (t.checks.min_length, t.checks.max_length, t.checks.pattern_source) == (2, 9, "[0-9]+")
    assert t.checks.pattern == "^(?:[0-9]+)(?!\\n)$"
    assert t.message == ["Digits, ", {"path": ["client", "first_name"], "offset": 0, "fallback": "friend"}]
    assert (t.help, t.placeholder, t.default, t.prefill) == (["Help"], ["123"], "42", ("client", "first_name"))
    assert (found["d"].checks.min_date, found["d"].checks.max_date) == ("2020-01-01", "today")
    assert (found["f"].checks.accept, found["f"].checks.max_items) == (("pdf", "jpg"), 2)
    assert found["c"].style == "radio"


def test_texts_merge_literals_and_keep_shortcodes() -> None:
    program = compile_ok('  section s "S <<year - 1>>, <<year + 2>>!" {\n    text x "X"\n  }')
    assert program.sections[0].title == [
        "S ", {"path": ["year"], "offset": -1, "fallback": None}, ", ",
        {"path": ["year"], "offset": 2, "fallback": None}, "!"]


def test_origins_are_source_lines_and_columns() -> None:
    program = compile_ok('  section s "S" {\n    text x "X"\n  }')
    section: Section = program.sections[0]
    assert (section.origin.line, section.origin.column) == (3, 3)
    assert (section.items[0].origin.line, section.items[0].origin.column) == (4, 5)


def test_program_header_fields() -> None:
    text = 'organizer t "T" {\n  language nl\n  description "D"\n  reminders after 4 days limit 2\n' \
           '  section s "S" {\n    text x "X"\n  }\n}\n'
    result = compile_source(text, "lib/t.organizer")
    program = result.program
    assert program is not None
    assert (program.language, program.description, program.reminders_after_days, program.reminders_limit) == (
        "nl", ["D"], 4, 2)
    assert program.source_file == "lib/t.organizer"
    import hashlib
    assert program.source_sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_computed_value_types() -> None:
    program = compile_ok('''
  section s "S" {
    text a "A"
    integer n "N"
    computed t "T" = a + "!"
    computed b "B" = n > 2
    computed m "M" = -n
    computed y "Y" = year
  }''')
    found = items(program)
    assert [found[k].value_type for k in "tbmy"] == ["string", "boolean", "number", "number"]
