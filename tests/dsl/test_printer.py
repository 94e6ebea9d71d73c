"""The printer per construct: precedence, numbers, escapes, shortcodes, modifiers and layout."""

from __future__ import annotations

import pytest

from organizer.dsl import ast as a
from organizer.dsl.diagnostics import Severity
from organizer.dsl.parse import parse
from organizer.dsl.printer import print_expr, print_module, print_text

A, B, C = a.Ref(("a",)), a.Ref(("b",)), a.Ref(("c",))
N = a.Number
AND, OR = a.BoolOpKind.AND, a.BoolOpKind.OR


def _arith(op: str, left: a.Expr, right: a.Expr) -> a.Arith:
    return a.Arith(a.ArithOp(op), left, right)


def _cmp(op: str, left: a.Expr, right: a.Expr) -> a.Compare:
    return a.Compare(a.CompareOp(op), left, right)


def _parse_ok(source: str) -> a.Module:
    result = parse(source)
    assert [d for d in result.diagnostics if d.severity is Severity.ERROR] == []
    assert result.module is not None
    return result.module


def _parsed_expr(text: str) -> a.Expr:
    module = _parse_ok(f'organizer t "T" {{\n  computed c "C" = {text}\n}}\n')
    item = module.templates[0].items[0]
    assert isinstance(item, a.Computed)
    return item.expr


def _parsed_text(literal: str) -> a.Text:
    module = _parse_ok(f'organizer t {literal} {{\n}}\n')
    return module.templates[0].title


def _module(*items: a.Item, **header: object) -> a.Module:
    return a.Module((a.Template(id=a.Name("t"), title=_t("T"), items=items, **header),))  # type: ignore[arg-type]


def _t(*parts: str | a.Shortcode) -> a.Text:
    return a.Text(tuple(a.Chunk(p) if isinstance(p, str) else p for p in parts))


# --- expressions ------------------------------------------------------------------------

EXPRESSIONS = [
    (_arith("-", A, _arith("-", B, C)), "a - (b - c)"),
    (_arith("-", _arith("-", A, B), C), "a - b - c"),
    (_arith("+", A, _arith("+", B, C)), "a + (b + c)"),
    (_arith("*", A, _arith("+", B, C)), "a * (b + c)"),
    (_arith("+", _arith("*", A, B), C), "a * b + c"),
    (_arith("*", _arith("+", A, B), C), "(a + b) * c"),
    (_arith("/", A, _arith("*", B, C)), "a / (b * c)"),
    (_arith("/", _arith("*", A, B), C), "a * b / c"),
    (a.Neg(_arith("+", A, B)), "-(a + b)"),
    (_arith("*", a.Neg(A), B), "-a * b"),
    (a.Neg(a.Neg(A)), "--a"),
    (_arith("-", A, N(-3)), "a - -3"),
    (_arith("*", N(-3), A), "-3 * a"),
    (a.Neg(a.Call(a.Name("sum"), (a.Ref(("rows", "amount")),))), "-sum(rows.amount)"),
    (a.BoolOp(OR, (A, a.BoolOp(AND, (B, C)))), "a or b and c"),
    (a.BoolOp(AND, (a.BoolOp(OR, (A, B)), C)), "(a or b) and c"),
    (a.BoolOp(AND, (A, a.BoolOp(AND, (B, C)))), "a and (b and c)"),
    (a.BoolOp(AND, (A, B, C)), "a and b and c"),
    (a.Not(a.BoolOp(AND, (A, B))), "not (a and b)"),
    (a.BoolOp(AND, (a.Not(A), B)), "not a and b"),
    (a.Not(a.Not(A)), "not not a"),
    (a.Not(_cmp("has", A, a.String("x"))), 'not a has "x"'),
    (_cmp("==", _cmp("==", A, B), C), "(a == b) == c"),
    (_cmp("<", A, _cmp(">=", B, C)), "a < (b >= c)"),
    (_cmp("==", A, a.Not(B)), "a == (not b)"),
    (_arith("+", a.Not(A), N(1)), "(not a) + 1"),
    (_cmp("<=", _arith("+", A, N(1)), _arith("*", B, N(2))), "a + 1 <= b * 2"),
    (_cmp("in", A, a.ListLit((a.String("x"), N(-2), a.Boolean(True)))), 'a in ["x", -2, true]'),
    (a.ListLit(()), "[]"),
    (a.Call(a.Name("f"), (a.BoolOp(OR, (A, B)), a.ListLit((N(1),)))), "f(a or b, [1])"),
    (a.Call(a.Name("f"), ()), "f()"),
    (a.Ref(("client", "first_name")), "client.first_name"),
    (a.Boolean(False), "false"),
]


