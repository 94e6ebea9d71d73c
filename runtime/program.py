"""The artifact model: what `organizer.json` holds, written by the compiler, read by the runtimes.

Conditions stay data (JSON expression trees, see docs/ir.md); nothing here is ever turned into
code. `to_json` and `from_json` are exact inverses, so what is written is what is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

FORMAT = "organizer/1"

# An expression tree, as JSON (see docs/ir.md for every node):
#   {"lit": 3} {"lit": "a"} {"lit": true} {"lit": ["a", "b"]}
#   {"ref": "question_id"}          an answer (null when unanswered or hidden)
#   {"field": "field_id"}           a field of the current repeat row
#   {"ctx": ["client", "email"]}    a context value (`year`, `today`, `client.*`, `firm.*`, ...)
#   {"section": "section_id"}       true while that section is visible (used by lowered gotos)
#   {"op": "and" | "or", "args": [e, ...]}     {"op": "not" | "neg", "args": [e]}
#   {"op": "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "has" | "+" | "-" | "*" | "/", "args": [l, r]}
#   {"op": "answered" | "count", "args": [{"ref": id} | {"field": id}]}
#   {"op": "sum", "args": [{"ref": repeat_id}, {"lit": field_id}]}
Expr = dict[str, Any]

# Text with shortcodes pre-parsed: a list of literal strings and shortcode objects
#   ["Hello ", {"path": ["client", "first_name"], "offset": 0, "fallback": "there"}, "!"]
TextParts = list[Union[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an item was written: a line and column of the template's source file."""

    line: int
    column: int

    def to_json(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}

    @staticmethod
    def from_json(data: dict[str, int]) -> Origin:
        return Origin(data["line"], data["column"])


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: TextParts


@dataclass(frozen=True, slots=True, kw_only=True)
class Checks:
    """The question's own checks; only those that apply to its type are set."""

    min_length: int | None = None       # text, textarea (code points)
    max_length: int | None = None
    minimum: int | float | None = None  # number, integer, money
    maximum: int | float | None = None
    min_date: str | None = None         # date: "YYYY-MM-DD" or "today"
    max_date: str | None = None
    min_items: int | None = None        # multichoice selections, file count
    max_items: int | None = None
    pattern: str | None = None          # text: the portable, anchored pattern
    pattern_source: str | None = None   # the pattern as the author wrote it
    decimals: int | None = None         # money: at most this many decimals
    accept: tuple[str, ...] = ()        # file: extensions, lower case, no dot
    max_size: int | None = None         # file: bytes per file


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    id: str
    type: str  # one of the twelve SPEC 2.3 type names
    label: TextParts
    origin: Origin
    visible_when: Expr | None = None   # own `when`, enclosing if branches and groups
    required: bool | Expr = False      # True, False, or the `required if` condition
    help: TextParts | None = None
    placeholder: TextParts | None = None
    message: TextParts | None = None   # shown when the question's own checks fail
    default: Any = None
    prefill: tuple[str, ...] | None = None  # ("client", "email") or ("previous", "id")
    checks: Checks = field(default_factory=Checks)
    options: tuple[Option, ...] = ()   # choice, multichoice (resolved from `from` lists)
    options_from: str | None = None    # the shared list's id, when `from` was used
    style: str | None = None           # choice: "radio" or "dropdown"
    currency: str | None = None        # money: ISO 4217 code
    kind: str = "question"


@dataclass(frozen=True, slots=True, kw_only=True)
class Computed:
    id: str
    label: TextParts
    expr: Expr
    value_type: str  # "number", "string" or "boolean"
    origin: Origin
    visible_when: Expr | None = None
    kind: str = "computed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    text: TextParts  # markdown
    origin: Origin
    visible_when: Expr | None = None
    kind: str = "note"


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """A fieldset for display; its children's conditions already include the group's."""

    id: str
    title: TextParts
    items: tuple[Item, ...]
    origin: Origin
    visible_when: Expr | None = None
    kind: str = "group"


@dataclass(frozen=True, slots=True, kw_only=True)
class Repeat:
    """Rows of fields; inside `items`, `{"field": id}` names a field of the same row."""

    id: str
    title: TextParts
    items: tuple[Item, ...]
    origin: Origin
    visible_when: Expr | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    kind: str = "repeat"


Item = Union[Question, Computed, Note, Group, Repeat]


@dataclass(frozen=True, slots=True, kw_only=True)
class Goto:
    target: str  # a later section id, or "end"
    when: Expr   # includes the conditions of enclosing if blocks and groups
    origin: Origin


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    id: str
    title: TextParts
    items: tuple[Item, ...]
    origin: Origin
    visible_when: Expr | None = None  # the section's own `when`
    skipped_when: Expr | None = None  # earlier sections' gotos, lowered (SPEC 2.5)
    gotos: tuple[Goto, ...] = ()      # kept for display and the source map


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeRule:
    """A rule JSON Schema cannot state; validators other than the runtime skip it."""

    pointer: str  # JSON pointer of the answer, `/repeat/*/field` for every row
    code: str     # the problem code the runtime reports for it
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Program:
    id: str
    title: TextParts
    sections: tuple[Section, ...]
    source_file: str
    source_sha256: str
    language: str = "en"
    description: TextParts | None = None
    reminders_after_days: int | None = None
    reminders_limit: int | None = None
    runtime_only: tuple[RuntimeRule, ...] = ()
    format: str = FORMAT


# --- JSON form ----------------------------------------------------------------------------

_ITEM_KINDS: dict[str, type] = {"question": Question, "computed": Computed, "note": Note, "group": Group,
                                "repeat": Repeat}


def _encode(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: _encode(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    return value


def program_to_json(program: Program) -> dict[str, Any]:
    """The `organizer.json` document of a program."""
    return _encode(program)  # type: ignore[no-any-return]


def _origin(data: dict[str, Any]) -> Origin:
    return Origin.from_json(data["origin"])


def _item(data: dict[str, Any]) -> Item:
    kind = data["kind"]
    fields = {k: v for k, v in data.items() if k not in ("kind", "origin")}
    if kind in ("group", "repeat"):
        fields["items"] = tuple(_item(i) for i in data["items"])
    if kind == "question":
        fields["checks"] = Checks(**{**data["checks"], "accept": tuple(data["checks"]["accept"])})
        fields["options"] = tuple(Option(**o) for o in data["options"])
        fields["prefill"] = tuple(data["prefill"]) if data["prefill"] is not None else None
    return _ITEM_KINDS[kind](origin=_origin(data), **fields)  # type: ignore[no-any-return]


def _section(data: dict[str, Any]) -> Section:
    return Section(
        id=data["id"], title=data["title"], items=tuple(_item(i) for i in data["items"]), origin=_origin(data),
        visible_when=data["visible_when"], skipped_when=data["skipped_when"],
        gotos=tuple(Goto(target=g["target"], when=g["when"], origin=_origin(g)) for g in data["gotos"]))


def program_from_json(data: dict[str, Any]) -> Program:
    """Read an `organizer.json` document; raises ValueError for another format."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not an {FORMAT} document (format is {data.get('format')!r})")
    fields = {k: v for k, v in data.items() if k not in ("sections", "runtime_only")}
    return Program(sections=tuple(_section(s) for s in data["sections"]),
                   runtime_only=tuple(RuntimeRule(**r) for r in data["runtime_only"]), **fields)
