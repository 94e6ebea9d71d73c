"""The grammar itself: conflict-free LALR, and one accepted and one rejected snippet per construct."""

from __future__ import annotations

import pytest

from organizer.dsl.ast import Question, QuestionType
from organizer.dsl.diagnostics import Severity
from organizer.dsl.parse import build_parser, parse


def test_grammar_builds_without_lalr_conflicts_or_terminal_collisions() -> None:
    build_parser(debug=True, strict=True)


def _wrap(body: str) -> str:
    return f'organizer t "T" {{\n  section s "S" {{\n{body}\n  }}\n}}\n'


ACCEPTED = {
    "type_name_as_id": '    email email "Email"',
    "modifiers_inline": '    integer months "Months" min 0 max 12 required help "h"',
    "modifiers_in_braces": '    text t "T" {\n      required\n      help "h"\n    }',
    "required_if": '    yesno a "A"\n    text b "B" required if a',
    "choice_options": '    choice c "C" as dropdown {\n      option x "X"\n    }',
    "file_limits": '    file f "F" accept "pdf", "png" max 3 max_size 20MB',
    "date_bounds": '    date d "D" min "2020-01-01" max today',
    "if_else_chain": '    yesno a "A"\n    if a {\n      text b "B"\n    } else if not a {\n      text c "C"\n    } else {\n      text d "D"\n    }',
    "wrapped_condition": '    yesno a "A"\n    yesno b "B"\n    text c "C" when (a and\n        b)',
    "list_over_lines": '    choice k "K" {\n      option x "X"\n      option y "Y"\n    }\n    text c "C" when k in [\n      "x",\n      "y",\n    ]',
    "triple_string": '    note """\n      Line one\n      Line two\n    """',
    "computed": '    number a "A"\n    computed b "B" = a * 2 + 1',
    "comment_lines": '    # a comment\n    text a "A"  # trailing comment',
    "goto_end": '    yesno a "A"\n    goto end when a',
}

REJECTED = {
    "missing_label": '    text name',
    "unknown_statement": '    textfield name "Name"',
    "unclosed_string": '    text name "Name',
    "assignment_in_condition": '    yesno a "A"\n    text b "B" when a = true',
    "size_without_unit_is_not_a_size": '    file f "F" max_size 20',
    "chained_comparison": '    number a "A"\n    text b "B" when 1 < a < 3',
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_snippets_parse(name: str) -> None:
    result = parse(_wrap(ACCEPTED[name]), "t.organizer")
    assert result.module is not None, result.diagnostics
    assert [d for d in result.diagnostics if d.severity is Severity.ERROR] == []


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_rejected_snippets_give_one_located_syntax_error(name: str) -> None:
    text = _wrap(REJECTED[name])
    result = parse(text, "t.organizer")
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert result.module is None and len(errors) == 1
    line_count = text.count("\n") + 1
    assert 1 <= errors[0].span.line <= line_count


def test_type_names_are_ids_where_an_id_is_expected() -> None:
    result = parse(_wrap(ACCEPTED["type_name_as_id"]), "t.organizer")
    assert result.module is not None
    question = result.module.templates[0].items[0].items[0]  # type: ignore[union-attr]
    assert isinstance(question, Question)
    assert (question.type, question.id.value) == (QuestionType.EMAIL, "email")


def test_spans_start_at_the_keyword_and_count_code_points() -> None:
    text = _wrap('    text a "😀é" when b')
    result = parse(text, "t.organizer")
    assert result.module is not None
    question = result.module.templates[0].items[0].items[0]  # type: ignore[union-attr]
    assert (question.span.line, question.span.column) == (3, 5)
    assert question.modifiers[0].span.column == 5 + len('text a "😀é" ')
