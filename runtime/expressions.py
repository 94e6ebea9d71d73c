"""Expression trees (organizer.json conditions and computed values) and their null semantics.

`compile_expr` checks one tree and turns it into nested Python closures over the operator
functions below; evaluating runs those closures against an `Env`. Nothing is ever turned into
source code. The semantics, which the JavaScript runtime repeats exactly (docs/runtime.md):

- Values are JSON values in the numeric model of `formats.normalize_number`; `None` is null
  (unanswered, hidden, or of the wrong type for its question).
- `==` is false and `!=` true when either side is null. Equality never mixes types: `true` is not
  `1`; numbers compare numerically; strings by code points; lists element by element.
- `< <= > >=` compare two numbers or two strings (code-point order; dates are ISO strings);
  any other pair, and any null, gives false. `in` (value in list) and `has` (list has value) with
  a null or non-list side give false.
- `+ - * /` work on doubles; null, a non-number, a non-finite result, a result beyond
  ±(2^53 - 1) or a division by zero give null. `+` on two strings concatenates.
- `and`, `or` and `not` take booleans; anything but `true` (null included) counts as false.
- `answered(q)`: present and not "" or []. `count(q)`: length of a list value, 0 otherwise.
  `sum(repeat, field)`: the numeric field values of the rows in row order (others skipped),
  0 for no rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .formats import MAX_EXPR_DEPTH, normalize_number

Compiled = Callable[["Env"], Any]

_BINARY = ("==", "!=", "<", "<=", ">", ">=", "in", "has", "+", "-", "*", "/")


class ExprError(ValueError):
    """A malformed expression tree; `pointer` locates the node inside the tree."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer or '/'}: {message}")
        self.pointer = pointer


class Env:
    """What a compiled expression reads: item values and visibility by node index, the current
    repeat row's values by field index, and the context."""

    __slots__ = ("val", "vis", "row", "ctx")

    def __init__(self, val: list[Any], vis: list[bool], row: list[Any] | None, ctx: Mapping[str, Any]) -> None:
        self.val = val
        self.vis = vis
        self.row = row
        self.ctx = ctx


@dataclass(slots=True)
class Scope:
    """How names resolve while compiling, and what the compiled tree turned out to read."""

    refs: Mapping[str, int]                          # referable id -> node index
    sections: Mapping[str, int]                      # section id -> node index
    fields: Mapping[str, int] | None = None          # fields of the current repeat row -> row index
    repeat_fields: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    used_refs: set[int] = field(default_factory=set)
    used_fields: set[int] = field(default_factory=set)
    uses_context: bool = False


# --- the operators (total functions: they never raise) ---------------------------------------


def is_true(value: Any) -> bool:
    return value is True


def is_answered(value: Any) -> bool:
    if value is None or value == "":
        return False
    return not (isinstance(value, (list, tuple)) and len(value) == 0)


def _scalar_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


def equal(a: Any, b: Any) -> bool:
    """`a == b`: false when either side is null or the types differ."""
    if a is None or b is None:
        return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_scalar_equal(x, y) for x, y in zip(a, b, strict=True))
    return _scalar_equal(a, b)


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return True
    return (isinstance(a, (int, float)) and not isinstance(a, bool)
            and isinstance(b, (int, float)) and not isinstance(b, bool))


def less(a: Any, b: Any) -> bool:
    return _comparable(a, b) and a < b


def less_equal(a: Any, b: Any) -> bool:
    return _comparable(a, b) and a <= b


def member(a: Any, b: Any) -> bool:
    """`a in b`: b is a list holding a value equal to a."""
    if a is None or not isinstance(b, (list, tuple)):
        return False
    return any(_scalar_equal(a, x) for x in b)


def has(a: Any, b: Any) -> bool:
    """`a has b`: a is a list holding a value equal to the scalar b."""
    if b is None or isinstance(b, (list, tuple)):
        return False
    return member(b, a)


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def arith(op: str, a: Any, b: Any) -> Any:
    """`a op b` in doubles; null for null, non-numbers, division by zero and out-of-range results."""
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return None
    if op == "+":
        result = x + y
    elif op == "-":
        result = x - y
    elif op == "*":
        result = x * y
    else:
        if y == 0:
            return None
        result = x / y
    return normalize_number(result)


def negate(a: Any) -> Any:
    x = _number(a)
    return None if x is None else normalize_number(-x)


def count(value: Any) -> int:
    return len(value) if isinstance(value, (list, tuple)) else 0