@pytest.mark.parametrize(("expr", "expected"), EXPRESSIONS, ids=[e for _, e in EXPRESSIONS])
def test_expression_prints_with_minimal_parentheses_and_parses_back(expr: a.Expr, expected: str) -> None:
    assert print_expr(expr) == expected
    assert _parsed_expr(expected) == expr


NUMBERS = [
    (12, "12"), (-3, "-3"), (12.5, "12.5"), (-0.0, "0.0"), (0.0, "0.0"), (1e16, "10000000000000000.0"),
    (1e-7, "0.0000001"), (-2.5e-5, "-0.000025"), (0.1, "0.1"), (10**30, str(10**30)),
]


@pytest.mark.parametrize(("value", "expected"), NUMBERS, ids=[e for _, e in NUMBERS])
def test_numbers_print_without_exponent_or_negative_zero(value: float, expected: str) -> None:
    assert print_expr(N(value)) == expected
    parsed = _parsed_expr(expected)
    assert isinstance(parsed, a.Number) and parsed.value == value and type(parsed.value) is type(value)


# --- strings and shortcodes -------------------------------------------------------------

TEXTS = [
    (_t('say "hi"'), r'"say \"hi\""'),
    (_t("back\\slash"), r'"back\\slash"'),
    (_t("two\nlines\r\ttab"), r'"two\nlines\r\ttab"'),
    (_t("\x00\x1f\x7f\x85"), r'"\u0000\u001f\u007f\u0085"'),
    (_t("\u202eevil"), r'"\u202eevil"'),
    (_t("a<<b"), r'"a\<<b"'),
    (_t("a <<< b"), r'"a \<\<< b"'),
    (_t("ends<"), r'"ends\<"'),
    (_t("x<", a.Shortcode(("year",))), r'"x\<<<year>>"'),
    (_t("x > y >> z"), r'"x > y >> z"'),
    (_t("emoji 😀 e\u0301 # {}"), '"emoji 😀 e\u0301 # {}"'),
    (_t(a.Shortcode(("client", "first_name"))), '"<<client.first_name>>"'),
    (_t(a.Shortcode(("year",), 1)), '"<<year + 1>>"'),
    (_t(a.Shortcode(("year",), -1)), '"<<year - 1>>"'),
    (_t("Hi ", a.Shortcode(("client", "first_name"), 0, "there"), "!"), '"Hi <<client.first_name | there>>!"'),
    (_t(a.Shortcode(("year",), -2, 'a "b" \\ c')), r'"<<year - 2 | a \"b\" \\ c>>"'),
    (_t(a.Shortcode(("x",), 0, "")), '"<<x | >>"'),
    (_t(), '""'),
]


@pytest.mark.parametrize(("text", "expected"), TEXTS, ids=[e for _, e in TEXTS])
def test_text_escapes_and_shortcodes(text: a.Text, expected: str) -> None:
    assert print_text(text) == expected
    assert _parsed_text(expected) == text


def test_lone_surrogate_is_escaped() -> None:
    # Printed as an escape; the parser currently rejects `\ud800` (see the report), so no round trip.
    assert print_text(_t("a\ud800b")) == r'"a\ud800b"'


def test_string_value_is_escaped_so_it_cannot_open_a_shortcode() -> None:
    expr = _cmp("==", A, a.String('<<year>> "q"'))
    assert print_expr(expr) == r'a == "\<<year>> \"q\""'
    assert _parsed_expr(print_expr(expr)) == expr


# --- modifiers and layout ---------------------------------------------------------------


def _question(qtype: a.QuestionType, *mods: a.Modifier) -> a.Question:
    return a.Question(type=qtype, id=a.Name("q"), label=_t("Q"), modifiers=mods)


def _body(module: a.Module) -> str:
    """The printed items, without the template's first and last line."""
    return "\n".join(print_module(module).splitlines()[1:-1])


def test_modifiers_stay_inline_in_order_without_options() -> None:
    q = _question(a.QuestionType.MONEY, a.Bound(a.BoundKind.MIN, N(0)), a.Required(A),
                  a.Currency(a.String("USD")), a.When(a.BoolOp(OR, (A, B))), a.Default(N(-1.5)),
                  a.TextModifier(a.TextModifierKind.HELP, _t("h")), a.Prefill(("previous", "q")))
    assert _body(_module(q)) == (
        '  money q "Q" min 0 required if a currency "USD" when a or b default -1.5 help "h" prefill previous.q')


def test_any_option_puts_every_modifier_in_braces_in_order() -> None:
    q = _question(a.QuestionType.MULTICHOICE, a.Required(), a.Option(a.Name("x"), _t("X")),
                  a.Bound(a.BoundKind.MAX, N(1)), a.Option(a.Name("y"), _t(a.Shortcode(("year",)))))
    assert _body(_module(q)) == '\n'.join([
        '  multichoice q "Q" {',
        "    required",
        '    option x "X"',
        "    max 1",
        '    option y "<<year>>"',
        "  }",
    ])


