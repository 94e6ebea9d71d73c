"""Type checking of conditions and computed expressions (SPEC 2.4)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import assert_never

from .. import ast as a
from ..diagnostics import DiagnosticBag
from .scope import BOOLEAN, CONTEXT_KINDS, DATE, NUMBER, STRING, UNKNOWN, Kind, Symbol, Ty
from .suggest import closest, did_you_mean
from .words import shorten

FUNCTIONS = ("answered", "count", "sum")
RESERVED = frozenset("and or not in has true false yes no client firm year today organizer previous".split())


@dataclass(slots=True)
class Env:
    """What names mean at one point of the template."""

    declared: dict[str, Symbol]            # declared so far, in the template's scope
    everywhere: dict[str, Symbol]          # every id of the template, for "declared later"
    context: dict[tuple[str, ...], str]    # context path -> type name
    fields: dict[str, Symbol] = field(default_factory=dict)  # the current repeat's fields so far
    repeat: Symbol | None = None
    current: str | None = None  # the id of the item being checked


def is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


class ExprChecker:
    def __init__(self, bag: DiagnosticBag, env: Env) -> None:
        self.bag = bag
        self.env = env

    # --- entry points -------------------------------------------------------------------

    def condition(self, expr: a.Expr) -> None:
        """An expression in a boolean position: `when`, `if`, `required if`, `goto ... when`."""
        self._boolean(expr)

    def value(self, expr: a.Expr) -> Ty:
        return self.infer(expr)

    # --- inference ----------------------------------------------------------------------

    def infer(self, expr: a.Expr) -> Ty:
        match expr:
            case a.Number():
                return NUMBER
            case a.String():
                return STRING
            case a.Boolean():
                return BOOLEAN
            case a.ListLit():
                return self._list(expr)
            case a.Ref():
                return self._ref(expr)
            case a.Call():
                return self._call(expr)
            case a.Neg():
                return self._numeric(expr.operand, "`-`")
            case a.Not():
                self._boolean(expr.operand)
                return BOOLEAN
            case a.BoolOp():
                for operand in expr.operands:
                    self._boolean(operand)
                return BOOLEAN
            case a.Compare():
                return self._compare(expr)
            case a.Arith():
                return self._arith(expr)
            case _:
                assert_never(expr)

    def _list(self, expr: a.ListLit) -> Ty:
        kinds = set()
        for item in expr.items:
            if not isinstance(item, (a.Number, a.String, a.Boolean)):
                self.bag.error(item.span, "list-literal", "list items must be literal values", "not a literal")
                continue
            kinds.add(self.infer(item).kind)
        if len(kinds) > 1:
            self.bag.error(expr.span, "mixed-list", "a list mixes numbers, text and yes/no values",
                           "use one kind of value")
        element = Ty(kinds.pop()) if len(kinds) == 1 else UNKNOWN
        return Ty(Kind.LIST, element=element)

    def resolve(self, ref: a.Ref) -> Symbol | None:
        """The question a one-part reference names, reporting why when it names none."""
        name = ref.path[0]
        shown = shorten(name)
        if name in self.env.fields:
            return self.env.fields[name]
        if name in self.env.declared:
            return self.env.declared[name]
        later = self.env.everywhere.get(name)
        if name == self.env.current:
            self.bag.error(ref.span, "self-reference", f"`{shown}` cannot depend on its own answer")
        elif later is not None and later.repeat and later.repeat != (self.env.repeat and self.env.repeat.name):
            repeat = shorten(later.repeat)
            self.bag.error(ref.span, "field-outside-repeat", f"`{shown}` is a field of repeat `{repeat}`",
                           f"outside the repeat, use `count({repeat})` or `sum({shorten(later.repeat + '.' + name)})`")
        elif later is not None:
            self.bag.error(ref.span, "declared-later", f"`{shown}` is declared later, on line {later.span.line}",
                           "a condition can only use questions declared before it")
        else:
            candidates = [*self.env.declared, *self.env.fields, "year", "today"]
            self.bag.error(ref.span, "unknown-id", f"unknown question `{shown}`", did_you_mean(name, candidates))
        return None

    def _ref(self, ref: a.Ref) -> Ty:
        path = ref.path
        if path in self.env.context:
            return Ty(CONTEXT_KINDS[self.env.context[path]])
        head = path[0]
        if head in ("client", "firm") or (len(path) > 1 and any(p[0] == head for p in self.env.context)):
            known = [".".join(p) for p in self.env.context if p[0] == head]
            dotted = ".".join(path)
            if len(path) == 1:
                example = shorten(known[0] if known else head)
                self.bag.error(ref.span, "context-path", f"`{shorten(head)}` needs a field, e.g. `{example}`")
            else:
                self.bag.error(ref.span, "context-path", f"unknown context field `{shorten(dotted)}`",
                               did_you_mean(dotted, known))
            return UNKNOWN
        if head == "previous":
            self.bag.error(ref.span, "previous-in-condition", "previous answers can only be used in `prefill`")
            return UNKNOWN
        if len(path) > 1:
            dotted = ".".join(path)
            symbol = self.env.declared.get(head)
            if symbol is not None and symbol.what == "repeat":
                self.bag.error(ref.span, "repeat-field-ref", f"`{shorten(dotted)}` names a field of every row",
                               f"use `sum({shorten(dotted)})` or `count({shorten(head)})`")
            else:
                self.bag.error(ref.span, "unknown-id", f"unknown name `{shorten(dotted)}`",
                               did_you_mean(dotted, [".".join(p) for p in self.env.context]))
            return UNKNOWN
        symbol = self.resolve(ref)
        if symbol is None:
            return UNKNOWN
        if symbol.what in ("group", "section"):
            self.bag.error(ref.span, "not-a-value", f"`{shorten(head)}` is a {symbol.what}, not a question")
            return UNKNOWN
        return symbol.ty

    def _call(self, call: a.Call) -> Ty:
        name = call.name.value
        if name not in FUNCTIONS:
            self.bag.error(call.name.span, "unknown-function", f"unknown function `{shorten(name)}`",
                           did_you_mean(name, FUNCTIONS), "the functions are answered(q), count(q) and sum(repeat.field)")
            return UNKNOWN
        if len(call.args) != 1:
            self.bag.error(call.span, "arity", f"`{name}` takes one argument, not {len(call.args)}")
            return UNKNOWN
        arg = call.args[0]
        if name == "sum":
            return self._sum(arg)
        if not isinstance(arg, a.Ref) or len(arg.path) != 1:
            self.bag.error(arg.span, "call-argument", f"`{name}` takes a question id", "not a question")
            return UNKNOWN
        ty = self._ref(arg)
        if name == "count" and ty.kind not in (Kind.MULTI, Kind.FILES, Kind.ROWS, Kind.UNKNOWN):
            self.bag.error(arg.span, "count-argument", "`count` takes a repeat, a multichoice or a file question",
                           f"this is {ty.symbol.described if ty.symbol else 'not one'}")
        return BOOLEAN if name == "answered" else NUMBER

    def _sum(self, arg: a.Expr) -> Ty:
        if not isinstance(arg, a.Ref) or len(arg.path) != 2:
            self.bag.error(arg.span, "sum-argument", "`sum` takes a repeat's field, e.g. `sum(expenses.amount)`")
            return UNKNOWN
        repeat_name, field_name = arg.path
        repeat = self.env.declared.get(repeat_name)
        if repeat is None:
            self.resolve(a.Ref((repeat_name,), arg.span))
            return UNKNOWN
        if repeat.what != "repeat":
            self.bag.error(arg.span, "sum-argument", f"`{shorten(repeat_name)}` is not a repeat",
                           "`sum` adds up a field of a repeat's rows")
            return UNKNOWN
        row_field = repeat.fields.get(field_name)
        if row_field is None:
            self.bag.error(arg.span, "unknown-id",
                           f"repeat `{shorten(repeat_name)}` has no field `{shorten(field_name)}`",
                           did_you_mean(field_name, repeat.fields))
        elif row_field.ty.kind is not Kind.NUMBER:
            self.bag.error(arg.span, "sum-argument", f"`{shorten(field_name)}` is {row_field.described}, not a number")
        return NUMBER

    def _numeric(self, expr: a.Expr, operator: str) -> Ty:
        ty = self.infer(expr)
        if ty.kind not in (Kind.NUMBER, Kind.UNKNOWN):
            self.bag.error(expr.span, "type-mismatch", f"{operator} needs a number", f"this is {_describe(ty)}")
            return UNKNOWN
        return NUMBER

    def _arith(self, expr: a.Arith) -> Ty:
        left, right = self.infer(expr.left), self.infer(expr.right)
        if Kind.UNKNOWN in (left.kind, right.kind):
            return UNKNOWN
        if expr.op is a.ArithOp.ADD and left.kind is right.kind is Kind.STRING:
            return STRING
        for side, ty in ((expr.left, left), (expr.right, right)):
            if ty.kind is not Kind.NUMBER:
                self.bag.error(side.span, "type-mismatch", f"`{expr.op.value}` needs numbers", f"this is {_describe(ty)}")
                return UNKNOWN
        return NUMBER

    # --- booleans -----------------------------------------------------------------------

    def _boolean(self, expr: a.Expr) -> None:
        ty = self.infer(expr)
        if ty.kind in (Kind.BOOLEAN, Kind.UNKNOWN):
            return
        if isinstance(expr, a.Ref) and ty.symbol is not None:
            self.bag.error(expr.span, "bare-reference",
                           f"`{shorten(expr.path[0])}` is {ty.symbol.described}, not a yes/no question",
                           f"compare it, e.g. {_example(expr.path[0], ty)}")
        else:
            self.bag.error(expr.span, "not-boolean", f"a condition must be yes or no, but this is {_describe(ty)}",
                           "compare it with a value")

    # --- comparisons --------------------------------------------------------------------

    def _compare(self, expr: a.Compare) -> Ty:
        left, right = self.infer(expr.left), self.infer(expr.right)
        if Kind.UNKNOWN in (left.kind, right.kind):
            return BOOLEAN
        if expr.op is a.CompareOp.IN:
            self._in(expr, left, right)
        elif expr.op is a.CompareOp.HAS:
            self._has(expr, left, right)
        elif Kind.LIST in (left.kind, right.kind):
            both = "two lists" if left.kind is right.kind else f"{_describe(left)} with {_describe(right)}"
            name = next((shorten(".".join(e.path)) for e in (expr.left, expr.right) if isinstance(e, a.Ref)), "x")
            self.bag.error(expr.span, "type-mismatch", f"cannot compare {both}",
                           f'to look for a value in a list, use `in`, e.g. `{name} in ["a", "b"]`')
        elif expr.op in (a.CompareOp.EQ, a.CompareOp.NE):
            self._equality(expr, left, right)
        else:
            self._ordering(expr, left, right)
        return BOOLEAN

    def _equality(self, expr: a.Compare, left: Ty, right: Ty) -> None:
        if left.kind is Kind.CHOICE or right.kind is Kind.CHOICE:
            choice, other, other_expr = (left, right, expr.right) if left.kind is Kind.CHOICE else (right, left, expr.left)
            if other.kind is Kind.STRING:
                self._option(choice, other_expr)
                return
            if other.kind is Kind.CHOICE:
                return
        if Kind.MULTI in (left.kind, right.kind):
            multi = left if left.kind is Kind.MULTI else right
            self.bag.error(expr.span, "multichoice-compare", "a multichoice holds several answers",
                           _has_example(multi, (expr.left, expr.right)))
            return
        if left.kind is Kind.DATE or right.kind is Kind.DATE:
            self._date_operands(expr, left, right)
            return
        if left.kind is not right.kind:
            self.bag.error(expr.span, "type-mismatch", f"cannot compare {_describe(left)} with {_describe(right)}")

    def _ordering(self, expr: a.Compare, left: Ty, right: Ty) -> None:
        if left.kind is Kind.DATE or right.kind is Kind.DATE:
            self._date_operands(expr, left, right)
            return
        if left.kind is right.kind is Kind.NUMBER:
            return
        if Kind.STRING in (left.kind, right.kind) or Kind.CHOICE in (left.kind, right.kind):
            self.bag.error(expr.span, "text-ordering", f"`{expr.op.value}` cannot order text",
                           "compare text with `==`, `!=` or `in`")
            return
        if Kind.BOOLEAN in (left.kind, right.kind):
            named = [shorten(e.path[0]) for e, t in ((expr.left, left), (expr.right, right))
                     if isinstance(e, a.Ref) and t.kind is Kind.BOOLEAN and t.symbol is not None]
            fix = f"write `{named[0]}` or `not {named[0]}`" if named else "compare yes/no values with `==` or `!=`"
            self.bag.error(expr.span, "boolean-ordering", "yes/no values cannot be ordered",
                           f"`{expr.op.value}` needs numbers or dates; {fix}")
            return
        self.bag.error(expr.span, "type-mismatch", f"`{expr.op.value}` cannot compare {_describe(left)} with {_describe(right)}")

    def _date_operands(self, expr: a.Compare, left: Ty, right: Ty) -> None:
        for side, ty in ((expr.left, left), (expr.right, right)):
            if ty.kind is Kind.DATE:
                continue
            if isinstance(side, a.String) and is_date(side.value):
                continue
            label = "write a date as \"YYYY-MM-DD\"" if isinstance(side, a.String) else f"this is {_describe(ty)}"
            self.bag.error(side.span, "type-mismatch", "a date can only be compared with a date", label)

    def _in(self, expr: a.Compare, left: Ty, right: Ty) -> None:
        if right.kind is not Kind.LIST or not isinstance(expr.right, a.ListLit):
            hint = "use `has` to look inside a multichoice" if right.kind is Kind.MULTI else 'e.g. `x in ["a", "b"]`'
            self.bag.error(expr.right.span, "in-needs-list", "`in` needs a list of values", hint)
            return
        if left.kind is Kind.MULTI:
            self.bag.error(expr.left.span, "multichoice-compare", "a multichoice holds several answers",
                           _has_example(left, expr.right.items))
            return
        if not expr.right.items:
            self.bag.warning(expr.span, "constant-condition", "this comparison is always false",
                             "nothing is in an empty list")
            return
        if left.kind is Kind.CHOICE:
            for item in expr.right.items:
                if isinstance(item, a.String):
                    self._option(left, item)
                elif isinstance(item, (a.Number, a.Boolean)):
                    self.bag.error(item.span, "type-mismatch", "options are text", "write the option id in quotes")
            return
        element = right.element or UNKNOWN
        if element.kind not in (left.kind, Kind.UNKNOWN):
            label = f"`{shorten(left.symbol.name)}` is {left.symbol.described}" if left.symbol else ""
            self.bag.error(expr.span, "type-mismatch",
                           f"cannot look for {_describe(Ty(left.kind))} in a list of {_plural(element)}", label)

    def _has(self, expr: a.Compare, left: Ty, right: Ty) -> None:
        if left.kind is not Kind.MULTI:
            self.bag.error(expr.left.span, "has-needs-multichoice", "`has` works only on a multichoice question",
                           f"this is {left.symbol.described if left.symbol else _describe(left)}",
                           *(["use `==` or `in` for a choice"] if left.kind is Kind.CHOICE else []))
            return
        if not isinstance(expr.right, a.String):
            self.bag.error(expr.right.span, "has-needs-option", "`has` takes one option id in quotes")
            return
        self._option(left, expr.right)

    def _option(self, choice: Ty, literal: a.Expr) -> None:
        if not isinstance(literal, a.String) or choice.symbol is None:
            return
        if literal.value not in choice.options:
            self.bag.error(literal.span, "unknown-option",
                           f"\"{shorten(literal.value)}\" is not an option of {choice.kind.value} "
                           f"'{shorten(choice.symbol.name)}'",
                           did_you_mean(literal.value, choice.options, quote='"'),
                           "the options are " + ", ".join(map(shorten, choice.options)) if choice.options
                           else "it has no options")


def _describe(ty: Ty) -> str:
    if ty.symbol is not None and ty.symbol.question_type is not None:
        return ty.symbol.described
    return {Kind.NUMBER: "a number", Kind.STRING: "text", Kind.BOOLEAN: "a yes/no value", Kind.DATE: "a date",
            Kind.LIST: "a list", Kind.ROWS: "a repeat", Kind.FILES: "a file list"}.get(ty.kind, ty.kind.value)


def _plural(ty: Ty) -> str:
    return {Kind.NUMBER: "numbers", Kind.STRING: "text", Kind.BOOLEAN: "yes/no values",
            Kind.DATE: "dates"}.get(ty.kind, "values")


def _has_example(multi: Ty, written: Iterable[a.Expr]) -> str:
    """Help for a multichoice compared like a choice, in the author's names: `kinds has "wages"`."""
    options = multi.options
    strings = [e.value for e in written if isinstance(e, a.String)]
    option = next((s for s in strings if s in options), None)
    option = option or next((c for s in strings if (c := closest(s, options))), None)
    option = option or (options[0] if options else "option")
    name = multi.symbol.name if multi.symbol else "question"
    return f'use `has`, e.g. `{shorten(name)} has "{shorten(option)}"`'


