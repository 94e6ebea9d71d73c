"""The Lark callbacks that build AST nodes while the LALR parser reduces (no parse tree).

Every node gets its span from its first and last token. Nesting depth is tracked here so a
pathological input is stopped with one diagnostic long before Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lark import Token, Transformer

from . import ast as a
from .diagnostics import Diagnostic, Severity, Span
from .strings import decode, decode_plain

MAX_NESTING = 64

_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)([A-Za-z]+)")


class TooDeep(Exception):
    """Raised from a callback when expressions or blocks nest past MAX_NESTING."""

    def __init__(self, span: Span, what: str) -> None:
        super().__init__(what)
        self.span = span
        self.what = what


@dataclass(frozen=True, slots=True)
class _Tagged:
    """A header line or a helper value on its way into its parent node."""

    tag: str
    value: Any
    span: Span


_NOT_ITEMS = (Token, _Tagged, a.Text, a.When)


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


class AstBuilder(Transformer):  # type: ignore[type-arg]
    """Builds `dsl.ast` nodes; `reset(file)` before each parse."""

    def __init__(self) -> None:
        super().__init__()
        self.reset("<string>")

    def reset(self, file: str) -> None:
        self.file = file
        self.problems: list[Diagnostic] = []
        self._depth: dict[int, int] = {}

    # --- helpers ------------------------------------------------------------------------

    def _tok(self, t: Token) -> Span:
        return Span(self.file, t.line, t.column, t.end_line, t.end_column)

    def _span(self, children: list[Any]) -> Span:
        """From the first present child's start to the last one's end, as one new Span."""
        for first in children:
            if first is not None:
                break
        for last in reversed(children):
            if last is not None:
                break
        if not isinstance(first, Token):
            first = first.span
        if not isinstance(last, Token):
            last = last.span
        return Span(self.file, first.line, first.column, last.end_line, last.end_column)

    def _name(self, t: Token) -> a.Name:
        return a.Name(str(t), self._tok(t))

    def _nest(self, node: Any, children: list[Any], what: str) -> Any:
        get = self._depth.get
        depth = 0
        for c in children:
            d = get(id(c), 0)
            if d > depth:
                depth = d
        depth += 1
        if depth > MAX_NESTING:
            raise TooDeep(node.span, what)
        self._depth[id(node)] = depth
        return node

    @staticmethod
    def _nodes(children: list[Any]) -> list[Any]:
        return [c for c in children if c is not None and not isinstance(c, Token)]

    @staticmethod
    def _names(children: list[Any]) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type == "NAME"]

    def _items(self, children: list[Any]) -> tuple[a.Item, ...]:
        skip = _NOT_ITEMS
        return tuple(c for c in children if c is not None and not isinstance(c, skip))

    def _when(self, children: list[Any]) -> a.Expr | None:
        found = [c.condition for c in children if isinstance(c, a.When)]
        return found[0] if found else None

    # --- structure ----------------------------------------------------------------------

    def start(self, c: list[Any]) -> a.Module:
        nodes = self._nodes(c)
        span = self._span(nodes) if nodes else Span(self.file, 1, 1, 1, 1)
        return a.Module(tuple(nodes), span)

    def template(self, c: list[Any]) -> a.Template:
        header = {t.tag: t.value for t in c if isinstance(t, _Tagged)}
        return a.Template(
            id=self._name(self._names(c)[0]), title=next(x for x in c if isinstance(x, a.Text)),
            language=header.get("language"), description=header.get("description"),
            reminders=header.get("reminders"), items=self._items(c[3:]), span=self._span(c))

    def language(self, c: list[Any]) -> _Tagged:
        return _Tagged("language", self._name(c[1]), self._span(c))

    def description(self, c: list[Any]) -> _Tagged:
        return _Tagged("description", c[1], self._span(c))

    def reminders(self, c: list[Any]) -> _Tagged:
        after, limit = (a.Number(_number(t), self._tok(t)) for t in c if t.type == "NUMBER")
        return _Tagged("reminders", a.Reminders(after, limit, self._span(c)), self._span(c))

    def option_list(self, c: list[Any]) -> a.OptionList:
        return a.OptionList(self._name(c[1]), tuple(x for x in c if isinstance(x, a.Option)), self._span(c))

    def section(self, c: list[Any]) -> a.Section:
        node = a.Section(id=self._name(c[1]), title=c[2], when=self._when(c), items=self._items(c), span=self._span(c))
        return self._nest(node, c, "blocks")

    def group(self, c: list[Any]) -> a.Group:
        node = a.Group(id=self._name(c[1]), title=c[2], when=self._when(c), items=self._items(c), span=self._span(c))
        return self._nest(node, c, "blocks")

    def repeat(self, c: list[Any]) -> a.Repeat:
        bounds: dict[str, Any] = {}
        for header in (x for x in c if isinstance(x, (_Tagged, a.When))):
            tag = header.tag if isinstance(header, _Tagged) else "when"
            if tag in bounds:
                self.problems.append(Diagnostic(header.span, Severity.ERROR, "duplicate-modifier",
                                                f"`{tag}` is given twice", "remove one"))
            bounds.setdefault(tag, header.value if isinstance(header, _Tagged) else header.condition)
        node = a.Repeat(id=self._name(c[1]), title=c[2], min=bounds.get("min"), max=bounds.get("max"),
                        when=bounds.get("when"), items=self._items(c), span=self._span(c))
        return self._nest(node, c, "blocks")

    def repeat_min(self, c: list[Any]) -> _Tagged:
        return _Tagged("min", a.Number(_number(c[1]), self._tok(c[1])), self._span(c))

    def repeat_max(self, c: list[Any]) -> _Tagged:
        return _Tagged("max", a.Number(_number(c[1]), self._tok(c[1])), self._span(c))

    def branch_items(self, c: list[Any]) -> _Tagged:
        items = self._items(c)
        return self._nest(_Tagged("items", items, self._span(c)), list(items), "blocks")

    def if_block(self, c: list[Any]) -> a.If:
        body = c[2]
        first = a.Branch(c[1], body.value, self._tok(c[0]).to(body.span))
        self._depth[id(first)] = self._depth.get(id(body), 0)
        branches = [first] + [x for x in c[3:] if isinstance(x, a.Branch)]
        otherwise = next((x.value for x in c[3:] if isinstance(x, _Tagged)), None)
        node = a.If(tuple(branches), otherwise, self._span(c))
        return self._nest(node, [*branches, *(x for x in c[3:] if isinstance(x, _Tagged))], "blocks")

    def else_if(self, c: list[Any]) -> a.Branch:
        body = c[3]
        node = a.Branch(c[2], body.value, self._span(c))
        self._depth[id(node)] = self._depth.get(id(body), 0)
        return node

    def else_block(self, c: list[Any]) -> _Tagged:
        items = self._items(c)
        return self._nest(_Tagged("else", items, self._span(c)), list(items), "blocks")

    # --- statements ---------------------------------------------------------------------

    def goto(self, c: list[Any]) -> a.Goto:
        return a.Goto(self._name(c[1]), c[3], self._span(c))

    def note(self, c: list[Any]) -> a.Note:
        return a.Note(c[1], self._when(c), self._span(c))

    def computed(self, c: list[Any]) -> a.Computed:
        return a.Computed(id=self._name(c[1]), label=c[2], expr=c[4], when=self._when(c), span=self._span(c))

    def question(self, c: list[Any]) -> a.Question:
        kind, _ = c[0].value
        modifiers: list[a.Modifier] = []
        for x in c[3:]:
            modifiers.extend(x.value if isinstance(x, _Tagged) else [x])
        return a.Question(type=kind, id=self._name(c[1]), label=c[2], modifiers=tuple(modifiers), span=self._span(c))

    def modifier_block(self, c: list[Any]) -> _Tagged:
        return _Tagged("modifiers", self._nodes(c), self._span(c))

    def qtype(self, c: list[Any]) -> _Tagged:
        return _Tagged("qtype", (a.QuestionType(str(c[0])), c[0]), self._tok(c[0]))

    # --- modifiers ----------------------------------------------------------------------

    def required(self, c: list[Any]) -> a.Required:
        return a.Required(c[2] if len(c) > 2 else None, self._span(c))

    def when(self, c: list[Any]) -> a.When:
        return a.When(c[1], self._span(c))

    def _text_modifier(self, kind: a.TextModifierKind, c: list[Any]) -> a.TextModifier:
        return a.TextModifier(kind, c[1], self._span(c))

    def help(self, c: list[Any]) -> a.TextModifier:
        return self._text_modifier(a.TextModifierKind.HELP, c)

    def placeholder(self, c: list[Any]) -> a.TextModifier:
        return self._text_modifier(a.TextModifierKind.PLACEHOLDER, c)

    def message(self, c: list[Any]) -> a.TextModifier:
        return self._text_modifier(a.TextModifierKind.MESSAGE, c)

    def default(self, c: list[Any]) -> a.Default:
        return a.Default(c[1], self._span(c))

    def prefill(self, c: list[Any]) -> a.Prefill:
        return a.Prefill(c[1].value, self._span(c))

    def bound(self, c: list[Any]) -> a.Bound:
        kind, value = a.BoundKind(str(c[0])), c[1]
        if value.type == "SIGNED_NUMBER":
            node: a.Number | a.String | a.Today = a.Number(_number(value), self._tok(value))
        elif value.type == "STRING":
            node = self._plain(value)
        else:
            node = a.Today(self._tok(value))
        return a.Bound(kind, node, self._span(c))

    def pattern(self, c: list[Any]) -> a.Pattern:
        return a.Pattern(self._plain(c[1]), self._span(c))

    def currency(self, c: list[Any]) -> a.Currency:
        return a.Currency(self._plain(c[1]), self._span(c))

    def option(self, c: list[Any]) -> a.Option:
        return a.Option(self._name(c[1]), c[2], self._span(c))

    def from_list(self, c: list[Any]) -> a.From:
        return a.From(self._name(c[1]), self._span(c))

    def style(self, c: list[Any]) -> a.As:
        return a.As(a.ChoiceStyle(str(c[1])), self._span(c))

    def accept(self, c: list[Any]) -> a.Accept:
        return a.Accept(tuple(self._plain(t) for t in c if t.type == "STRING"), self._span(c))

    def max_size(self, c: list[Any]) -> a.MaxSize:
        match = _SIZE.fullmatch(str(c[1]))
        assert match is not None  # the SIZE terminal guarantees the shape
        size = a.Size(_number(match[1]), match[2], self._tok(c[1]))
        return a.MaxSize(size, self._span(c))

    def path(self, c: list[Any]) -> _Tagged:
        return _Tagged("path", tuple(str(t) for t in c), self._span(c))

    def text(self, c: list[Any]) -> a.Text:
        tok = c[0]
        node, problems = decode(str(tok), self.file, tok.line, tok.column)
        self.problems.extend(problems)
        return node

    def _plain(self, tok: Token) -> a.String:
        """A string that is a value (a comparison operand, a pattern, a date): no shortcodes."""
        value, problems = decode_plain(str(tok), self.file, tok.line, tok.column)
        self.problems.extend(problems)
        return a.String(value, self._tok(tok))

    # --- expressions --------------------------------------------------------------------

    def _bool_op(self, op: a.BoolOpKind, c: list[Any]) -> a.BoolOp:
        return self._nest(a.BoolOp(op, tuple(c), self._span(c)), c, "expressions")

    def or_expr(self, c: list[Any]) -> a.BoolOp:
        return self._bool_op(a.BoolOpKind.OR, c)

    def and_expr(self, c: list[Any]) -> a.BoolOp:
        return self._bool_op(a.BoolOpKind.AND, c)

    def not_op(self, c: list[Any]) -> a.Not:
        return self._nest(a.Not(c[1], self._span(c)), c[1:], "expressions")

    def comp_op(self, c: list[Any]) -> _Tagged:
        return _Tagged("op", a.CompareOp(str(c[0])), self._tok(c[0]))

    def comparison(self, c: list[Any]) -> a.Compare:
        left, op, right = c
        return self._nest(a.Compare(op.value, left, right, self._span(c)), [left, right], "expressions")

    def _fold(self, c: list[Any]) -> a.Expr:
        node = c[0]
        for i in range(1, len(c), 2):
            right = c[i + 1]
            node = self._nest(a.Arith(a.ArithOp(str(c[i])), node, right, self._span([node, right])), [node, right],
                              "expressions")
        return node

    sum = _fold
    product = _fold

    def neg(self, c: list[Any]) -> a.Expr:
        operand, span = c[1], self._span(c)
        if isinstance(operand, a.Number):
            return a.Number(-operand.value, span)
        return self._nest(a.Neg(operand, span), [operand], "expressions")

    def number_lit(self, c: list[Any]) -> a.Number:
        return a.Number(_number(c[0]), self._tok(c[0]))

    def string_lit(self, c: list[Any]) -> a.String:
        return self._plain(c[0])

    def true_lit(self, c: list[Any]) -> a.Boolean:
        return a.Boolean(True, self._tok(c[0]))

    def false_lit(self, c: list[Any]) -> a.Boolean:
        return a.Boolean(False, self._tok(c[0]))

    def list_lit(self, c: list[Any]) -> a.ListLit:
        items = [x for x in c[1:-1] if x is not None]
        return self._nest(a.ListLit(tuple(items), self._span(c)), items, "expressions")

    def ref(self, c: list[Any]) -> a.Ref:
        return a.Ref(tuple(str(t) for t in c), self._span(c))

    def call(self, c: list[Any]) -> a.Call:
        args = [x for x in c[2:-1] if x is not None]
        return self._nest(a.Call(self._name(c[0]), tuple(args), self._span(c)), args, "expressions")

    def paren(self, c: list[Any]) -> a.Expr:
        return c[1]
