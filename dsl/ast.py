"""The abstract syntax tree: faithful to the source, one immutable node per construct.

Every node carries a `span` that is left out of equality, so a parsed tree and a generated
one compare structurally.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Union

from .diagnostics import NO_SPAN, Span


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


# --- names and text ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier as written, e.g. a question id."""

    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Chunk:
    """Literal text inside a string."""

    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Shortcode:
    """`<<path>>`, `<<path + 1>>`, `<<path - 1>>` or `<<path | fallback>>` inside a string."""

    path: tuple[str, ...]
    offset: int = 0
    fallback: str | None = None
    span: Span = _span()


TextPart = Union[Chunk, Shortcode]


@dataclass(frozen=True, slots=True)
class Text:
    """A string literal split into literal chunks and shortcodes."""

    parts: tuple[TextPart, ...]
    span: Span = _span()

    @property
    def plain(self) -> str:
        """The text with shortcodes written back as `<<...>>` (for messages and hashing)."""
        return "".join(p.value if isinstance(p, Chunk) else "<<" + ".".join(p.path) + ">>" for p in self.parts)


# --- expressions ------------------------------------------------------------------------


class CompareOp(enum.Enum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    HAS = "has"


class ArithOp(enum.Enum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"


class BoolOpKind(enum.Enum):
    AND = "and"
    OR = "or"


@dataclass(frozen=True, slots=True)
class Number:
    value: int | float
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class String:
    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Boolean:
    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Ref:
    """A question id, a repeat field (`repeat.field`) or a context path (`client.email`)."""

    path: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    name: Name
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`a and b and c` (or `or`), kept flat so long chains stay shallow."""

    op: BoolOpKind
    operands: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Arith:
    op: ArithOp
    left: Expr
    right: Expr
    span: Span = _span()


Expr = Union[Number, String, Boolean, ListLit, Ref, Call, Neg, Not, BoolOp, Compare, Arith]
Literal = Union[Number, String, Boolean]


# --- question modifiers -----------------------------------------------------------------


class QuestionType(enum.Enum):
    TEXT = "text"
    TEXTAREA = "textarea"
    NUMBER = "number"
    INTEGER = "integer"
    MONEY = "money"
    DATE = "date"
    EMAIL = "email"
    PHONE = "phone"
    YESNO = "yesno"
    CHOICE = "choice"
    MULTICHOICE = "multichoice"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class Today:
    """The word `today` as a date bound."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Size:
    """A file size as written, e.g. `20MB`; the checker validates the unit."""

    amount: int | float
    unit: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Required:
    condition: Expr | None = None  # `required if EXPR`
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class When:
    condition: Expr
    span: Span = _span()


class TextModifierKind(enum.Enum):
    HELP = "help"
    PLACEHOLDER = "placeholder"
    MESSAGE = "message"


@dataclass(frozen=True, slots=True)
class TextModifier:
    """`help "..."`, `placeholder "..."` or `message "..."`."""

    kind: TextModifierKind
    text: Text
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Default:
    value: Literal
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Prefill:
    path: tuple[str, ...]
    span: Span = _span()


class BoundKind(enum.Enum):
    MIN = "min"
    MAX = "max"


@dataclass(frozen=True, slots=True)
class Bound:
    """`min VALUE` or `max VALUE`; its meaning (length, value, count, date) depends on the type."""

    kind: BoundKind
    value: Number | String | Today
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Pattern:
    """`pattern "regex"`; a following `message "..."` is the question's own message modifier."""

    regex: String
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Currency:
    code: String
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Option:
    id: Name
    label: Text
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class From:
    list_id: Name
    span: Span = _span()


class ChoiceStyle(enum.Enum):
    RADIO = "radio"
    DROPDOWN = "dropdown"


@dataclass(frozen=True, slots=True)
class As:
    style: ChoiceStyle
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Accept:
    types: tuple[String, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MaxSize:
    size: Size
    span: Span = _span()


Modifier = Union[
    Required, When, TextModifier, Default, Prefill, Bound, Pattern, Currency, Option, From, As,
    Accept, MaxSize,
]


# --- items ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    type: QuestionType
    id: Name
    label: Text
    modifiers: tuple[Modifier, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True, kw_only=True)
class Computed:
    id: Name
    label: Text
    expr: Expr
    when: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Note:
    text: Text
    when: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Goto:
    target: Name  # a section id, or `end`
    condition: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Branch:
    condition: Expr
    items: tuple[Item, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If:
    """`if` with its `else if` branches in order, and the `else` items (None without `else`)."""

    branches: tuple[Branch, ...]
    otherwise: tuple[Item, ...] | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    id: Name
    title: Text
    when: Expr | None = None
    items: tuple[Item, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True, kw_only=True)
class Repeat:
    id: Name
    title: Text
    min: Number | None = None
    max: Number | None = None
    when: Expr | None = None
    items: tuple[Item, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    id: Name
    title: Text
    when: Expr | None = None
    items: tuple[Item, ...] = ()
    span: Span = _span()


Item = Union[Question, Computed, Note, Goto, If, Group, Repeat, Section]


# --- top level --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminders:
    after_days: Number
    limit: Number
    span: Span = _span()


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    id: Name
    title: Text
    language: Name | None = None
    description: Text | None = None
    reminders: Reminders | None = None
    items: tuple[Item, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class OptionList:
    id: Name
    options: tuple[Option, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Module:
    """One `.organizer` file: its templates and shared option lists in source order."""

    declarations: tuple[Template | OptionList, ...]
    span: Span = _span()

    @property
    def templates(self) -> tuple[Template, ...]:
        return tuple(d for d in self.declarations if isinstance(d, Template))

    @property
    def option_lists(self) -> tuple[OptionList, ...]:
        return tuple(d for d in self.declarations if isinstance(d, OptionList))
