"""RELIABILITY S1: hostile answer values give problems, never exceptions, in validate, evaluate,
submission and rendering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.runtime.state import evaluate
from organizer.runtime.template import Template
from organizer.runtime.validate import submission, validate

from runtime_builders import CONTEXT, VALID_EVERY_TYPE, every_type_program

EVERY = every_type_program()
TEMPLATE = Template(EVERY)
BLNS = Path(__file__).parents[2].parent / "shared" / "data" / "naughty-strings" / "blns.json"


def deep_list(depth: int) -> list[Any]:
    """A list nested `depth` deep, built without recursion."""
    root: list[Any] = []
    current = root
    for _ in range(depth - 1):
        inner: list[Any] = []
        current.append(inner)
        current = inner
    return root


def deep_dict(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    current = root
    for _ in range(depth - 1):
        inner: dict[str, Any] = {}
        current["x"] = inner
        current = inner
    return root


HOSTILE: list[Any] = [
    float("nan"), float("inf"), float("-inf"), 2**53 + 1, -(2**53) - 1, 10**400, -0.0, 1e308, 1.0, True, False, None,
    "\ud800", "a\udfffb", "\x00", "nul\x00", "\u202eevil", "x" * 10_000_000, "", [], {}, [None], [[[]]], {"__proto__": 1},
    {"constructor": {"prototype": 1}}, deep_list(100_000), deep_dict(100_000), [deep_list(50)], ["a"] * 100_000,
    [{"name": "\ud800", "size": 1, "media_type": "x", "sha256": "a" * 64}], b"bytes", object(), (1, 2), {1, 2},
]
def short_id(value: Any) -> str:
    """A test id that never walks into a deep value (repr would recurse)."""
    if isinstance(value, (list, dict, str, bytes, tuple, set)):
        return f"{type(value).__name__}{len(value)}"
    return type(value).__name__ + ("" if isinstance(value, object) and type(value) is object else str(value))[:20]


IDS = [f"{i}-{short_id(v)}" for i, v in enumerate(HOSTILE)]


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("key", list(VALID_EVERY_TYPE))
def test_hostile_values_become_problems(key: str, value: Any) -> None:
    answers = {**VALID_EVERY_TYPE, key: value}
    for draft in (False, True):
        problems = validate(EVERY, answers, draft, CONTEXT)
        assert all(p.pointer.startswith("/" + key) for p in problems)
        json.dumps([p.to_json() for p in problems], allow_nan=False)  # problems are always plain JSON
    evaluate(EVERY, answers, CONTEXT).to_json()
    submission(EVERY, answers, CONTEXT)
    TEMPLATE.render(["<<", {"path": [key], "offset": 1, "fallback": "f"}], answers, CONTEXT)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53 + 1, 10**400, 1e308, "\ud800", "\x00",
                                   "x" * 10_000_000, deep_list(100_000), True, None, [], {}], ids=short_id)
def test_hostile_values_are_rejected_for_text_and_numbers(value: Any) -> None:
    for key in ("text", "num", "int", "money"):
        if key == "text" and value == []:
            continue
        assert validate(EVERY, {**VALID_EVERY_TYPE, key: value}, True, CONTEXT), (key, value)


def test_numbers_at_the_edges() -> None:
    assert validate(EVERY, {**VALID_EVERY_TYPE, "num": -0.0}, False, CONTEXT) == []
    assert validate(EVERY, {**VALID_EVERY_TYPE, "int": 1.0}, False, CONTEXT) == []
    codes = [p.code for p in validate(EVERY, {**VALID_EVERY_TYPE, "num": 2**53 + 1}, False, CONTEXT)]
    assert codes == ["too-large"]


@pytest.mark.parametrize("answers", [
    None, [], "answers", 3, True, [{"text": "a"}], deep_list(100_000),
], ids=short_id)
def test_non_dict_answers(answers: Any) -> None:
    assert [p.code for p in validate(EVERY, answers)] == ["not-an-object"]
    assert submission(EVERY, answers) == {}
    evaluate(EVERY, answers)


def test_deep_nesting_is_reported_as_too_deep() -> None:
    problems = validate(EVERY, {**VALID_EVERY_TYPE, "rows": [deep_dict(100_000)]}, True, CONTEXT)
    assert [(p.pointer, p.code) for p in problems] == [("/rows", "too-deep")]
    problems = validate(EVERY, {**VALID_EVERY_TYPE, "unknown": deep_list(100_000)}, True, CONTEXT)
    assert [(p.pointer, p.code) for p in problems] == [("/unknown", "unknown-key")]


def test_hostile_keys() -> None:
    answers = {**VALID_EVERY_TYPE, "__proto__": {}, "constructor": 1, "\ud800": 1, "": 1, "a/b~c": 1, "x" * 100_000: 1}
    problems = validate(EVERY, answers, True, CONTEXT)
    assert [p.code for p in problems] == ["unknown-key"] * 6
    assert problems[4].pointer == "/a~1b~0c"
    rows = {**VALID_EVERY_TYPE, "rows": [{"name": "x", "__proto__": 1}]}
    assert [(p.pointer, p.code) for p in validate(EVERY, rows, True, CONTEXT)] == [("/rows/0/__proto__", "unknown-key")]


def test_naughty_strings_as_text_answers() -> None:
    if not BLNS.is_file():
        pytest.skip("shared/data/naughty-strings is not present")
    strings = json.loads(BLNS.read_text(encoding="utf-8"))
    for text in strings:
        answers = {**VALID_EVERY_TYPE, "area": text}
        problems = validate(EVERY, answers, True, CONTEXT)
        expected = len(text) > 10 or "\x00" in text
        assert bool(problems) == expected, text
        assert TEMPLATE.render([{"path": ["area"], "offset": 0, "fallback": None}], answers, CONTEXT) == text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(codec=None, categories=None)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from(list(VALID_EVERY_TYPE) + ["zz", "__proto__"]), json_values, max_size=6),
       st.booleans())
def test_arbitrary_answers_never_crash(answers: dict[str, Any], draft: bool) -> None:
    problems = validate(EVERY, {**VALID_EVERY_TYPE, **answers}, draft, CONTEXT)
    for problem in problems:
        assert problem.pointer.startswith("/") and problem.code and problem.message
    evaluate(EVERY, answers, CONTEXT).to_json()
    submission(EVERY, answers, CONTEXT)
