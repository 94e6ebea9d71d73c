"""The expression interpreter: SPEC 2.4 null semantics for every operator (RELIABILITY S7), the
numeric model, functions and malformed trees."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.runtime.expressions import ExprError, Scope, compile_expr, evaluate_expr, expr_depth
from organizer.runtime.formats import MAX_EXPR_DEPTH, MAX_SAFE_INTEGER

from runtime_builders import lit, op, ref

SAMPLES: list[Any] = [0, 1, -2.5, "", "a", "2024-01-01", True, False, ["a", "b"]]
COMPARISONS = ["==", "!=", "<", "<=", ">", ">=", "in", "has"]
ARITHMETIC = ["+", "-", "*", "/"]


def run(expr: dict[str, Any], **values: Any) -> Any:
    return evaluate_expr(expr, values)


@pytest.mark.parametrize("operator", COMPARISONS + ARITHMETIC)
@pytest.mark.parametrize("other", SAMPLES + [None])
@pytest.mark.parametrize("null_side", ["left", "right"])
def test_null_table(operator: str, other: Any, null_side: str) -> None:
    """`null == v` false, `null != v` true, ordering/in/has false, arithmetic null: both sides."""
    args = (ref("x"), ref("y")) if null_side == "left" else (ref("y"), ref("x"))
    result = run(op(operator, *args), x=None, y=other)
    expected = {"==": False, "!=": True}.get(operator, None if operator in ARITHMETIC else False)
    assert result is expected


@pytest.mark.parametrize("operand", [None, True, False, 0, "x"])
def test_boolean_operators_count_null_as_false(operand: Any) -> None:
    truth = operand is True
    assert run(op("not", ref("x")), x=operand) is (not truth)
    assert run(op("and", ref("x"), lit(True)), x=operand) is truth
    assert run(op("or", ref("x"), lit(False)), x=operand) is truth
    assert run(op("or", ref("x"), lit(True)), x=operand) is True
    assert run(op("and", ref("x"), lit(False)), x=operand) is False


def test_unary_minus_and_null() -> None:
    assert run(op("neg", ref("x")), x=None) is None
    assert run(op("neg", ref("x")), x=3) == -3
    assert run(op("neg", ref("x")), x="a") is None
    result = run(op("neg", lit(0)))
    assert result == 0 and isinstance(result, int)  # -0 is 0 in the numeric model


@pytest.mark.parametrize("a,b", list(itertools.product([0, 5, -1.5], [0, 0.0])))
def test_division_by_zero_is_null(a: Any, b: Any) -> None:
    assert run(op("/", lit(a), lit(b))) is None


def test_numeric_model_is_doubles() -> None:
    assert run(op("+", lit(0.1), lit(0.2))) == 0.30000000000000004
    assert run(op("*", lit(1.5), lit(2))) == 3 and isinstance(run(op("*", lit(1.5), lit(2))), int)
    assert run(op("/", lit(1), lit(3))) == 1 / 3
    # results beyond the safe range are null, as non-finite ones are
    assert run(op("+", lit(MAX_SAFE_INTEGER), lit(1))) is None
    assert run(op("*", lit(1e15), lit(1e15))) is None
    assert run(op("-", lit(-MAX_SAFE_INTEGER), lit(0))) == -MAX_SAFE_INTEGER
    # strings concatenate; mixed types give null
    assert run(op("+", lit("a"), lit("b"))) == "ab"
    assert run(op("+", lit("a"), lit(1))) is None
    assert run(op("+", lit(True), lit(1))) is None


def test_equality_never_mixes_types() -> None:
    assert run(op("==", lit(True), lit(1))) is False
    assert run(op("==", lit(0), lit(False))) is False
    assert run(op("==", lit(1), lit(1.0))) is True
    assert run(op("==", lit("1"), lit(1))) is False
    assert run(op("==", ref("m"), lit(["a", "b"])), m=("a", "b")) is True
    assert run(op("==", ref("m"), lit(["b", "a"])), m=("a", "b")) is False
    assert run(op("in", lit(1), lit([True]))) is False
    assert run(op("in", lit(True), lit([1, True]))) is True


def test_ordering() -> None:
    assert run(op("<", lit(1), lit(2))) is True
    assert run(op(">=", lit(2), lit(2.0))) is True
    assert run(op("<", lit("2023-12-31"), lit("2024-01-01"))) is True  # dates compare as ISO strings
    assert run(op("<", lit("a"), lit(1))) is False
    assert run(op(">", lit(1), lit("a"))) is False
    assert run(op("<", lit(False), lit(True))) is False  # booleans are not ordered
    # code-point order, which the JS runtime must implement (not UTF-16 order)
    assert run(op("<", lit("\uffff"), lit("\U0001F600"))) is True


def test_in_and_has() -> None:
    assert run(op("in", ref("c"), lit(["mfj", "mfs"])), c="mfj") is True
    assert run(op("in", ref("c"), lit(["mfj", "mfs"])), c="single") is False
    assert run(op("has", ref("m"), lit("wages")), m=("wages", "interest")) is True
    assert run(op("has", ref("m"), lit("none")), m=("wages",)) is False
    assert run(op("has", ref("m"), lit("wages")), m="wages") is False  # not a list
    assert run(op("in", lit("a"), lit("abc"))) is False  # substring is not membership
    assert run(op("has", ref("m"), lit(["wages"])), m=("wages",)) is False  # right side must be a scalar


@pytest.mark.parametrize("value,answered,count", [
    (None, False, 0), ("", False, 0), ((), False, 0), ("x", True, 0), (0, True, 0), (False, True, 0),
    (("a",), True, 1), (("a", "b"), True, 2),
])
def test_answered_and_count(value: Any, answered: bool, count: int) -> None:
    assert run(op("answered", ref("x")), x=value) is answered
    assert run(op("count", ref("x")), x=value) == count


def test_context_paths() -> None:
    ctx = {"year": 2024, "today": "2024-06-30", "client": {"email": "a@b.co", "vip": True}}
    assert evaluate_expr({"ctx": ["year"]}, context=ctx) == 2024
    assert evaluate_expr(op("-", {"ctx": ["year"]}, lit(1)), context=ctx) == 2023
    assert evaluate_expr({"ctx": ["client", "email"]}, context=ctx) == "a@b.co"
    assert evaluate_expr({"ctx": ["client", "missing"]}, context=ctx) is None
    assert evaluate_expr({"ctx": ["client"]}, context=ctx) is None  # not a scalar
    assert evaluate_expr({"ctx": ["year", "x"]}, context=ctx) is None
    assert evaluate_expr(op("<", lit("2024-01-01"), {"ctx": ["today"]}), context=ctx) is True


def test_section_and_field_nodes() -> None:
    assert evaluate_expr({"section": "a"}, sections={"a": True}) is True
    assert evaluate_expr({"section": "a"}, sections={"a": False}) is False
    assert evaluate_expr(op("+", {"field": "x"}, lit(1)), row={"x": 2}) == 3


@pytest.mark.parametrize("expr,message", [
    ({"op": "xor", "args": [lit(1), lit(2)]}, "unknown operator"),
    ({"op": "==", "args": [lit(1)]}, "takes 2 operands"),
    ({"op": "not", "args": []}, "takes 1 operand"),
    ({"op": "and", "args": []}, "at least one"),
    ({"op": "==", "args": "x"}, "must be a list"),
    ({"ref": "nope"}, "not an earlier answer"),
    ({"field": "x"}, "outside a repeat"),
    ({"section": "nope"}, "not an earlier section"),
    ({"ctx": []}, "non-empty list"),
    ({"lit": None}, "literal"),
    ({"lit": float("nan")}, "literal"),
    ({"lit": 2**53}, "literal"),
    ({"lit": [1, [2]]}, "literal"),
    ({"ref": "x", "lit": 1}, "unknown expression node"),
    ({"op": "count", "args": [lit(1)]}, "one question reference"),
    ({"op": "sum", "args": [ref("x")]}, "repeat reference"),
    ("x", "must be an object"),
    ([], "must be an object"),
])
def test_malformed_trees_are_rejected(expr: Any, message: str) -> None:
    with pytest.raises(ExprError, match=message):
        compile_expr(expr, Scope(refs={"x": 0}, sections={}))


def test_error_pointer_locates_the_node() -> None:
    with pytest.raises(ExprError) as info:
        compile_expr(op("and", lit(True), op("==", ref("x"), ref("zz"))), Scope(refs={"x": 0}, sections={}))
    assert info.value.pointer == "/args/1/args/1"


def test_depth_is_capped_without_recursion() -> None:
    deep: dict[str, Any] = lit(True)
    for _ in range(100_000):
        deep = {"op": "not", "args": [deep]}
    assert expr_depth(deep) > MAX_EXPR_DEPTH
    with pytest.raises(ExprError, match="deeper"):
        compile_expr(deep, Scope(refs={}, sections={}))
    ok: dict[str, Any] = lit(True)
    for _ in range(MAX_EXPR_DEPTH - 1):
        ok = {"op": "not", "args": [ok]}
    assert evaluate_expr(ok) is ((MAX_EXPR_DEPTH - 1) % 2 == 0)


# --- never crash: arbitrary trees over arbitrary values --------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.floats(allow_nan=False, allow_infinity=False,
                    min_value=-1e6, max_value=1e6), st.text(max_size=3), st.tuples(st.sampled_from("abc")))
literals = st.one_of(st.booleans(), st.integers(-10, 10), st.sampled_from(["a", "b", ""]),
                     st.lists(st.sampled_from(["a", "b", 1, True]), max_size=3))
leaves = st.one_of(literals.map(lit), st.sampled_from(["x", "y"]).map(ref), st.just({"ctx": ["year"]}))
trees = st.recursive(leaves, lambda inner: st.one_of(
    st.tuples(st.sampled_from(COMPARISONS + ARITHMETIC), inner, inner).map(lambda t: op(t[0], t[1], t[2])),
    st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=1, max_size=3)).map(lambda t: op(t[0], *t[1])),
    st.tuples(st.sampled_from(["not", "neg"]), inner).map(lambda t: op(t[0], t[1])),
    st.tuples(st.sampled_from(["answered", "count"]), st.sampled_from(["x", "y"])).map(lambda t: op(t[0], ref(t[1]))),
), max_leaves=12)


@settings(deadline=None)
@given(trees, scalars, scalars)
def test_any_tree_evaluates_to_a_json_value(expr: dict[str, Any], x: Any, y: Any) -> None:
    result = evaluate_expr(expr, {"x": x, "y": y}, context={"year": 2024})
    assert result is None or isinstance(result, (bool, int, float, str, tuple))
    if isinstance(result, float):
        assert result == result and abs(result) <= MAX_SAFE_INTEGER
