"""Round trip: printing an AST and parsing it back gives the same tree, and printing is idempotent."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from strategies import expressions, questions, templates, texts

from organizer.dsl import ast as a
from organizer.dsl.diagnostics import Severity
from organizer.dsl.parse import parse
from organizer.dsl.printer import print_module

SPEC_EXAMPLE = Path(__file__).parent.parent / "fixtures" / "spec_example.organizer"
# Generation dominates the time; the profile (HYPOTHESIS_PROFILE) still sets the number of examples.
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reparse(module: a.Module) -> a.Module:
    text = print_module(module)
    result = parse(text)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors == [], text
    assert result.module is not None
    return result.module


def _in_template(*items: a.Item) -> a.Module:
    return a.Module((a.Template(id=a.Name("t"), title=a.Text(()), items=items),))


@SLOW
@given(templates())
def test_printed_template_parses_back_to_the_same_tree_and_prints_the_same(module: a.Module) -> None:
    parsed = _reparse(module)
    assert parsed == module
    # Equality cannot tell `1` from `1.0` (or `Number(-0.0)` from `Number(0)`); the printed text can.
    assert print_module(parsed) == print_module(module)


@SLOW
@given(expressions())
def test_any_expression_round_trips(expr: a.Expr) -> None:
    module = _in_template(a.Computed(id=a.Name("c"), label=a.Text(()), expr=expr))
    assert _reparse(module) == module


@SLOW
@given(texts())
def test_any_text_round_trips(text: a.Text) -> None:
    module = _in_template(a.Note(text))
    assert _reparse(module) == module


@SLOW
@given(questions())
def test_any_question_round_trips(question: a.Question) -> None:
    module = _in_template(question)
    assert _reparse(module) == module


def test_spec_example_prints_and_parses_back() -> None:
    result = parse(SPEC_EXAMPLE.read_text(encoding="utf-8"), str(SPEC_EXAMPLE))
    assert result.module is not None and result.diagnostics == ()
    assert _reparse(result.module) == result.module
    assert print_module(_reparse(result.module)) == print_module(result.module)
