"""The fast driver must give exactly what Lark's own parser loop gives: trees, spans, errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.dsl.parse import parse, parse_with_lark
from organizer.dsl.printer import print_module

from strategies import templates

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("stdlib_templates/*.organizer"), ROOT / "tests/fixtures/spec_example.organizer",
                  *ROOT.glob("tests/errors/*.organizer")])


def _spans(node: Any, out: list[Any]) -> list[Any]:
    """Every node's type and span, in order, so spans are compared too (equality ignores them)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if dataclasses.is_dataclass(current) and not isinstance(current, type):
            out.append((type(current).__name__, getattr(current, "span", None)))
            stack.extend(getattr(current, f.name) for f in reversed(dataclasses.fields(current)))
        elif isinstance(current, tuple):
            stack.extend(reversed(current))
    return out


def _same(text: str) -> None:
    fast, reference = parse(text, "t.organizer"), parse_with_lark(text, "t.organizer")
    assert fast.diagnostics == reference.diagnostics
    assert fast.module == reference.module
    assert _spans(fast.module, []) == _spans(reference.module, [])


def test_library_templates_and_error_cases_parse_identically() -> None:
    for path in SOURCES:
        _same(path.read_bytes().decode("utf-8", errors="replace"))


@settings(max_examples=60)
@given(templates())
def test_generated_templates_parse_identically(module: Any) -> None:
    _same(print_module(module))


@given(st.data())
def test_damaged_templates_fail_identically(data: st.DataObject) -> None:
    text = (ROOT / "tests/fixtures/spec_example.organizer").read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start, min(start + 12, len(text))))
    junk = data.draw(st.text(alphabet='{}()[]"<>=!#\n \tabcxyz019-+.,', max_size=6))
    _same(text[:start] + junk + text[end:])


def test_a_wrapper_chain_it_does_not_know_falls_back_to_larks_own(monkeypatch: Any) -> None:
    """If Lark's wrappers change shape, the driver runs Lark's callbacks as they are, and still agrees."""
    from organizer.dsl import drive
    from organizer.dsl import parse as parse_module

    known = drive._reduction
    monkeypatch.setattr(drive, "_reduction", lambda rule, callback: None if rule.origin.name == "option" else
                        known(rule, callback))
    driver = drive.FastDriver(parse_module._get_parser())
    assert not any(isinstance(r.reduce, type) for row in driver.table.values() for r in row.values()
                   if isinstance(r, drive._Reduction)), "inlined rules build Lark's Trees again, not lists"
    text = (ROOT / "tests/fixtures/spec_example.organizer").read_text(encoding="utf-8")
    parse_module._builder.reset("t.organizer")
    assert driver.parse(text + "\n") == parse_with_lark(text, "t.organizer").module
