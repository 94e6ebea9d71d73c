"""Lowering: a checked AST `Template` -> the IR `Program` that `organizer.json` holds.

References are resolved by scope, `if` blocks and groups fold into each item's `visible_when`,
gotos fold into later sections' `skipped_when` (SPEC 2.5), texts become TextParts, option lists
are inlined. The input has passed `dsl.check`; a broken invariant here is an `assert`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, assert_never

from organizer.dsl import ast as a
from organizer.dsl.config import DEFAULT_CONFIG, LibraryConfig
from organizer.runtime.program import (
    Checks,
    Computed,
    Expr,
    Goto,
    Group,
    Item,
    Note,
    Option,
    Origin,
    Program,
    Question,
    Repeat,
    Section,
    TextParts,
)

from .jumps import lower_gotos
from .patterns import portable_pattern
from .runtime_only import runtime_rules

SIZE_UNITS = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}
# ISO 4217 minor units that differ from 2.
CURRENCY_DECIMALS = {"JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3}
_NUMERIC_TYPES = ("number", "integer", "money")
# The checks a question type's `min` and `max` set; other types: "minimum", "maximum".
_BOUND_NAMES = {"text": ("min_length", "max_length"), "textarea": ("min_length", "max_length"),
                "multichoice": ("min_items", "max_items"), "file": ("min_items", "max_items"),
                "date": ("min_date", "max_date")}


def lower(module: a.Module, template: a.Template, source_file: str, source_text: str,
          config: LibraryConfig | None = None) -> Program:
    """The IR of `template` (one of `module`'s), with its runtime-only rules listed."""
    program = _Lowerer(module, template, config or DEFAULT_CONFIG).program(source_file, source_text)
    return dataclasses.replace(program, runtime_only=runtime_rules(program))


def origin(span: Any) -> Origin:
    return Origin(span.line, span.column)


def text_parts(text: a.Text) -> TextParts:
    """Literal runs merged into one string each; shortcodes as `{"path", "offset", "fallback"}`."""
    parts: TextParts = []
    for part in text.parts:
        if isinstance(part, a.Chunk):
            if not part.value:
                continue
            if parts and isinstance(parts[-1], str):
                parts[-1] += part.value
            else:
                parts.append(part.value)
        else:
            parts.append({"path": list(part.path), "offset": part.offset, "fallback": part.fallback})
    return parts


def conjoin(conditions: Iterable[Expr | None]) -> Expr | None:
    """`and` of the conditions, flattened and without repeats; None when there are none."""
    args: list[Expr] = []
    for condition in conditions:
        if condition is None or condition == {"lit": True}:
            continue
        for arg in condition["args"] if condition.get("op") == "and" else [condition]:
            if arg not in args:
                args.append(arg)
    if not args:
        return None
    return args[0] if len(args) == 1 else {"op": "and", "args": args}


def negation(condition: Expr) -> Expr:
    return {"op": "not", "args": [condition]}


def _literal(node: a.Expr) -> Any:
    assert isinstance(node, (a.Number, a.String, a.Boolean)), node
    return node.value


class _Lowerer:
    def __init__(self, module: a.Module, template: a.Template, config: LibraryConfig) -> None:
        self.template = template
        self.lists = {o.id.value: o for o in module.option_lists}
        self.context = config.context
        self.answers: dict[str, a.Question | a.Computed | a.Repeat] = {}  # top-level answers by id
        self.repeat_fields: dict[str, dict[str, a.Question | a.Computed]] = {}
        for section in template.items:
            self._collect(section.items if isinstance(section, a.Section) else (section,), None)

    def _collect(self, items: tuple[a.Item, ...], repeat: str | None) -> None:
        for item in items:
            match item:
                case a.Question() | a.Computed():
                    if repeat is None:
                        self.answers[item.id.value] = item
                    else:
                        self.repeat_fields[repeat][item.id.value] = item
                case a.Repeat():
                    assert repeat is None, "nested repeat"
                    self.answers[item.id.value] = item
                    self.repeat_fields[item.id.value] = {}
                    self._collect(item.items, item.id.value)
                case a.Group():
                    self._collect(item.items, repeat)
                case a.If():
                    for branch in item.branches:
                        self._collect(branch.items, repeat)
                    self._collect(item.otherwise or (), repeat)
                case a.Note() | a.Goto() | a.Section():
                    pass
                case _:
                    assert_never(item)

    # --- the template -------------------------------------------------------------------

    def program(self, source_file: str, source_text: str) -> Program:
        t = self.template
        sections = []
        for item in t.items:
            assert isinstance(item, a.Section), "items outside a section"
            sections.append(self._section(item))
        return Program(
            id=t.id.value, title=text_parts(t.title), sections=lower_gotos(tuple(sections)),
            source_file=source_file, source_sha256=hashlib.sha256(source_text.encode("utf-8")).hexdigest(),
            language=t.language.value if t.language is not None else "en",
            description=text_parts(t.description) if t.description is not None else None,
            reminders_after_days=int(t.reminders.after_days.value) if t.reminders is not None else None,
            reminders_limit=int(t.reminders.limit.value) if t.reminders is not None else None)

    def _section(self, section: a.Section) -> Section:
        gotos: list[Goto] = []
        items = self._items(section.items, (), None, gotos)
        return Section(id=section.id.value, title=text_parts(section.title), items=tuple(items),
                       origin=origin(section.span), visible_when=self._expr(section.when, None),
                       gotos=tuple(gotos))

    # --- items --------------------------------------------------------------------------

    def _items(self, items: tuple[a.Item, ...], conditions: tuple[Expr, ...], repeat: str | None,
               gotos: list[Goto] | None) -> list[Item]:
        out: list[Item] = []
        for item in items:
            match item:
                case a.Question():
                    out.append(self._question(item, conditions, repeat))
                case a.Computed():
                    out.append(self._computed(item, conditions, repeat))
                case a.Note():
                    out.append(Note(text=text_parts(item.text), origin=origin(item.span),
                                    visible_when=conjoin([*conditions, self._expr(item.when, repeat)])))
                case a.Goto():
                    assert gotos is not None, "goto inside a repeat"
                    when = conjoin([*conditions, self._expr(item.condition, repeat)])
                    assert when is not None
                    gotos.append(Goto(target=item.target.value, when=when, origin=origin(item.span)))
                case a.If():
                    out.extend(self._if(item, conditions, repeat, gotos))
                case a.Group():
                    own = (*conditions, *filter(None, [self._expr(item.when, repeat)]))
                    out.append(Group(id=item.id.value, title=text_parts(item.title),
                                     items=tuple(self._items(item.items, own, repeat, gotos)),
                                     origin=origin(item.span), visible_when=conjoin(own)))
                case a.Repeat():
                    out.append(self._repeat(item, conditions))
                case a.Section():
                    raise AssertionError("nested section")
                case _:
                    assert_never(item)
        return out

    def _if(self, block: a.If, conditions: tuple[Expr, ...], repeat: str | None,
            gotos: list[Goto] | None) -> list[Item]:
        """Branch k holds when its condition does and no earlier one did; `else` when none did."""
        out: list[Item] = []
        earlier: list[Expr] = []
        for branch in block.branches:
            condition = self._expr(branch.condition, repeat)
            assert condition is not None
            own = (*conditions, condition, *(negation(c) for c in earlier))
            out.extend(self._items(branch.items, own, repeat, gotos))
            earlier.append(condition)
        if block.otherwise is not None:
            own = (*conditions, *(negation(c) for c in earlier))
            out.extend(self._items(block.otherwise, own, repeat, gotos))
        return out

    def _repeat(self, repeat: a.Repeat, conditions: tuple[Expr, ...]) -> Repeat:
        rid = repeat.id.value
        return Repeat(id=rid, title=text_parts(repeat.title),
                      items=tuple(self._items(repeat.items, (), rid, None)), origin=origin(repeat.span),
                      visible_when=conjoin([*conditions, self._expr(repeat.when, None)]),
                      min_rows=int(repeat.min.value) if repeat.min is not None else None,
                      max_rows=int(repeat.max.value) if repeat.max is not None else None)

    def _computed(self, computed: a.Computed, conditions: tuple[Expr, ...], repeat: str | None) -> Computed:
        expr = self._expr(computed.expr, repeat)
        assert expr is not None
        return Computed(id=computed.id.value, label=text_parts(computed.label), expr=expr,
                        value_type=self._value_type(computed.expr, repeat), origin=origin(computed.span),
                        visible_when=conjoin([*conditions, self._expr(computed.when, repeat)]))

    # --- questions ----------------------------------------------------------------------

    def _question(self, q: a.Question, conditions: tuple[Expr, ...], repeat: str | None) -> Question:
        qtype = q.type.value
        texts: dict[a.TextModifierKind, TextParts] = {}
        fields: dict[str, Any] = {}
        when: Expr | None = None
        for modifier in q.modifiers:
            match modifier:
                case a.Option() | a.Bound() | a.Pattern() | a.Accept() | a.MaxSize():
                    pass  # read by _checks and _options (first: options and bounds are the most frequent)
                case a.Required(condition=None):
                    fields["required"] = True
                case a.Required(condition=condition):
                    fields["required"] = self._expr(condition, repeat)
                case a.When():
                    when = self._expr(modifier.condition, repeat)
                case a.TextModifier():
                    texts[modifier.kind] = text_parts(modifier.text)
                case a.Default():
                    fields["default"] = _literal(modifier.value)
                case a.Prefill():
                    fields["prefill"] = tuple(modifier.path)
                case a.As():
                    fields["style"] = modifier.style.value
                case a.Currency():
                    fields["currency"] = modifier.code.value.upper()
                case a.From():
                    fields["options_from"] = modifier.list_id.value
                case _:
                    assert_never(modifier)
        return Question(
            id=q.id.value, type=qtype, label=text_parts(q.label), origin=origin(q.span),
            visible_when=conjoin([*conditions, when]), help=texts.get(a.TextModifierKind.HELP),
            placeholder=texts.get(a.TextModifierKind.PLACEHOLDER), message=texts.get(a.TextModifierKind.MESSAGE),
            checks=self._checks(q, fields.get("currency")), options=self._options(q), **fields)

    def _options(self, q: a.Question) -> tuple[Option, ...]:
        source = next((m for m in q.modifiers if isinstance(m, a.From)), None)
        options = self.lists[source.list_id.value].options if source is not None else (
            m for m in q.modifiers if isinstance(m, a.Option))
        return tuple(Option(o.id.value, text_parts(o.label)) for o in options)

    def _checks(self, q: a.Question, currency: str | None) -> Checks:
        qtype = q.type.value
        low, high = _BOUND_NAMES.get(qtype, ("minimum", "maximum"))
        checks: dict[str, Any] = {}
        for modifier in q.modifiers:
            if isinstance(modifier, a.Bound):
                bound = modifier.value
                checks[low if modifier.kind is a.BoundKind.MIN else high] = (
                    "today" if isinstance(bound, a.Today) else bound.value)
            elif isinstance(modifier, a.Pattern):
                checks["pattern"] = portable_pattern(modifier.regex.value)
                checks["pattern_source"] = modifier.regex.value
            elif isinstance(modifier, a.Accept):
                checks["accept"] = tuple(t.value.lower().lstrip(".") for t in modifier.types)
            elif isinstance(modifier, a.MaxSize):
                size = modifier.size
                checks["max_size"] = int(Decimal(str(size.amount)) * SIZE_UNITS[size.unit])
        if qtype == "money":
            checks["decimals"] = CURRENCY_DECIMALS.get(currency or "", 2)
        return Checks(**checks)

    # --- expressions --------------------------------------------------------------------

    def _expr(self, node: a.Expr | None, repeat: str | None) -> Expr | None:
        if node is None:
            return None
        match node:
            case a.Number() | a.String() | a.Boolean():
                return {"lit": node.value}
            case a.ListLit():
                return {"lit": [_literal(item) for item in node.items]}
            case a.Ref():
                return self._ref(node.path, repeat)
            case a.Call():
                return self._call(node, repeat)
            case a.Neg():
                return {"op": "neg", "args": [self._expr(node.operand, repeat)]}
            case a.Not():
                return {"op": "not", "args": [self._expr(node.operand, repeat)]}
            case a.BoolOp():
                op = node.op.value
                args: list[Expr] = []
                for operand in node.operands:
                    lowered = self._expr(operand, repeat)
                    assert lowered is not None
                    args.extend(lowered["args"] if lowered.get("op") == op else [lowered])
                return {"op": op, "args": args}
            case a.Compare() | a.Arith():
                return {"op": node.op.value, "args": [self._expr(node.left, repeat), self._expr(node.right, repeat)]}
            case _:
                assert_never(node)

    def _ref(self, path: tuple[str, ...], repeat: str | None) -> Expr:
        """A field of the current repeat, else an earlier answer, else a context path."""
        if path in self.context:
            return {"ctx": list(path)}
        name = path[0]
        if len(path) == 1 and repeat is not None and name in self.repeat_fields[repeat]:
            return {"field": name}
        if len(path) == 1 and name in self.answers:
            return {"ref": name}
        return {"ctx": list(path)}

    def _call(self, call: a.Call, repeat: str | None) -> Expr:
        name = call.name.value
        (arg,) = call.args
        assert isinstance(arg, a.Ref)
        if name == "sum":
            repeat_id, field_id = arg.path
            return {"op": "sum", "args": [{"ref": repeat_id}, {"lit": field_id}]}
        assert name in ("answered", "count") and len(arg.path) == 1
        return {"op": name, "args": [self._ref(arg.path, repeat)]}

    def _value_type(self, node: a.Expr, repeat: str | None) -> str:
        """"number", "string" or "boolean": what a computed expression yields."""
        match node:
            case a.Number() | a.Neg() | a.Call(name=a.Name(value="count" | "sum")):
                return "number"
            case a.String():
                return "string"
            case a.Boolean() | a.Not() | a.BoolOp() | a.Compare() | a.Call():
                return "boolean"
            case a.Arith():
                left = self._value_type(node.left, repeat)
                return "string" if node.op is a.ArithOp.ADD and left == "string" else "number"
            case a.Ref():
                return self._ref_type(node.path, repeat)
            case a.ListLit():
                raise AssertionError("a list is not a computed value")
            case _:
                assert_never(node)

    def _ref_type(self, path: tuple[str, ...], repeat: str | None) -> str:
        if path in self.context:
            return {"number": "number", "boolean": "boolean"}.get(self.context[path], "string")
        item = (self.repeat_fields[repeat].get(path[0]) if repeat is not None else None) or self.answers[path[0]]
        if isinstance(item, a.Computed):
            return self._value_type(item.expr, repeat if path[0] in self.repeat_fields.get(repeat or "", {}) else None)
        assert isinstance(item, a.Question), "a repeat is not a computed value"
        qtype = item.type.value
        return "number" if qtype in _NUMERIC_TYPES else "boolean" if qtype == "yesno" else "string"
