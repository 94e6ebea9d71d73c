"""Hypothesis strategies for AST nodes and whole templates that are well-typed per SPEC 2.4.

Nodes use the default span (spans are left out of equality), so a generated tree can be compared
directly with the tree parsed from its printed text.
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from organizer.dsl import ast as a

T = TypeVar("T")
QT = a.QuestionType
RESERVED = frozenset("and or not in has true false yes no client firm year today organizer previous".split())
# `end` is the goto target past the last section, so no id may take it.
_NOT_IDS = RESERVED | {"end"}
# Keywords only where the grammar expects them: valid ids that stress the contextual lexer.
KEYWORDISH = (
    "text", "email", "date", "file", "choice", "min", "max", "max_size", "when", "option", "options", "required",
    "section", "group", "repeat", "if", "else", "goto", "note", "computed", "from", "as", "help", "default",
    "prefill", "pattern", "message", "accept", "language", "description", "notes", "nothing", "yes_no", "nota",
    "order", "andy", "inx", "hasx", "year2", "todays", "client_id", "true_up", "radio", "dropdown", "days",
)
CONTEXT_PATHS: tuple[tuple[str, ...], ...] = (
    ("client", "name"), ("client", "first_name"), ("client", "last_name"), ("client", "email"),
    ("client", "company"), ("firm", "name"), ("firm", "email"), ("firm", "phone"), ("year",), ("today",),
)
# Literal text that a careless printer would turn into escapes, shortcodes, comments or new lines.
HOSTILE = (
    '"', "\\", "<<", "<", ">>", ">", "\\<<", "\n", "\r\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\x85", "#", "{",
    "}", "|", '"""', "\\u0041", "\U0001f600", "\U0001f468\u200d\U0001f469", "e\u0301", "\u0308", "\u202e",
    "\u2028", "\ufeff", "  ", "<<year>>", "<<x | y>>",
)
# Simple regexes that are safe in every engine (SPEC 2.1); one carries a backslash to test escaping.
PATTERNS = ("^[0-9]{5}$", "^[A-Z]{2}[0-9]{6}$", "^[a-z ]+$", "^[0-9]{3}-[0-9]{4}$", "^[0-9]+\\.[0-9]{2}$")
FILE_TYPES = ("pdf", "jpg", "png", "heic", "docx", "xlsx", "csv")
MAX_QUESTIONS = 40
_NUMERIC = (QT.NUMBER, QT.INTEGER, QT.MONEY)
_STRINGY = (QT.TEXT, QT.TEXTAREA, QT.EMAIL, QT.PHONE)
_ORDERING = (a.CompareOp.LT, a.CompareOp.LE, a.CompareOp.GT, a.CompareOp.GE)
_EQUALITY = (a.CompareOp.EQ, a.CompareOp.NE)


# --- names, text and literals -----------------------------------------------------------


def identifiers() -> SearchStrategy[str]:
    """An identifier `[a-z][a-z0-9_]{0,20}` that is not a reserved word (nor `end`)."""
    random = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)
    return st.one_of(st.sampled_from(KEYWORDISH), random).filter(lambda s: s not in _NOT_IDS)


def plain_strings(max_pieces: int = 3) -> SearchStrategy[str]:
    """Any text without lone surrogates, often with HOSTILE pieces (quotes, `<<`, newlines, emoji)."""
    piece = st.one_of(st.text(max_size=4), st.sampled_from(HOSTILE))
    return st.lists(piece, max_size=max_pieces).map("".join)


def numbers(min_value: float = -1e6, max_value: float = 1e6) -> SearchStrategy[a.Number]:
    """A number literal, int or float; negative ones as the parser folds them, never `-0.0`."""
    ints = st.integers(int(min_value), int(max_value))
    floats = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False).map(lambda f: f + 0.0)
    return st.builds(a.Number, ints | floats)


def nice_numbers(min_value: int = -1000, max_value: int = 1000) -> SearchStrategy[a.Number]:
    """A number literal as people write them: an int, or a float with two decimals."""
    cents = st.integers(min_value * 100, max_value * 100).map(lambda c: c // 100 if c % 100 == 0 else c / 100)
    return st.builds(a.Number, st.integers(min_value, max_value) | cents)


def dates() -> SearchStrategy[str]:
    """A `YYYY-MM-DD` date string."""
    return st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)).map(lambda d: d.isoformat())