def _example(name: str, ty: Ty) -> str:
    name = shorten(name)
    first = shorten(ty.options[0]) if ty.options else "option"
    if ty.kind is Kind.CHOICE:
        return f'`{name} == "{first}"`'
    if ty.kind is Kind.MULTI:
        return f'`{name} has "{first}"`'
    if ty.kind is Kind.NUMBER:
        return f"`{name} > 0`"
    if ty.kind in (Kind.FILES, Kind.ROWS):
        return f"`count({name}) > 0`"
    return f"`answered({name})`"


_NOT_CONSTANT = object()


def constant(expr: a.Expr) -> object:
    """The value of an expression that uses no answers, or `_NOT_CONSTANT`."""
    match expr:
        case a.Number() | a.String() | a.Boolean():
            return expr.value
        case a.Not():
            inner = constant(expr.operand)
            return _NOT_CONSTANT if inner is _NOT_CONSTANT else not inner
        case a.BoolOp():
            values = [constant(o) for o in expr.operands]
            if any(v is _NOT_CONSTANT for v in values):
                return _NOT_CONSTANT
            return all(values) if expr.op is a.BoolOpKind.AND else any(values)
        case a.Compare() if expr.op in (a.CompareOp.EQ, a.CompareOp.NE):
            left, right = constant(expr.left), constant(expr.right)
            if _NOT_CONSTANT in (left, right):
                return _NOT_CONSTANT
            return (left == right) == (expr.op is a.CompareOp.EQ)
        case _:
            return _NOT_CONSTANT


def is_constant(value: object) -> bool:
    return value is not _NOT_CONSTANT