def context_value(ctx: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """A scalar context value (`client.email`, `year`), or None when missing or not a scalar."""
    value: Any = ctx
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    if isinstance(value, bool) or isinstance(value, str):
        return value
    return normalize_number(value)


# --- compiling -------------------------------------------------------------------------------


def expr_depth(expr: Any, limit: int = MAX_EXPR_DEPTH) -> int:
    """The depth of a tree, counted without recursion; stops counting past `limit`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        if isinstance(node, dict) and isinstance(node.get("args"), list):
            stack.extend((arg, depth + 1) for arg in node["args"])
    return deepest


def compile_expr(expr: Any, scope: Scope, pointer: str = "") -> Compiled:
    """Check a tree and compile it; raises ExprError for anything malformed or unresolved."""
    if expr_depth(expr) > MAX_EXPR_DEPTH:
        raise ExprError(pointer, f"expression nested deeper than {MAX_EXPR_DEPTH}")
    return _compile(expr, scope, pointer)


def _compile(expr: Any, scope: Scope, pointer: str) -> Compiled:
    if not isinstance(expr, dict):
        raise ExprError(pointer, "an expression must be an object")
    keys = set(expr)
    if keys == {"op", "args"}:
        return _compile_op(expr["op"], expr["args"], scope, pointer)
    if len(keys) != 1:
        raise ExprError(pointer, f"unknown expression node with keys {sorted(map(str, keys))}")
    (key,) = keys
    value = expr[key]
    if key == "lit":
        return _compile_literal(value, pointer)
    if key == "ref":
        index = _resolve(scope.refs, value, pointer, "answer")
        scope.used_refs.add(index)
        return lambda env: env.val[index]
    if key == "field":
        if scope.fields is None:
            raise ExprError(pointer, "`field` outside a repeat")
        slot = _resolve(scope.fields, value, pointer, "field of this repeat")
        scope.used_fields.add(slot)
        return lambda env: env.row[slot]  # type: ignore[index]
    if key == "section":
        index = _resolve(scope.sections, value, pointer, "section")
        scope.used_refs.add(index)
        return lambda env: env.vis[index]
    if key == "ctx":
        if not isinstance(value, list) or not value or not all(isinstance(p, str) for p in value):
            raise ExprError(pointer, "`ctx` must be a non-empty list of names")
        path = tuple(value)
        scope.uses_context = True
        return lambda env: context_value(env.ctx, path)
    raise ExprError(pointer, f"unknown expression node {key!r}")


def _resolve(names: Mapping[str, int], name: Any, pointer: str, what: str) -> int:
    if not isinstance(name, str) or name not in names:
        raise ExprError(pointer, f"{name!r} is not an earlier {what}")
    return names[name]


def _compile_literal(value: Any, pointer: str) -> Compiled:
    if isinstance(value, list):
        items = tuple(_literal_scalar(v, f"{pointer}/lit") for v in value)
        return lambda env: items
    constant = _literal_scalar(value, pointer)
    return lambda env: constant


def _literal_scalar(value: Any, pointer: str) -> Any:
    if isinstance(value, (bool, str)):
        return value
    number = normalize_number(value)
    if number is None:
        raise ExprError(pointer, f"literal {value!r} is not a string, boolean or number within ±(2^53 - 1)")
    return number


def _compile_op(op: Any, args: Any, scope: Scope, pointer: str) -> Compiled:
    if not isinstance(args, list):
        raise ExprError(pointer, "`args` must be a list")
    if op in ("answered", "count"):
        return _compile_list_function(op, args, scope, pointer)
    if op == "sum":
        return _compile_sum(args, scope, pointer)
    parts = [_compile(arg, scope, f"{pointer}/args/{i}") for i, arg in enumerate(args)]
    if op in ("and", "or"):
        if not parts:
            raise ExprError(pointer, f"`{op}` needs at least one operand")
        if len(parts) == 2:
            first, second = parts
            if op == "and":
                return lambda env: first(env) is True and second(env) is True
            return lambda env: first(env) is True or second(env) is True
        if op == "and":
            return lambda env: all(p(env) is True for p in parts)
        return lambda env: any(p(env) is True for p in parts)
    if op in ("not", "neg"):
        _arity(op, parts, 1, pointer)
        (inner,) = parts
        if op == "not":
            return lambda env: inner(env) is not True
        return lambda env: negate(inner(env))
    if op in _BINARY:
        _arity(op, parts, 2, pointer)
        if op in ("==", "!=") and set(args[1]) == {"lit"} and not isinstance(args[1]["lit"], list):
            return _compare_with_literal(op, args[0], parts[0], _literal_scalar(args[1]["lit"], pointer), scope)
        return _binary(op, parts[0], parts[1])
    raise ExprError(pointer, f"unknown operator {op!r}")


def _compare_with_literal(op: str, left: Any, compiled: Compiled, constant: Any, scope: Scope) -> Compiled:
    """`left == constant` or `left != constant` for a scalar literal: `equal` with its type dispatch
    done once, and an answer or row field read in place."""
    if isinstance(constant, bool):
        test: Callable[[Any], bool] = lambda value: value is constant
    elif isinstance(constant, str):
        test = lambda value: isinstance(value, str) and value == constant
    else:
        test = lambda value: isinstance(value, (int, float)) and not isinstance(value, bool) and value == constant
    keys = set(left)
    if keys == {"ref"}:
        index = scope.refs[left["ref"]]
        if op == "==":
            return lambda env: test(env.val[index])
        return lambda env: not test(env.val[index])
    if keys == {"field"} and scope.fields is not None:
        slot = scope.fields[left["field"]]
        if op == "==":
            return lambda env: test(env.row[slot])  # type: ignore[index]
        return lambda env: not test(env.row[slot])  # type: ignore[index]
    if op == "==":
        return lambda env: test(compiled(env))
    return lambda env: not test(compiled(env))


def _arity(op: str, parts: list[Compiled], n: int, pointer: str) -> None:
    if len(parts) != n:
        raise ExprError(pointer, f"`{op}` takes {n} operand{'s' if n > 1 else ''}, not {len(parts)}")


def _binary(op: str, left: Compiled, right: Compiled) -> Compiled:
    if op == "==":
        return lambda env: equal(left(env), right(env))
    if op == "!=":
        return lambda env: not equal(left(env), right(env))
    if op == "<":
        return lambda env: less(left(env), right(env))
    if op == "<=":
        return lambda env: less_equal(left(env), right(env))
    if op == ">":
        return lambda env: less(right(env), left(env))
    if op == ">=":
        return lambda env: less_equal(right(env), left(env))
    if op == "in":
        return lambda env: member(left(env), right(env))
    if op == "has":
        return lambda env: has(left(env), right(env))
    return lambda env: arith(op, left(env), right(env))


def _compile_list_function(op: str, args: list[Any], scope: Scope, pointer: str) -> Compiled:
    if len(args) != 1 or not isinstance(args[0], dict) or set(args[0]) not in ({"ref"}, {"field"}):
        raise ExprError(pointer, f"`{op}` takes one question reference")
    inner = _compile(args[0], scope, f"{pointer}/args/0")
    if op == "answered":
        return lambda env: is_answered(inner(env))
    return lambda env: count(inner(env))


def _compile_sum(args: list[Any], scope: Scope, pointer: str) -> Compiled:
    if (len(args) != 2 or not isinstance(args[0], dict) or set(args[0]) != {"ref"}
            or not isinstance(args[1], dict) or set(args[1]) != {"lit"}):
        raise ExprError(pointer, "`sum` takes a repeat reference and a field name literal")
    repeat, name = args[0]["ref"], args[1]["lit"]
    fields = scope.repeat_fields.get(repeat) if isinstance(repeat, str) else None
    if fields is None:
        raise ExprError(f"{pointer}/args/0", f"{repeat!r} is not an earlier repeat")
    if not isinstance(name, str) or name not in fields:
        raise ExprError(f"{pointer}/args/1", f"{name!r} is not a field of repeat {repeat!r}")
    rows = _compile(args[0], scope, f"{pointer}/args/0")
    slot = fields[name]
    return lambda env: sum_rows(rows(env), slot)


def sum_rows(rows: Any, slot: int) -> int | float | None:
    """The sum, in row order, of the numbers at `slot` of each row's values (hidden fields are null)."""
    total = 0.0
    if isinstance(rows, tuple):
        for row in rows:
            value = row.val[slot]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total += value
    return normalize_number(total)


# --- a convenience for tests and tools ---------------------------------------------------------


def evaluate_expr(expr: Any, values: Mapping[str, Any] | None = None, *, context: Mapping[str, Any] | None = None,
                  sections: Mapping[str, bool] | None = None, row: Mapping[str, Any] | None = None) -> Any:
    """Evaluate one tree against plain values (already null where hidden); for tests and tools.

    `values` maps ids to values, `sections` section ids to visibility, `row` field ids to values.
    Values are used as given (not normalised), so callers pass what an answer would become.
    """
    values = dict(values or {})
    sections = dict(sections or {})
    row = dict(row) if row is not None else None
    names = list(values) + [s for s in sections if s not in values]
    refs = {name: i for i, name in enumerate(names)}
    val = [values.get(name) for name in names]
    vis = [bool(sections.get(name)) for name in names]
    fields = {name: i for i, name in enumerate(row)} if row is not None else None
    scope = Scope(refs=refs, sections={s: refs[s] for s in sections}, fields=fields)
    compiled = compile_expr(expr, scope)
    return compiled(Env(val, vis, list(row.values()) if row is not None else None, context or {}))