def sizes() -> SearchStrategy[a.Size]:
    """A file size between 1KB and 10GB, such as `20MB`, `500KB` or `1.5GB`."""
    small = st.builds(a.Size, st.integers(1, 999) | st.sampled_from([1.5, 2.25]), st.sampled_from(["KB", "MB"]))
    return small | st.builds(a.Size, st.integers(1, 10) | st.just(1.5), st.just("GB"))


_BOOLS = st.booleans()
_IDS = identifiers()
_PLAIN = plain_strings()
# A fallback ends at the first `>>` and is stripped, so it holds no `>` and no outer spaces.
_FALLBACK = st.none() | plain_strings(3).map(lambda s: s.replace(">", "").strip())
_DATES = dates()
_SMALL_NUMBERS = nice_numbers()
_WORDS = st.text(string.ascii_letters + " ,?'", min_size=1, max_size=16)


def _text(parts: list[str | a.Shortcode]) -> a.Text:
    """Merge neighbouring literal pieces and drop empty ones, as the parser does."""
    merged: list[a.TextPart] = []
    for part in parts:
        if isinstance(part, a.Shortcode):
            merged.append(part)
        elif part and merged and isinstance(merged[-1], a.Chunk):
            merged[-1] = a.Chunk(merged[-1].value + part)
        elif part:
            merged.append(a.Chunk(part))
    return a.Text(tuple(merged))


def _draw_shortcode(draw: DrawFn, paths: tuple[tuple[str, ...], ...]) -> a.Shortcode:
    path = draw(st.sampled_from(paths))
    offset = draw(st.integers(-5, 5)) if path == ("year",) else 0
    return a.Shortcode(path, offset, draw(_FALLBACK))


def _draw_text(draw: DrawFn, paths: tuple[tuple[str, ...], ...], max_parts: int = 3,
               literal: SearchStrategy[str] = _PLAIN) -> a.Text:
    parts: list[str | a.Shortcode] = []
    for _ in range(draw(st.integers(0, max_parts))):
        parts.append(_draw_shortcode(draw, paths) if draw(_BOOLS) else draw(literal))
    return _text(parts)


def shortcodes(paths: tuple[tuple[str, ...], ...] = CONTEXT_PATHS) -> SearchStrategy[a.Shortcode]:
    """A shortcode on one of `paths`: `<<year - 1>>`, `<<client.first_name | there>>`, ..."""
    return st.composite(lambda draw: _draw_shortcode(draw, paths))()


def _draw_label(draw: DrawFn, paths: tuple[tuple[str, ...], ...], max_parts: int = 3,
                words: SearchStrategy[str] | None = None) -> a.Text:
    """A text that is not empty: labels and titles must say something."""
    text = _draw_text(draw, paths, max_parts, words) if words is not None else _draw_text(draw, paths, max_parts)
    return text if text.parts else a.Text((a.Chunk("Label"),))


def texts(paths: tuple[tuple[str, ...], ...] = CONTEXT_PATHS, max_parts: int = 4) -> SearchStrategy[a.Text]:
    """A string literal as the parser builds it: hostile literal chunks (never two in a row) and shortcodes."""
    return st.composite(lambda draw: _draw_text(draw, paths, max_parts))()


def labels() -> SearchStrategy[a.Text]:
    """A short readable label, sometimes with a shortcode, e.g. `"Income in <<year>>"`."""
    return st.composite(lambda draw: _draw_text(draw, CONTEXT_PATHS, 3, _WORDS))()


# --- untyped expressions (for the printer's precedence) ---------------------------------


