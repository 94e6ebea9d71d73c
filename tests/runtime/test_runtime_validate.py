"""Validation: each question type's checks, submission vs draft, hidden answers, unknown keys,
computed values, repeats, files, pointers, own messages, and the draft/submission properties (S6)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.runtime.program import Checks
from organizer.runtime.validate import Problem, submission, validate

from runtime_builders import (
    CONTEXT, FILE, VALID_EVERY_TYPE, computed, every_type_program, goto_lowered, lit, op, options, program, q, ref,
    repeat, section,
)

EVERY = every_type_program()


def codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.pointer, p.code) for p in problems]


def check(key: str, value: Any, draft: bool = False) -> list[tuple[str, str]]:
    return codes(validate(EVERY, {**VALID_EVERY_TYPE, key: value}, draft, CONTEXT))


def test_valid_answers_pass_in_both_modes() -> None:
    assert validate(EVERY, VALID_EVERY_TYPE, False, CONTEXT) == []
    assert validate(EVERY, VALID_EVERY_TYPE, True, CONTEXT) == []


@pytest.mark.parametrize("key,value,expected", [
    ("text", 5, "type"), ("text", "a", "min-length"), ("text", "abcdef", "max-length"),
    ("text", "😀😀😀😀😀", None),  # five code points: lengths count code points
    ("text", "a\x00c", "invalid-characters"), ("text", "a\ud800c", "invalid-characters"),
    ("pat", "20245", "pattern"), ("pat", "2024\n", "pattern"), ("pat", "٢٠٢٤", "pattern"),
    ("area", "x" * 11, "max-length"), ("area", "line\nline", None),
    ("num", "5", "type"), ("num", True, "type"), ("num", None, "type"), ("num", -6, "minimum"), ("num", 5.6, "maximum"),
    ("num", float("nan"), "not-finite"), ("num", float("inf"), "not-finite"), ("num", -0.0, None),
    ("int", 1.5, "integer"), ("int", 1.0, None), ("int", 13, "maximum"), ("int", 2**53 + 1, "too-large"),
    ("int", 2**53 - 1, "maximum"), ("num", 1e308, "too-large"),
    ("money", 19.999, "decimals"), ("money", 0.07, None), ("money", 1234.56, None), ("money", 1e-7, "decimals"),
    ("money", -0.01, "minimum"),
    ("date", "2023-02-29", "date-format"), ("date", "2024-1-01", "date-format"), ("date", "2024-01-01\n", "date-format"),
    ("date", "2019-12-31", "date-min"), ("date", "2024-07-01", "date-max"), ("date", "2024-06-30", None),
    ("date", 20240101, "type"),
    ("email", "not-an-email", "email-format"), ("email", "a@b.c", "email-format"), ("email", "a@example.com\n", "email-format"),
    ("phone", "12", "phone-format"), ("phone", "+1 (555) 123-4567", None),
    ("yn", "yes", "type"), ("yn", 0, "type"),
    ("choice", "z", "option"), ("choice", ["a"], "type"),
    ("files", [FILE, FILE, FILE], "max-items"), ("files", "w2.pdf", "type"),
])
def test_per_value_checks(key: str, value: Any, expected: str | None) -> None:
    for draft in (False, True):
        assert check(key, value, draft) == ([("/" + key, expected)] if expected else [])


@pytest.mark.parametrize("value,expected", [
    (["a", "a"], [("/multi/1", "duplicate-option")]),
    (["a", "z"], [("/multi/1", "option")]),
    (["a", 1], [("/multi/1", "type")]),
    (["a", "b", "c"], [("/multi", "max-items")]),
])
def test_multichoice(value: Any, expected: list[tuple[str, str]]) -> None:
    assert check("multi", value) == expected
    assert check("multi", value, draft=True) == expected


def test_multichoice_min_items_is_a_completeness_rule() -> None:
    p = program(section("s", q("m", "multichoice", options=options("a", "b", "c"), checks=Checks(min_items=2))))
    assert codes(validate(p, {"m": ["a"]}, False, CONTEXT)) == [("/m", "min-items")]
    assert validate(p, {"m": ["a"]}, True, CONTEXT) == []  # submission only
    assert validate(p, {"m": []}, False, CONTEXT) == []    # [] is no answer: an optional question may stay empty


@pytest.mark.parametrize("file,expected", [
    ({**FILE, "name": "w2.PDF"}, None),
    ({**FILE, "name": "w2.exe"}, ("/name", "file-type")),
    ({**FILE, "name": "pdf"}, ("/name", "file-type")),
    ({**FILE, "name": ".pdf"}, None),
    ({**FILE, "name": "a.pdf\n"}, ("/name", "file-type")),
    ({**FILE, "size": 5001}, ("/size", "file-size")),
    ({**FILE, "size": 5000.0}, None),
    ({**FILE, "size": -1}, ("/size", "file-object")),
    ({**FILE, "size": 1.5}, ("/size", "file-object")),
    ({**FILE, "size": True}, ("/size", "file-object")),
    ({**FILE, "sha256": "A" * 64}, ("/sha256", "file-object")),
    ({**FILE, "sha256": "a" * 63}, ("/sha256", "file-object")),
    ({**FILE, "media_type": ""}, ("/media_type", "file-object")),
    ({**FILE, "media_type": "x" * 256}, ("/media_type", "file-object")),
    ({**FILE, "extra": 1}, ("", "file-object")),
    ({k: v for k, v in FILE.items() if k != "sha256"}, ("", "file-object")),
    ({**FILE, "name": ""}, ("/name", "file-object")),
    ({**FILE, "name": "a\x00.pdf"}, ("/name", "file-object")),
    ("w2.pdf", ("", "file-object")),
])
def test_file_objects(file: Any, expected: tuple[str, str] | None) -> None:
    assert check("files", [FILE, file]) == ([("/files/1" + expected[0], expected[1])] if expected else [])


def test_repeat_rows() -> None:
    assert check("rows", []) == [("/rows", "min-rows")]
    assert check("rows", [], draft=True) == []
    assert check("rows", [{"name": "a"}] * 4) == [("/rows", "max-rows")]
    assert check("rows", [{"name": "a", "age": 1.5, "zz": 1}, {}, 7]) == [
        ("/rows/0/age", "integer"), ("/rows/0/zz", "unknown-key"), ("/rows/1/name", "required"), ("/rows/2", "type")]
    assert check("rows", [{"age": 3}], draft=True) == []
    assert check("rows", {"name": "a"}) == [("/rows", "type")]


def test_required_and_required_if() -> None:
    p = program(section(
        "a",
        q("name", "text", required=True),
        q("married", "yesno", required=True),
        q("spouse", "text", required=op("==", ref("married"), lit(True))),
        q("tags", "multichoice", options=options("x"), required=True),
    ))
    assert codes(validate(p, {}, False, CONTEXT)) == [("/name", "required"), ("/married", "required"), ("/tags", "required")]
    answers = {"name": "", "married": True, "tags": []}
    assert codes(validate(p, answers, False, CONTEXT)) == [("/name", "required"), ("/spouse", "required"), ("/tags", "required")]
    assert codes(validate(p, answers, True, CONTEXT)) == []
    assert validate(p, {"name": "A", "married": False, "tags": ["x"]}, False, CONTEXT) == []


def test_hidden_and_skipped_answers() -> None:
    sections = goto_lowered([("a", [("c", ref("a_q"))], None), ("b", [], None), ("c", [], None)])
    p = program(*sections)
    answers = {"a_q": True, "b_q": False, "c_q": True}
    assert codes(validate(p, answers, False, CONTEXT)) == [("/b_q", "hidden-answer")]
    assert validate(p, answers, True, CONTEXT) == []  # drafts keep hidden answers
    assert submission(p, answers, CONTEXT) == {"a_q": True, "c_q": True}
    assert validate(p, submission(p, answers, CONTEXT), False, CONTEXT) == []
    # flipping the answer back restores the kept value
    assert submission(p, {**answers, "a_q": False}, CONTEXT) == {**answers, "a_q": False}


def test_hidden_row_fields_and_hidden_repeats() -> None:
    p = program(section("a", q("has", "yesno"),
                        repeat("r", q("on", "yesno"), q("v", "number", visible_when={"field": "on"}),
                               visible_when=ref("has"))))
    answers = {"has": True, "r": [{"on": False, "v": 1}, {"on": True, "v": 2}]}
    assert codes(validate(p, answers, False, CONTEXT)) == [("/r/0/v", "hidden-answer")]
    assert submission(p, answers, CONTEXT) == {"has": True, "r": [{"on": False}, {"on": True, "v": 2}]}
    assert codes(validate(p, {**answers, "has": False}, False, CONTEXT)) == [("/r", "hidden-answer")]
    assert validate(p, {**answers, "has": False}, True, CONTEXT) == []
    assert codes(validate(p, {"has": False, "r": [{"v": "x"}]}, True, CONTEXT)) == [("/r/0/v", "type")]


def test_unknown_keys_and_pointer_escaping() -> None:
    p = program(section("a", q("x", "text")))
    problems = validate(p, {"x": "a", "a/b": 1, "m~n": 2, "__proto__": 3, "constructor": 4}, True, CONTEXT)
    assert codes(problems) == [("/a~1b", "unknown-key"), ("/m~0n", "unknown-key"), ("/__proto__", "unknown-key"),
                               ("/constructor", "unknown-key")]


def test_computed_values_in_a_submission() -> None:
    p = program(section("sec", q("a", "number"), q("b", "number"),
                        computed("s", op("+", ref("a"), ref("b"))),
                        computed("hidden", lit(1), visible_when=lit(False))))
    base = {"a": 0.1, "b": 0.2}
    assert validate(p, {**base, "s": 0.30000000000000004}, False, CONTEXT) == []
    assert codes(validate(p, {**base, "s": 0.3}, False, CONTEXT)) == [("/s", "computed-mismatch")]
    assert validate(p, {**base, "s": 0.3}, True, CONTEXT) == []  # drafts may hold stale computed values
    assert codes(validate(p, {**base, "s": "x"}, True, CONTEXT)) == [("/s", "type")]
    assert codes(validate(p, {"a": 1, "s": 1}, False, CONTEXT)) == [("/s", "computed-mismatch")]  # null input
    assert codes(validate(p, {**base, "hidden": 1}, False, CONTEXT)) == [("/hidden", "hidden-answer")]


def test_date_bound_today_follows_the_context() -> None:
    assert check("date", "2024-07-01") == [("/date", "date-max")]
    answers = {**VALID_EVERY_TYPE, "date": "2024-07-01"}
    assert validate(EVERY, answers, False, {**CONTEXT, "today": "2024-07-01"}) == []


def test_messages_in_the_program_language() -> None:
    answers = {**VALID_EVERY_TYPE, "date": "2019-01-01"}
    (en,) = validate(EVERY, answers, False, CONTEXT)
    assert en.message == "Enter a date on or after 1 January 2020." and en.params == {"min": "2020-01-01"}
    nl_program = program(*EVERY.sections, language="nl")
    (nl,) = validate(nl_program, answers, False, CONTEXT)
    assert nl.message == "Vul een datum in op of na 1 januari 2020."
    (money,) = validate(nl_program, {**VALID_EVERY_TYPE, "money": -1}, False, CONTEXT)
    assert money.message == "Vul een bedrag in van minstens $ 0,00." and money.params["currency"] == "USD"


def test_own_message_replaces_check_messages_but_not_required() -> None:
    p = program(section("a", q("zip", "text", required=True,
                                checks=Checks(pattern="^(?:[0-9]{4})(?!\\n)$"),
                                message=["Enter a postcode, ", {"path": ["client", "first_name"], "offset": 0,
                                                                  "fallback": "friend"}, "."])))
    (problem,) = validate(p, {"zip": "x"}, False, CONTEXT)
    assert problem.code == "pattern" and problem.message == "Enter a postcode, Ann."
    (problem,) = validate(p, {}, False, CONTEXT)
    assert problem.code == "required" and problem.message == "Answer this question."


def test_not_an_object() -> None:
    for value in (None, [], "x", 1, [{"x": 1}]):
        assert codes(validate(EVERY, value)) == [("", "not-an-object")]


def test_problem_to_json() -> None:
    (problem,) = validate(EVERY, {**VALID_EVERY_TYPE, "text": "a"}, False, CONTEXT)
    assert problem.to_json() == {"pointer": "/text", "code": "min-length", "message": "Enter at least 2 characters.",
                                 "params": {"min": 2, "count": 2}}


# --- S6: draft vs submission properties ----------------------------------------------------------------

COND = program(*[
    section("a", q("kids", "yesno", required=True), q("n", "integer", required=ref("kids"), visible_when=ref("kids")),
            q("status", "choice", options=options("single", "mfj"), required=True),
            q("spouse", "text", required=True, visible_when=op("==", ref("status"), lit("mfj")))),
    section("b", q("other", "text"), visible_when=op("!=", ref("status"), lit("single"))),
])


@st.composite
def valid_submissions(draw: st.DrawFn) -> dict[str, Any]:
    answers: dict[str, Any] = {"kids": draw(st.booleans()), "status": draw(st.sampled_from(["single", "mfj"]))}
    if answers["kids"]:
        answers["n"] = draw(st.integers(0, 10))
    if answers["status"] == "mfj":
        answers["spouse"] = draw(st.text(min_size=1, max_size=5).filter(lambda s: "\x00" not in s))
    if answers["status"] != "single" and draw(st.booleans()):
        answers["other"] = "x"
    return answers


@settings(deadline=None)
@given(valid_submissions(), st.data())
def test_draft_and_submission_properties(answers: dict[str, Any], data: st.DataObject) -> None:
    assert validate(COND, answers, False, CONTEXT) == []
    subset = {k: v for k, v in answers.items() if data.draw(st.booleans())}
    assert validate(COND, subset, True, CONTEXT) == []  # every subset of a valid submission is a valid draft
    # a draft keeping hidden answers stays valid as a draft; its submission drops them
    flipped = {**answers, "kids": not answers["kids"], "n": 3, "spouse": "kept", "other": "x"}
    assert validate(COND, flipped, True, CONTEXT) == []
    cleaned = submission(COND, flipped, CONTEXT)
    hidden = set(flipped) - set(cleaned)
    assert all(p.code == "hidden-answer" for p in validate(COND, flipped, False, CONTEXT) if p.pointer[1:] in hidden)
    assert {p.pointer[1:] for p in validate(COND, flipped, False, CONTEXT) if p.code == "hidden-answer"} == hidden
    assert all(p.code != "hidden-answer" for p in validate(COND, cleaned, False, CONTEXT))


def test_computed_inside_rows() -> None:
    p = program(section("a", repeat("r", q("v", "number"), computed("d", op("*", {"field": "v"}, lit(2))))))
    assert validate(p, {"r": [{"v": 2, "d": 4}]}, False, CONTEXT) == []
    assert codes(validate(p, {"r": [{"v": 2, "d": 5}]}, False, CONTEXT)) == [("/r/0/d", "computed-mismatch")]


# --- empty answers: "" and [] are no answer ----------------------------------------------------------

# Each type with checks that "" or [] would fail if they applied, and its empty value.
EMPTY_TYPES: dict[str, tuple[dict[str, Any], Any]] = {
    "text": ({"checks": Checks(min_length=3, max_length=9, pattern="^(?:[a-z]+)(?!\\n)$")}, ""),
    "textarea": ({"checks": Checks(min_length=2)}, ""),
    "email": ({}, ""),
    "phone": ({}, ""),
    "date": ({"checks": Checks(min_date="2020-01-01", max_date="today")}, ""),
    "choice": ({"options": options("a", "b")}, ""),
    "multichoice": ({"options": options("a", "b", "c"), "checks": Checks(min_items=2, max_items=3)}, []),
    "file": ({"checks": Checks(min_items=2, accept=("pdf",), max_size=10)}, []),
}


def _empties_program(kind: str) -> Any:
    kw, _ = EMPTY_TYPES[kind]
    show = ref("show")
    return program(
        section("a", q("show", "yesno"),
                q("opt", kind, **kw), q("req", kind, required=True, **kw),
                q("hid", kind, visible_when=show, **kw), q("hreq", kind, required=True, visible_when=show, **kw),
                q("rif", kind, required=show, **kw),
                repeat("rows", q("f_on", "yesno"), q("f_opt", kind, **kw), q("f_req", kind, required=True, **kw),
                       q("f_hid", kind, required=True, visible_when={"field": "f_on"}, **kw))),
        section("b", q("sec", kind, required=True, **kw), visible_when=show))


@pytest.mark.parametrize("kind", list(EMPTY_TYPES))
def test_an_empty_answer_is_no_answer(kind: str) -> None:
    p = _empties_program(kind)
    empty = EMPTY_TYPES[kind][1]
    names = ("opt", "req", "hid", "hreq", "rif", "sec")
    row = {"f_opt": empty, "f_req": empty, "f_hid": empty, "f_on": False}
    shown = {"show": True, **{n: empty for n in names}, "rows": [row]}
    # shown: only `required` applies, no value check (pattern, format, option, min-length, min-items ...)
    assert codes(validate(p, shown, False, CONTEXT)) == [
        ("/req", "required"), ("/hreq", "required"), ("/rif", "required"), ("/rows/0/f_req", "required"),
        ("/rows/0/f_hid", "hidden-answer"), ("/sec", "required")]
    # the same verdicts as leaving the keys out (a hidden key must be absent, whatever its value)
    absent = {"show": True, "rows": [{"f_on": False}]}
    assert codes(validate(p, absent, False, CONTEXT)) == [
        ("/req", "required"), ("/hreq", "required"), ("/rif", "required"), ("/rows/0/f_req", "required"),
        ("/sec", "required")]
    # hidden: an empty value is still a hidden answer in a submission; `submission` drops it
    hidden = {**shown, "show": False}
    assert codes(validate(p, hidden, False, CONTEXT)) == [
        ("/req", "required"), ("/hid", "hidden-answer"), ("/hreq", "hidden-answer"),
        ("/rows/0/f_req", "required"), ("/rows/0/f_hid", "hidden-answer"), ("/sec", "hidden-answer")]
    cleaned = submission(p, hidden, CONTEXT)
    assert cleaned == {"show": False, "opt": empty, "req": empty, "rif": empty,
                       "rows": [{"f_opt": empty, "f_req": empty, "f_on": False}]}
    assert codes(validate(p, cleaned, False, CONTEXT)) == [("/req", "required"), ("/rows/0/f_req", "required")]
    # a draft accepts every empty answer, shown or hidden, required or not
    for answers in (shown, hidden, cleaned):
        assert validate(p, answers, True, CONTEXT) == []
    # optional and empty is a complete submission
    complete = submission(p, {"show": False, "opt": empty, "rows": [{"f_opt": empty, "f_on": True}]}, CONTEXT)
    assert codes(validate(p, complete, False, CONTEXT)) == [("/req", "required"), ("/rows/0/f_req", "required"),
                                                             ("/rows/0/f_hid", "required")]


@pytest.mark.parametrize(("kind", "value"), [
    ("number", ""), ("integer", ""), ("money", ""), ("yesno", ""), ("yesno", []), ("text", []), ("date", []),
    ("choice", []), ("multichoice", ""), ("file", ""), ("multichoice", [""]), ("text", None),
])
def test_other_empty_values_are_type_errors(kind: str, value: Any) -> None:
    """Only "" for a string-valued question and [] for a list-valued one is no answer."""
    kw = {"options": options("a")} if kind in ("choice", "multichoice") else {}
    if kind == "money":
        kw["currency"] = "USD"
    p = program(section("s", q("x", kind, **kw)))
    expected = "option" if value == [""] else "type"
    pointer = "/x/0" if value == [""] else "/x"
    for draft in (False, True):
        assert codes(validate(p, {"x": value}, draft, CONTEXT)) == [(pointer, expected)]


def test_an_empty_answer_is_unanswered_for_conditions_and_progress() -> None:
    from organizer.runtime.state import evaluate

    digits = Checks(pattern="^(?:[0-9]+)(?!\\n)$")
    p = program(section("s", q("d", "date", required=True), q("t", "text", checks=digits),
                        q("later", "text", visible_when=op("answered", ref("d")))))
    state = evaluate(p, {"d": "", "t": ""}, CONTEXT)
    assert state.to_json()["progress"]["answered"] == 0
    assert "later" not in state.to_json()["items"]["s"]


def test_file_extension_folds_ascii_letters_only() -> None:
    """`str.lower()` maps the Kelvin sign (U+212A) to `k`; the schema's `[Kk]` does not match it."""
    p = program(section("s", q("f", "file", checks=Checks(accept=("pdf", "mkv")))))
    for name, ok in (("movie.MKV", True), ("movie.mKv", True), ("movie.m\u212av", False), ("a.\u212a", False),
                     ("doc.PDF", True), ("doc.pdf\u0130", False)):
        found = codes(validate(p, {"f": [{**FILE, "name": name}]}, True, CONTEXT))
        assert found == ([] if ok else [("/f/0/name", "file-type")]), name
