"""Conditions as JSON Schema: an IR expression tree -> a predicate schema over the answers, or None.

A predicate is a schema that an answers object (or one repeat row) satisfies exactly when the
condition holds under the runtime's semantics: unanswered is null, `==`/`in`/`has`/ordering
with null are false, and `and`/`or`/`not` are two-valued (anything but `true` is false), so
JSON Schema's `allOf`/`anyOf`/`not` say the same. None means "not expressible" (arithmetic,
two answers compared, `sum`, context values, computed values, dates ordered): the caller then
makes the rule runtime-only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from organizer.runtime.program import Computed, Expr, Question, Repeat

from .values import ARRAY_TYPES, NUMBER_TYPES, Schema, non_empty

Predicate = Schema | bool
Answer = Question | Computed | Repeat

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_BOUND = {"<": "exclusiveMaximum", "<=": "maximum", ">": "exclusiveMinimum", ">=": "minimum"}


@dataclass(frozen=True, slots=True)
class Scope:
    """What names mean where a predicate is evaluated: the answers object or one repeat row."""

    names: Mapping[str, Answer]          # keys of the object the predicate looks at
    node: str                            # "ref" at the top level, "field" inside a row
    sections: dict[str, Predicate | None] = field(default_factory=dict)  # exact section predicates
    computed: dict[str, Predicate | None] = field(default_factory=dict)  # "boolean computed is true"


def section_ref(section_id: str) -> Schema:
    return {"$ref": f"#/$defs/section_{section_id}"}


def conjuncts(expr: Expr | None) -> list[Expr]:
    """The top-level `and` operands (not over `or` by De Morgan); [] for no condition."""
    if expr is None:
        return []
    if expr.get("op") == "and":
        return [part for arg in expr["args"] for part in conjuncts(arg)]
    if expr.get("op") == "not":
        inner = expr["args"][0]
        if inner.get("op") == "or":
            return [part for arg in inner["args"] for part in conjuncts({"op": "not", "args": [arg]})]
        if inner.get("op") == "not":
            return conjuncts(inner["args"][0])
    return [expr]


def _join(parts: list[Predicate], keyword: str, identity: bool) -> Predicate:
    """`allOf` (identity `true`) or `anyOf` (identity `false`): the identity dropped, its opposite
    absorbing, nested joins of the same keyword flattened, never an empty list."""
    kept: list[Schema] = []
    for part in parts:
        if part is (not identity):
            return not identity
        if part is identity:
            continue
        assert isinstance(part, dict)
        kept.extend(part[keyword] if set(part) == {keyword} else [part])
    if not kept:
        return identity
    return kept[0] if len(kept) == 1 else {keyword: kept}


def all_of(parts: list[Predicate]) -> Predicate:
    return _join(parts, "allOf", True)


def any_of(parts: list[Predicate]) -> Predicate:
    return _join(parts, "anyOf", False)


def negate(part: Predicate) -> Predicate:
    if isinstance(part, bool):
        return not part
    if set(part) == {"not"}:
        return part["not"]  # type: ignore[no-any-return]
    return {"not": part}


def has_value(name: str, value: Predicate) -> Schema:
    """The object has key `name` and its value satisfies `value` (keyed in `properties`, so Ajv's
    strictRequired sees every required name defined beside it)."""
    return {"required": [name], "properties": {name: value}}


def translate(expr: Expr, scope: Scope) -> Predicate | None:
    """The predicate of a condition, or None when JSON Schema cannot state it."""
    op = expr.get("op")
    if op is None:
        return _atom(expr, scope)
    args: list[Expr] = expr["args"]
    if op in ("and", "or"):
        parts = [translate(arg, scope) for arg in args]
        if any(p is None for p in parts):
            return None
        return (all_of if op == "and" else any_of)(parts)  # type: ignore[arg-type]
    if op == "not":
        inner = translate(args[0], scope)
        return None if inner is None else negate(inner)
    if op == "answered":
        answer = _answer(args[0], scope)
        return None if answer is None else has_value(answer[0], non_empty(answer[1]))
    if op in _FLIP or op in ("in", "has"):
        return _compare(op, args[0], args[1], scope)
    return None  # arithmetic, `count` or `sum` outside a comparison


def _atom(expr: Expr, scope: Scope) -> Predicate | None:
    if "lit" in expr:
        return expr["lit"] is True
    if "section" in expr:
        return scope.sections.get(expr["section"]) if scope.node == "ref" else None
    answer = _answer(expr, scope)
    if answer is None:
        return None
    name, item = answer
    if isinstance(item, Question) and item.type == "yesno":
        return has_value(name, {"const": True})
    if isinstance(item, Computed):
        return scope.computed.get(name)  # shown and its expression true; the answers never say
    return False  # no other answer is ever the value `true`, and only `true` counts as true


def _answer(expr: Expr, scope: Scope) -> tuple[str, Answer] | None:
    """The answer a `ref`/`field` node names in this scope, if its value lives in the answers."""
    name = expr.get(scope.node)
    if not isinstance(name, str) or len(expr) != 1:
        return None
    item = scope.names.get(name)
    if item is None:
        return None
    return name, item


def _compare(op: str, left: Expr, right: Expr, scope: Scope) -> Predicate | None:
    if "lit" in left and "lit" in right:
        return _constant(op, left["lit"], right["lit"])
    if "lit" in left and op in _FLIP:
        op, left, right = _FLIP[op], right, left
    if "lit" not in right:
        return None
    literal = right["lit"]
    if left.get("op") == "count":
        return _count(op, left["args"][0], literal, scope)
    answer = _answer(left, scope)
    if answer is None or not isinstance(answer[1], Question):
        return None  # computed values are not answers; repeats are only counted
    name, question = answer
    builder = _BUILDERS.get(op)
    return None if builder is None else builder(name, question, literal)


def _equal(name: str, question: Question, literal: Any) -> Predicate | None:
    if isinstance(literal, list):
        return None
    return has_value(name, {"const": literal})


def _not_equal(name: str, question: Question, literal: Any) -> Predicate | None:
    equal = _equal(name, question, literal)
    return None if equal is None else negate(equal)


def _member(name: str, question: Question, literal: Any) -> Predicate | None:
    if not isinstance(literal, list) or question.type in ARRAY_TYPES:
        return None
    return has_value(name, {"enum": literal}) if literal else False


def _has(name: str, question: Question, literal: Any) -> Predicate | None:
    if question.type != "multichoice" or isinstance(literal, list):
        return None
    return has_value(name, {"type": "array", "contains": {"const": literal}})


def _ordering(op: str) -> Callable[[str, Question, Any], Predicate | None]:
    def build(name: str, question: Question, literal: Any) -> Predicate | None:
        if question.type not in NUMBER_TYPES or not _is_number(literal):
            return None  # dates and text: code-point order is runtime-only
        bound = _number_bound(op, literal)
        if isinstance(bound, bool):
            return has_value(name, {"type": "number"}) if bound else False
        return has_value(name, {"type": "number", _BOUND[op]: literal})
    return build


_BUILDERS: dict[str, Callable[[str, Question, Any], Predicate | None]] = {
    "==": _equal, "!=": _not_equal, "in": _member, "has": _has,
    **{op: _ordering(op) for op in _BOUND},
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_SAFE = 2**53 - 1


def _number_bound(op: str, literal: int | float) -> bool | None:
    """For a literal outside ±(2^53 - 1), the comparison's fixed truth on any valid number (whose
    bounds are clamped to that range), so no emitted bound ever leaves it; None otherwise."""
    if -_SAFE <= literal <= _SAFE:
        return None
    above = literal > _SAFE
    return above if op in ("<", "<=") else not above


def _count(op: str, arg: Expr, literal: Any, scope: Scope) -> Predicate | None:
    """`count(q) OP n`: rows, selections or files; an absent answer counts 0 (runtime `count`)."""
    answer = _answer(arg, scope)
    if answer is None or not _is_number(literal) or op not in _FLIP:
        return None
    name, item = answer
    if not (isinstance(item, Repeat) or (isinstance(item, Question) and item.type in ARRAY_TYPES)):
        return None
    low, high = _count_range(op, literal)
    if op == "!=":
        return negate(_count_between(name, low, high))
    return _count_between(name, low, high)


def _count_range(op: str, n: int | float) -> tuple[int, int | None]:
    """The whole numbers c >= 0 with `c OP n` (for `!=`: with `c == n`), as [low, high]."""
    match op:
        case ">":
            return max(0, math.floor(n) + 1), None
        case ">=":
            return max(0, math.ceil(n)), None
        case "<":
            return 0, math.ceil(n) - 1
        case "<=":
            return 0, math.floor(n)
    if n != int(n) or n < 0:
        return 1, 0  # empty
    return int(n), int(n)


def _count_between(name: str, low: int, high: int | None) -> Predicate:
    if high is not None and (high < low or high < 0):
        return False
    upper: Schema = {} if high is None or high >= 2**31 else {"maxItems": high}
    if low == 0:
        return {"properties": {name: {"type": "array", **upper}}} if upper else True
    return has_value(name, {"type": "array", "minItems": low, **upper})


def _constant(op: str, left: Any, right: Any) -> Predicate | None:
    """A comparison of two literals, decided now (same rules as the runtime: no type mixing)."""
    same = type(left) is type(right) or (_is_number(left) and _is_number(right))
    if op == "==":
        return same and left == right
    if op == "!=":
        return not (same and left == right)
    if op in _BOUND and _is_number(left) and _is_number(right):
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    return None