@pytest.mark.parametrize(("mod", "expected"), [
    (a.Bound(a.BoundKind.MAX, a.Today()), "max today"),
    (a.Bound(a.BoundKind.MIN, a.String("2020-01-31")), 'min "2020-01-31"'),
    (a.Pattern(a.String("^[0-9]+\\.[0-9]{2}$")), r'pattern "^[0-9]+\\.[0-9]{2}$"'),
    (a.Accept((a.String("pdf"), a.String("png"))), 'accept "pdf", "png"'),
    (a.MaxSize(a.Size(20, "MB")), "max_size 20MB"),
    (a.MaxSize(a.Size(1.5, "GB")), "max_size 1.5GB"),
    (a.From(a.Name("states")), "from states"),
    (a.As(a.ChoiceStyle.DROPDOWN), "as dropdown"),
    (a.Default(a.Boolean(True)), "default true"),
    (a.Default(a.String("x")), 'default "x"'),
    (a.TextModifier(a.TextModifierKind.PLACEHOLDER, _t("e.g. 12345")), 'placeholder "e.g. 12345"'),
    (a.TextModifier(a.TextModifierKind.MESSAGE, _t("five digits")), 'message "five digits"'),
    (a.Required(), "required"),
])
def test_each_modifier(mod: a.Modifier, expected: str) -> None:
    module = _module(_question(a.QuestionType.TEXT, mod))
    assert _body(module) == f'  text q "Q" {expected}'
    assert _parse_ok(print_module(module)) == module


def test_if_else_if_else_layout() -> None:
    note = a.Note(_t("n"))
    node = a.If((a.Branch(A, (note,)), a.Branch(a.Not(A), (note,))), (note,))
    assert _body(_module(node)) == "\n".join([
        "  if a {", '    note "n"', "  } else if not a {", '    note "n"', "  } else {", '    note "n"', "  }",
    ])


def test_empty_else_and_nested_blocks() -> None:
    inner = a.If((a.Branch(B, (a.Note(_t("n"), C),)),), ())
    group = a.Group(id=a.Name("g"), title=_t("G"), when=A, items=(inner,))
    module = _module(a.Section(id=a.Name("s"), title=_t("S"), items=(group,)))
    assert _body(module) == "\n".join([
        '  section s "S" {',
        '    group g "G" when a {',
        "      if b {",
        '        note "n" when c',
        "      } else {",
        "      }",
        "    }",
        "  }",
    ])
    assert _parse_ok(print_module(module)) == module


def test_repeat_prints_min_max_when_in_order() -> None:
    field = a.Question(type=a.QuestionType.TEXT, id=a.Name("name"), label=_t("Name"))
    node = a.Repeat(id=a.Name("kids"), title=_t("Kids"), min=N(1), max=N(12), when=A, items=(field,))
    assert _body(_module(node)) == '  repeat kids "Kids" min 1 max 12 when a {\n    text name "Name"\n  }'


def test_computed_goto_and_note() -> None:
    computed = a.Computed(id=a.Name("net"), label=_t("Net"), expr=_arith("-", A, B), when=C)
    goto = a.Goto(a.Name("end"), a.Not(_cmp("has", A, a.String("x"))))
    assert _body(_module(computed, goto, a.Note(_t("**n**")))) == "\n".join([
        '  computed net "Net" = a - b when c', '  goto end when not a has "x"', '  note "**n**"'])


def test_template_header_order_and_option_lists_in_declaration_order() -> None:
    options = a.OptionList(a.Name("states"), (a.Option(a.Name("ny"), _t("New York")),))
    later = a.OptionList(a.Name("kinds"), ())
    template = a.Template(
        id=a.Name("t"), title=_t("T"), language=a.Name("nl"), description=_t("line 1\nline 2"),
        reminders=a.Reminders(N(3), N(1)),
        items=(a.Section(id=a.Name("s1"), title=_t("S1")), a.Section(id=a.Name("s2"), title=_t("S2"))))
    module = a.Module((options, template, later))
    assert print_module(module) == "\n".join([
        "options states {",
        '  option ny "New York"',
        "}",
        "",
        'organizer t "T" {',
        "  language nl",
        r'  description "line 1\nline 2"',
        "  reminders after 3 days limit 1",
        "",
        '  section s1 "S1" {',
        "  }",
        "",
        '  section s2 "S2" {',
        "  }",
        "}",
        "",
        "options kinds {",
        "}",
        "",
    ])
    assert _parse_ok(print_module(module)) == module


def test_empty_module_prints_a_newline() -> None:
    assert print_module(a.Module(())) == "\n"
    assert _parse_ok("\n") == a.Module(())
