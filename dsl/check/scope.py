"""Symbols and expression types the checker tracks while it walks a template in source order."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .. import ast as a
from ..diagnostics import Span
from .words import a_or_an


class Kind(enum.Enum):
    NUMBER = "number"
    STRING = "text"
    BOOLEAN = "yes/no value"
    DATE = "date"
    CHOICE = "choice"
    MULTI = "multichoice"
    FILES = "file list"
    ROWS = "repeat"
    LIST = "list"
    UNKNOWN = "unknown"  # after an error: suppresses follow-on errors


@dataclass(frozen=True, slots=True)
class Ty:
    kind: Kind
    symbol: Symbol | None = field(default=None, compare=False)
    element: Ty | None = None  # for lists

    @property
    def options(self) -> tuple[str, ...]:
        return self.symbol.options if self.symbol else ()


UNKNOWN = Ty(Kind.UNKNOWN)
NUMBER = Ty(Kind.NUMBER)
STRING = Ty(Kind.STRING)
BOOLEAN = Ty(Kind.BOOLEAN)
DATE = Ty(Kind.DATE)

_QUESTION_KINDS = {
    a.QuestionType.TEXT: Kind.STRING, a.QuestionType.TEXTAREA: Kind.STRING, a.QuestionType.EMAIL: Kind.STRING,
    a.QuestionType.PHONE: Kind.STRING, a.QuestionType.NUMBER: Kind.NUMBER, a.QuestionType.INTEGER: Kind.NUMBER,
    a.QuestionType.MONEY: Kind.NUMBER, a.QuestionType.DATE: Kind.DATE, a.QuestionType.YESNO: Kind.BOOLEAN,
    a.QuestionType.CHOICE: Kind.CHOICE, a.QuestionType.MULTICHOICE: Kind.MULTI, a.QuestionType.FILE: Kind.FILES,
}
CONTEXT_KINDS = {"string": Kind.STRING, "number": Kind.NUMBER, "date": Kind.DATE, "boolean": Kind.BOOLEAN}


@dataclass(slots=True)
class Symbol:
    """Something with an id: a question, computed value, repeat, group or section."""

    name: str
    span: Span
    what: str  # "question", "computed value", "repeat", "group", "section"
    question_type: a.QuestionType | None = None
    options: tuple[str, ...] = ()
    value_kind: Kind = Kind.UNKNOWN
    fields: dict[str, Symbol] = field(default_factory=dict)  # a repeat's fields
    repeat: str | None = None  # the repeat a field belongs to

    @property
    def ty(self) -> Ty:
        if self.question_type is not None:
            return Ty(_QUESTION_KINDS[self.question_type], self)
        if self.what == "repeat":
            return Ty(Kind.ROWS, self)
        return Ty(self.value_kind, self)

    @property
    def described(self) -> str:
        if self.question_type is not None:
            return a_or_an(f"{self.question_type.value} question")
        return a_or_an(self.what)