def expressions(max_leaves: int = 12) -> SearchStrategy[a.Expr]:
    """Any expression tree the parser can build, well-typed or not; for precedence and escapes."""
    leaves = st.one_of(
        numbers(),
        st.builds(a.String, _PLAIN),
        st.builds(a.Boolean, _BOOLS),
        st.builds(a.Ref, st.lists(_IDS, min_size=1, max_size=3).map(tuple)),
    )

    def extend(inner: SearchStrategy[a.Expr]) -> SearchStrategy[a.Expr]:
        tuples = st.lists(inner, max_size=3).map(tuple)
        return st.one_of(
            st.builds(a.ListLit, tuples),
            st.builds(a.Call, st.builds(a.Name, _IDS), tuples),
            # The parser folds `-` applied to a number literal into the literal: no Neg(Number).
            st.builds(a.Neg, inner.filter(lambda e: not isinstance(e, a.Number))),
            st.builds(a.Not, inner),
            st.builds(a.BoolOp, st.sampled_from(a.BoolOpKind), st.lists(inner, min_size=2, max_size=3).map(tuple)),
            st.builds(a.Compare, st.sampled_from(a.CompareOp), inner, inner),
            st.builds(a.Arith, st.sampled_from(a.ArithOp), inner, inner),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


# --- scope: what a condition may refer to -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Symbol:
    """A question visible to later conditions: its id, type and option ids (choice, multichoice)."""

    id: str
    type: a.QuestionType
    options: tuple[str, ...] = ()


@dataclass(slots=True)
class Scope:
    """The state of one template being generated; mutated as items are declared, in source order."""

    sections: tuple[str, ...] = ()
    current: int = 0  # index of the section being generated, for forward gotos
    option_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    questions: list[Symbol] = field(default_factory=list)
    repeats: dict[str, tuple[Symbol, ...]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    budget: int = MAX_QUESTIONS

    def fresh(self, draw: DrawFn) -> str:
        """A new id, unique in the template."""
        base = draw(_IDS)
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{base[: 20 - len(str(n))]}_{n}"
        self.used.add(name)
        return name

    def paths(self) -> tuple[tuple[str, ...], ...]:
        """What a shortcode may name here: context paths and recent questions (piping)."""
        return CONTEXT_PATHS + tuple((q.id,) for q in self.questions[-4:])


def _pick(draw: DrawFn, choices: tuple[T, ...] | list[T]) -> T:
    return draw(st.sampled_from(tuple(choices)))


def _maybe(draw: DrawFn, make: Callable[[], T]) -> T | None:
    return make() if draw(_BOOLS) else None


def _ref(*path: str) -> a.Ref:
    return a.Ref(path)


def _call(function: str, *path: str) -> a.Call:
    return a.Call(a.Name(function), (a.Ref(path),))


# --- typed expressions ------------------------------------------------------------------


def _draw_numeric(draw: DrawFn, scope: Scope, leaves: int = 5) -> a.Expr:
    kind = draw(st.integers(0, 2)) if leaves > 1 else 0
    if kind == 1:
        op = _pick(draw, tuple(a.ArithOp))
        left, right = _draw_numeric(draw, scope, leaves // 2), _draw_numeric(draw, scope, leaves // 2)
        if op is a.ArithOp.DIV and isinstance(right, a.Number) and right.value == 0:
            right = a.Number(1)
        return a.Arith(op, left, right)
    if kind == 2:
        operand = _draw_numeric(draw, scope, leaves - 1)
        # `-` applied to a number literal is folded into the literal by the parser.
        return a.Number(-operand.value + 0) if isinstance(operand, a.Number) else a.Neg(operand)
    return draw(_SMALL_NUMBERS) if draw(_BOOLS) else _draw_numeric_answer(draw, scope)


def _draw_numeric_answer(draw: DrawFn, scope: Scope) -> a.Expr:
    """A number that depends on answers or context: a question, `count`, `sum` or `year`."""
    leaf: list[a.Expr] = [_ref("year")]
    leaf += [_ref(q.id) for q in scope.questions if q.type in _NUMERIC]
    leaf += [_call("count", q.id) for q in scope.questions if q.type in (QT.MULTICHOICE, QT.FILE)]
    leaf += [_call("count", r) for r in scope.repeats]
    leaf += [_call("sum", r, f.id) for r, fields in scope.repeats.items() for f in fields if f.type in _NUMERIC]
    return _pick(draw, leaf)


def numeric_expressions(scope: Scope | None = None, max_leaves: int = 5) -> SearchStrategy[a.Expr]:
    """A number-valued expression over earlier number/integer/money questions, `count`, `sum`, `year`."""
    return st.composite(lambda draw: _draw_numeric(draw, scope or Scope(), max_leaves))()


def _draw_condition(draw: DrawFn, scope: Scope, leaves: int = 4) -> a.Expr:
    kind = draw(st.integers(0, 2)) if leaves > 1 else 0
    if kind == 1:
        return a.Not(_draw_condition(draw, scope, leaves - 1))
    if kind == 2:
        n = draw(st.integers(2, 3))
        operands = tuple(_draw_condition(draw, scope, leaves // n) for _ in range(n))
        return a.BoolOp(_pick(draw, tuple(a.BoolOpKind)), operands)
    recent = scope.questions[-12:]
    which = draw(st.integers(0, len(recent) + len(scope.repeats) + 2))
    if which < len(recent):
        return _question_atom(draw, recent[which])
    if which < len(recent) + len(scope.repeats):
        return a.Compare(a.CompareOp.GT, _call("count", list(scope.repeats)[which - len(recent)]), a.Number(0))
    return _context_atom(draw, scope, which - len(recent) - len(scope.repeats))


def _context_atom(draw: DrawFn, scope: Scope, which: int) -> a.Expr:
    if which == 0:  # an answer on the left, so the condition is never constant
        left = _draw_numeric_answer(draw, scope)
        if draw(_BOOLS):
            op = _pick(draw, (a.ArithOp.ADD, a.ArithOp.SUB, a.ArithOp.MUL))
            left = a.Arith(op, left, _draw_numeric(draw, scope, 2))
        return a.Compare(_pick(draw, _ORDERING + _EQUALITY), left, draw(nice_numbers(-1000, 3000)))
    if which == 1:
        return a.Compare(_pick(draw, _EQUALITY), _ref("client", "first_name"), a.String(draw(_PLAIN)))
    return a.Compare(_pick(draw, _ORDERING), _ref("today"), a.String(draw(_DATES)))


def _strings(draw: DrawFn, values: SearchStrategy[str]) -> a.ListLit:
    return a.ListLit(tuple(a.String(v) for v in draw(st.lists(values, min_size=1, max_size=3))))


def _question_atom(draw: DrawFn, q: Symbol) -> a.Expr:
    ref = _ref(q.id)
    if draw(st.integers(0, 4)) == 4:
        return _call("answered", q.id)
    match q.type:
        case QT.YESNO:
            return ref
        case QT.CHOICE if draw(_BOOLS):
            return a.Compare(a.CompareOp.IN, ref, _strings(draw, st.sampled_from(q.options)))
        case QT.CHOICE:
            return a.Compare(_pick(draw, _EQUALITY), ref, a.String(_pick(draw, q.options)))
        case QT.MULTICHOICE:
            return a.Compare(a.CompareOp.HAS, ref, a.String(_pick(draw, q.options)))
        case QT.TEXT | QT.TEXTAREA | QT.EMAIL | QT.PHONE if draw(_BOOLS):
            return a.Compare(a.CompareOp.IN, ref, _strings(draw, _PLAIN))
        case QT.TEXT | QT.TEXTAREA | QT.EMAIL | QT.PHONE:
            return a.Compare(_pick(draw, _EQUALITY), ref, a.String(draw(_PLAIN)))
        case QT.DATE:
            bound = a.String(draw(_DATES)) if draw(_BOOLS) else _ref("today")
            return a.Compare(_pick(draw, _ORDERING + _EQUALITY), ref, bound)
        case QT.NUMBER | QT.INTEGER | QT.MONEY:
            return a.Compare(_pick(draw, _ORDERING), ref, draw(nice_numbers(-100, 100)))
        case QT.FILE:
            return a.Compare(a.CompareOp.GE, _call("count", q.id), a.Number(1))
    raise AssertionError(q.type)


def conditions(scope: Scope | None = None, max_leaves: int = 4) -> SearchStrategy[a.Expr]:
    """A boolean condition over the questions declared so far in `scope` (or over the context only)."""
    return st.composite(lambda draw: _draw_condition(draw, scope or Scope(), max_leaves))()


# --- question modifiers -----------------------------------------------------------------


def _pair(draw: DrawFn, low: float, high: float) -> tuple[a.Number | None, a.Number | None]:
    """An optional lower and an optional upper number with lower <= upper; ints unless `low` is a float."""
    ints = st.integers(int(low), int(high)).map(a.Number)
    values = nice_numbers(int(low), int(high)) if isinstance(low, float) else ints
    lower, upper = sorted(draw(st.lists(values, min_size=2, max_size=2)), key=lambda n: n.value)
    return (lower if draw(_BOOLS) else None), (upper if draw(_BOOLS) else None)


def _bounds(draw: DrawFn, low: float, high: float, kinds: tuple[a.BoundKind, ...] = tuple(a.BoundKind),
            ) -> list[a.Modifier]:
    """`min`/`max` modifiers, each optional, with min <= max."""
    pair = _pair(draw, low, high)
    return [a.Bound(kind, n) for kind, n in zip(a.BoundKind, pair) if n is not None and kind in kinds]


def _date_bounds(draw: DrawFn) -> list[a.Modifier]:
    first, second = sorted(draw(st.lists(_DATES, min_size=2, max_size=2)))
    combos: list[tuple[a.String | a.Today | None, a.String | a.Today | None]] = [
        (None, None), (a.String(first), None), (None, a.String(second)), (a.String(first), a.String(second)),
        (None, a.Today()), (a.String("1900-01-01"), a.Today()), (a.Today(), a.String("2100-12-31")),
    ]
    return [a.Bound(kind, v) for kind, v in zip(a.BoundKind, _pick(draw, combos)) if v is not None]


def _defaults(qtype: a.QuestionType, mods: list[a.Modifier], options: tuple[str, ...], text: str) -> list[a.Literal]:
    """`default` values that fit the type and its bounds."""
    bounds = [m.value.value for m in mods if isinstance(m, a.Bound) and isinstance(m.value, a.Number)]
    match qtype:
        case QT.TEXT | QT.TEXTAREA if not mods:
            return [a.String(text)]
        case QT.NUMBER | QT.INTEGER | QT.MONEY:
            return [a.Number(v) for v in bounds] or [a.Number(0)]
        case QT.YESNO:
            return [a.Boolean(True), a.Boolean(False)]
        case QT.CHOICE:
            return [a.String(o) for o in options]
    return []


def _options(draw: DrawFn, scope: Scope) -> tuple[list[a.Modifier], tuple[str, ...]]:
    """Inline `option` lines, or `from` a top-level list; returns the modifiers and the option ids."""
    if scope.option_lists and draw(_BOOLS):
        list_id = _pick(draw, sorted(scope.option_lists))
        return [a.From(a.Name(list_id))], scope.option_lists[list_id]
    options = _draw_options(draw, scope.paths())
    return list(options), tuple(o.id.value for o in options)


def _draw_options(draw: DrawFn, paths: tuple[tuple[str, ...], ...]) -> tuple[a.Option, ...]:
    ids = draw(st.lists(_IDS, min_size=1, max_size=5, unique=True))
    return tuple(a.Option(a.Name(i), _draw_label(draw, paths, 2)) for i in ids)


def _type_modifiers(draw: DrawFn, qtype: a.QuestionType, scope: Scope) -> tuple[list[a.Modifier], tuple[str, ...]]:
    """The type's own modifiers, and its option ids for a choice or multichoice."""
    mods: list[a.Modifier | None] = []
    options: tuple[str, ...] = ()
    match qtype:
        case QT.TEXT:
            placeholder = a.TextModifierKind.PLACEHOLDER
            mods = [*_bounds(draw, 0, 200),
                    _maybe(draw, lambda: a.Pattern(a.String(_pick(draw, PATTERNS)))),
                    _maybe(draw, lambda: a.TextModifier(placeholder, _draw_text(draw, scope.paths(), 2)))]
        case QT.TEXTAREA:
            mods = [*_bounds(draw, 0, 5000)]
        case QT.NUMBER:
            mods = [*_bounds(draw, -1e6, 1e6)]  # ints and two-decimal floats
        case QT.INTEGER:
            mods = [*_bounds(draw, -10**6, 10**6)]
        case QT.MONEY:
            currency = _maybe(draw, lambda: a.Currency(a.String(_pick(draw, ("USD", "EUR")))))
            mods = [*_bounds(draw, -1e6, 1e6), currency]
        case QT.DATE:
            mods = [*_date_bounds(draw)]
        case QT.CHOICE:
            choices, options = _options(draw, scope)
            mods = [*choices, _maybe(draw, lambda: a.As(_pick(draw, tuple(a.ChoiceStyle))))]
        case QT.MULTICHOICE:
            choices, options = _options(draw, scope)
            mods = [*choices, *_bounds(draw, 0, len(options))]
        case QT.FILE:
            accept = st.lists(st.sampled_from(FILE_TYPES), min_size=1, max_size=3, unique=True)
            mods = [_maybe(draw, lambda: a.Accept(tuple(a.String(t) for t in draw(accept)))),
                    *_bounds(draw, 1, 20, (a.BoundKind.MAX,)),
                    _maybe(draw, lambda: a.MaxSize(draw(sizes())))]
        case QT.EMAIL | QT.PHONE | QT.YESNO:
            pass
    return [m for m in mods if m is not None], options


def _draw_question(draw: DrawFn, scope: Scope, qtype: a.QuestionType | None = None, qid: str | None = None,
                   in_repeat: bool = False) -> a.Question:
    qtype = qtype or _pick(draw, tuple(QT))
    qid = qid or scope.fresh(draw)
    paths = scope.paths()
    mods, options = _type_modifiers(draw, qtype, scope)
    defaults = _defaults(qtype, mods, options, draw(_PLAIN))
    # `previous.ID` names last period's answer to a top-level question, never a repeat's field.
    prefill = [*([] if in_repeat else [("previous", qid)]), *(CONTEXT_PATHS[:8] if qtype in _STRINGY else ())]
    common = [
        _maybe(draw, lambda: a.Required(_maybe(draw, lambda: _draw_condition(draw, scope, 3)))),
        _maybe(draw, lambda: a.When(_draw_condition(draw, scope, 3))),
        _maybe(draw, lambda: a.TextModifier(_pick(draw, (a.TextModifierKind.HELP, a.TextModifierKind.MESSAGE)),
                                            _draw_text(draw, paths, 3))),
        _maybe(draw, lambda: a.Default(_pick(draw, defaults))) if defaults else None,
        _maybe(draw, lambda: a.Prefill(_pick(draw, prefill))) if qtype is not QT.FILE and prefill else None,
    ]
    mods += [m for m in common if m is not None]
    scope.budget -= 1
    scope.questions.append(Symbol(qid, qtype, options))
    return a.Question(type=qtype, id=a.Name(qid), label=_draw_label(draw, paths, 3),
                      modifiers=tuple(draw(st.permutations(mods))))


def questions(qtype: a.QuestionType | None = None) -> SearchStrategy[a.Question]:
    """One question of `qtype` (any type if None) with valid modifiers; conditions use the context only."""
    return st.composite(lambda draw: _draw_question(draw, Scope(), qtype))()


def option_lists() -> SearchStrategy[a.OptionList]:
    """A top-level `options ID { option ... }` list with one to five options."""
    return st.composite(lambda draw: a.OptionList(a.Name(draw(_IDS)), _draw_options(draw, CONTEXT_PATHS)))()


# --- items ------------------------------------------------------------------------------


_KINDS = ("question", "question", "question", "if", "group", "repeat", "note", "computed", "goto")


def _draw_items(draw: DrawFn, scope: Scope, depth: int, in_section: bool, min_size: int = 0) -> tuple[a.Item, ...]:
    """A block's items in declaration order; gotos only directly in a section; blocks nest `depth` deep."""
    items: list[a.Item] = []
    for _ in range(draw(st.integers(min_size, 4))):
        if scope.budget <= 0 and len(items) >= min_size:
            break
        item = _draw_item(draw, scope, _pick(draw, _KINDS), depth, in_section)
        items.append(item if item is not None else _draw_question(draw, scope))
    return tuple(items)


def _draw_item(draw: DrawFn, scope: Scope, kind: str, depth: int, in_section: bool) -> a.Item | None:
    """An item of `kind`, or None where that kind cannot stand (the caller puts a question there)."""
    paths = scope.paths()
    when = lambda: _maybe(draw, lambda: _draw_condition(draw, scope))  # noqa: E731
    match kind:
        case "if" if depth > 0:
            return _draw_if(draw, scope, depth - 1)
        case "group" if depth > 0:
            gid, title, condition = scope.fresh(draw), _draw_label(draw, paths, 2), when()
            items = _draw_items(draw, scope, depth - 1, False)
            return a.Group(id=a.Name(gid), title=title, when=condition, items=items)
        case "repeat" if depth > 0:
            return _draw_repeat(draw, scope)
        case "note":
            return a.Note(_draw_text(draw, paths), when())
        case "computed" if any(q.type in _NUMERIC for q in scope.questions):
            cid, label, expr = scope.fresh(draw), _draw_label(draw, paths, 2), _draw_numeric(draw, scope)
            return a.Computed(id=a.Name(cid), label=label, expr=expr, when=when())
        case "goto" if in_section:
            target = _pick(draw, (*scope.sections[scope.current + 1:], "end"))
            return a.Goto(a.Name(target), _draw_condition(draw, scope))
    return None


def _draw_if(draw: DrawFn, scope: Scope, depth: int) -> a.If:
    branches = []
    for _ in range(draw(st.integers(1, 3))):
        condition = _draw_condition(draw, scope)
        # At least one item: the parser crashes on an empty `if`/`else if` body (reported).
        branches.append(a.Branch(condition, _draw_items(draw, scope, depth, False, min_size=1)))
    otherwise = _maybe(draw, lambda: _draw_items(draw, scope, depth, False))
    return a.If(tuple(branches), otherwise)


def _draw_repeat(draw: DrawFn, scope: Scope) -> a.Repeat:
    """Questions and notes; field ids are unique within the repeat and may reuse an earlier
    question's id (as `birth_date` does in the SPEC example): inside, the name means the field."""
    rid, title = scope.fresh(draw), _draw_label(draw, scope.paths(), 2)
    lower, upper = _pair(draw, 0, 20)
    if upper is not None and upper.value == 0:
        upper = None  # `max 0` allows no rows: the checker refuses it
    when = _maybe(draw, lambda: _draw_condition(draw, scope))
    outer = list(scope.questions)
    fields: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        reuse = _pick(draw, [q.id for q in outer]) if outer and draw(st.integers(0, 3)) == 3 else None
        fields.append(reuse if reuse is not None and reuse not in fields else scope.fresh(draw))
    scope.questions = [q for q in outer if q.id not in fields]
    items: list[a.Item] = []
    for fid in fields:
        if draw(st.integers(0, 3)) == 3:
            items.append(a.Note(_draw_text(draw, scope.paths(), 2), _maybe(draw, lambda: _draw_condition(draw, scope))))
        items.append(_draw_question(draw, scope, qid=fid, in_repeat=True))
    scope.repeats[rid] = tuple(q for q in scope.questions if q.id in fields)
    scope.questions = outer
    return a.Repeat(id=a.Name(rid), title=title, min=lower, max=upper, when=when, items=tuple(items))


# --- templates --------------------------------------------------------------------------


def _draw_section(draw: DrawFn, scope: Scope, sid: str) -> a.Section:
    title = _draw_label(draw, scope.paths(), 2)
    when = _maybe(draw, lambda: _draw_condition(draw, scope))
    return a.Section(id=a.Name(sid), title=title, when=when, items=_draw_items(draw, scope, 2, True))


@st.composite
def templates(draw: DrawFn, max_sections: int = 3) -> a.Module:
    """A whole well-typed file: up to two shared option lists, then one template of sections."""
    scope = Scope()
    declarations: list[a.Template | a.OptionList] = []
    for _ in range(draw(st.integers(0, 2))):
        list_id = scope.fresh(draw)
        options = _draw_options(draw, CONTEXT_PATHS)
        scope.option_lists[list_id] = tuple(o.id.value for o in options)
        declarations.append(a.OptionList(a.Name(list_id), options))
    template_id = scope.fresh(draw)
    scope.sections = tuple(scope.fresh(draw) for _ in range(draw(st.integers(1, max_sections))))
    sections = []
    for n, sid in enumerate(scope.sections):
        scope.current = n
        sections.append(_draw_section(draw, scope, sid))
    reminders = _maybe(draw, lambda: a.Reminders(a.Number(draw(st.integers(1, 30))), a.Number(draw(st.integers(0, 5)))))
    declarations.append(a.Template(
        id=a.Name(template_id), title=_draw_label(draw, CONTEXT_PATHS, 3, _WORDS),
        language=_maybe(draw, lambda: a.Name(_pick(draw, ("en", "nl")))),
        description=_maybe(draw, lambda: _draw_text(draw, CONTEXT_PATHS, 6)), reminders=reminders,
        items=tuple(sections)))
    return a.Module(tuple(declarations))


def modules() -> SearchStrategy[a.Module]:
    """The same as `templates()`: a whole file as a `Module`."""
    return templates()
