"""Evaluation: visibility, lowered gotos, hiding cascades, computed values, progress, navigation,
and the incremental evaluator agreeing with full evaluation (hypothesis)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.runtime.program import Checks
from organizer.runtime.state import Evaluator, ProgramError, evaluate

from runtime_builders import (
    CONTEXT, computed, goto_lowered, group, lit, note, op, options, program, q, ref, repeat, section,
)


def test_section_and_item_visibility() -> None:
    p = program(
        section("a", q("kids", "yesno"), q("n", "integer", visible_when=ref("kids")), note("hi", visible_when=ref("kids"))),
        section("b", q("x", "text"), visible_when=op(">", ref("n"), lit(2))),
    )
    state = evaluate(p, {"kids": True, "n": 3}, CONTEXT)
    assert state.sections == ("a", "b") and state.hidden == () and state.skipped == ()
    assert state.items == {"a": ("kids", "n", "a.note1"), "b": ("x",)}
    assert state.is_visible("a.note1") and state.is_visible("b")
    state = evaluate(p, {"kids": False, "n": 3}, CONTEXT)
    assert state.sections == ("a",) and state.hidden == ("b",)
    assert state.items == {"a": ("kids",)}
    assert not state.is_visible("a.note1") and not state.is_visible("x") and state.section_items("b") == ()
    with pytest.raises(ValueError):
        state.is_visible("nope")


def test_hiding_cascades_through_later_conditions() -> None:
    p = program(section(
        "a",
        q("first", "yesno"),
        q("second", "yesno", visible_when=ref("first")),
        q("third", "text", visible_when=ref("second")),
        computed("c", op("answered", ref("first")), "boolean", visible_when=ref("second")),
        q("n", "number"),
    ))
    # `second` is answered true but hidden, so `third` is hidden too
    state = evaluate(p, {"first": False, "second": True, "third": "x"}, CONTEXT)
    assert state.section_items("a") == ("first", "n")
    assert state.values == {"first": False}
    state = evaluate(p, {"first": True, "second": True}, CONTEXT)
    assert state.section_items("a") == ("first", "second", "third", "c", "n")


def test_groups_hide_their_children() -> None:
    p = program(section("a", q("g_on", "yesno"), group("g", q("inside", "text"), visible_when=ref("g_on"))))
    assert evaluate(p, {"g_on": False}, CONTEXT).section_items("a") == ("g_on",)
    assert evaluate(p, {"g_on": True}, CONTEXT).section_items("a") == ("g_on", "g", "inside")


def test_goto_chain_lowered_to_skipped_when() -> None:
    # a: goto c when a_q; b: goto end when b_q; c, d follow
    sections = goto_lowered([
        ("a", [("c", ref("a_q"))], None),
        ("b", [("end", ref("b_q"))], None),
        ("c", [], None),
        ("d", [], None),
    ])
    p = program(*sections)
    s = evaluate(p, {}, CONTEXT)
    assert s.sections == ("a", "b", "c", "d") and s.skipped == ()
    s = evaluate(p, {"a_q": True}, CONTEXT)
    assert s.sections == ("a", "c", "d") and s.skipped == ("b",)
    assert s.next_section("a") == "c" and s.previous_section("c") == "a"
    # b is skipped, so its goto (which would skip c and d) no longer fires: {"section": "b"} is false
    s = evaluate(p, {"a_q": True, "b_q": True}, CONTEXT)
    assert s.sections == ("a", "c", "d")
    s = evaluate(p, {"b_q": True}, CONTEXT)
    assert s.sections == ("a", "b") and s.skipped == ("c", "d")
    assert s.next_section("b") is None and s.next_section() == "a"
    assert s.step("b") == (2, 2)


def test_first_goto_that_holds_wins() -> None:
    sections = goto_lowered([
        ("a", [("c", ref("a_q")), ("end", lit(True))], None),
        ("b", [], None),
        ("c", [], None),
    ])
    p = program(*sections)
    assert evaluate(p, {"a_q": True}, CONTEXT).sections == ("a", "c")
    assert evaluate(p, {"a_q": False}, CONTEXT).sections == ("a",)


def test_skipped_wins_over_hidden_and_answers_of_skipped_sections_are_null() -> None:
    sections = goto_lowered([
        ("a", [("c", ref("a_q"))], None),
        ("b", [], op("not", ref("a_q"))),
        ("c", [], op("==", ref("b_q"), lit(True))),
    ])
    p = program(*sections)
    s = evaluate(p, {"a_q": True, "b_q": True}, CONTEXT)
    assert s.skipped == ("b",) and s.hidden == ("c",)  # b_q is null because b is skipped


def test_computed_values() -> None:
    p = program(section(
        "a",
        q("gross", "money"), q("expenses", "money"),
        computed("net", op("-", ref("gross"), ref("expenses"))),
        computed("ratio", op("/", ref("gross"), ref("expenses"))),
        computed("big", op(">", ref("gross"), lit(100)), "boolean"),
        computed("label", op("+", lit("net: "), lit("x")), "string"),
        computed("wrong", op("+", lit("a"), lit("b")), "number"),
        computed("shown_later", ref("gross"), visible_when=op("answered", ref("expenses"))),
    ))
    s = evaluate(p, {"gross": 100.5, "expenses": 0}, CONTEXT)
    assert s.computed == {"net": 100.5, "ratio": None, "big": True, "label": "net: x", "wrong": None,
                          "shown_later": 100.5}
    s = evaluate(p, {"gross": 100.5}, CONTEXT)
    assert s.computed == {"net": None, "ratio": None, "big": True, "label": "net: x", "wrong": None}
    assert "shown_later" not in s.section_items("a")


def test_repeat_rows_fields_and_sum() -> None:
    p = program(section(
        "a",
        q("has", "yesno"),
        repeat("deps",
               q("name", "text", required=True),
               q("months", "integer"),
               q("why", "text", visible_when=op("<", {"field": "months"}, lit(6))),
               computed("half", op("/", {"field": "months"}, lit(2))),
               visible_when=ref("has")),
        computed("total", {"op": "sum", "args": [ref("deps"), lit("months")]}),
        computed("rows", op("count", ref("deps"))),
    ))
    answers = {"has": True, "deps": [{"name": "A", "months": 12}, {"name": "B", "months": 3, "why": "x"}, {}, 5]}
    s = evaluate(p, answers, CONTEXT)
    assert s.computed == {"total": 15, "rows": 4}
    assert s.rows["deps"][0] == {"items": ["name", "months", "half"], "computed": {"half": 6}}
    assert s.rows["deps"][1] == {"items": ["name", "months", "why", "half"], "computed": {"half": 1.5}}
    assert s.rows["deps"][2]["computed"] == {"half": None}
    s = evaluate(p, {**answers, "has": False}, CONTEXT)
    assert s.computed == {"total": 0, "rows": 0} and s.rows == {}


def test_hidden_row_field_is_left_out_of_sum() -> None:
    p = program(section("a", repeat("r", q("on", "yesno"), q("v", "number", visible_when={"field": "on"})),
                        computed("t", {"op": "sum", "args": [ref("r"), lit("v")]})))
    s = evaluate(p, {"r": [{"on": True, "v": 1.5}, {"on": False, "v": 100}, {"on": True, "v": "x"}]}, CONTEXT)
    assert s.computed == {"t": 1.5}


def test_required_if_and_progress() -> None:
    p = program(section(
        "a",
        q("a1", "text", required=True),
        q("a2", "yesno"),
        q("a3", "text", required=op("==", ref("a2"), lit(True))),
        q("a4", "multichoice", options=options("x"), required=True),
        repeat("r", q("f", "text", required=True), q("g", "text")),
    ))
    s = evaluate(p, {}, CONTEXT)
    assert s.required == ("a1", "a4")
    assert s.progress.to_json() == {"required_answered": 0, "required": 2, "answered": 0, "visible": 4, "percent": 0}
    s = evaluate(p, {"a1": "x", "a2": True, "a4": [], "r": [{"f": "y"}, {"g": "z"}]}, CONTEXT)
    assert s.required == ("a1", "a3", "a4")
    # required: a1, a3, a4, f (row 1), f (row 2); answered among them: a1, f (row 1)
    assert s.progress.to_json() == {"required_answered": 2, "required": 5, "answered": 4, "visible": 8, "percent": 40}


def test_wrongly_typed_answers_are_null_for_expressions() -> None:
    p = program(section(
        "a",
        q("n", "number"), q("i", "integer"), q("d", "date"), q("y", "yesno"), q("m", "multichoice", options=options("a")),
        computed("n1", op("+", ref("n"), lit(1))), computed("i1", op("+", ref("i"), lit(1))),
        computed("d_ok", op("answered", ref("d")), "boolean"), computed("y_ok", op("answered", ref("y")), "boolean"),
        computed("m_n", op("count", ref("m"))),
    ))
    bad = {"n": "5", "i": 1.5, "d": "2023-02-29", "y": 1, "m": ["a", 1]}
    assert evaluate(p, bad, CONTEXT).computed == {"n1": None, "i1": None, "d_ok": False, "y_ok": False, "m_n": 0}
    good = {"n": 1.0, "i": 2.0, "d": "2024-02-29", "y": False, "m": ["a"]}
    assert evaluate(p, good, CONTEXT).computed == {"n1": 2, "i1": 3, "d_ok": True, "y_ok": True, "m_n": 1}
    for value in (float("nan"), float("inf"), 2**53 + 1, True):
        assert evaluate(p, {"n": value}, CONTEXT).computed["n1"] is None


def test_context_defaults_and_non_dict_answers() -> None:
    p = program(section("a", q("x", "text", visible_when=op(">", {"ctx": ["year"]}, lit(2000)))))
    s = evaluate(p, None)
    assert s.section_items("a") == ("x",)
    assert s.context["today"] and isinstance(s.context["year"], int)
    assert evaluate(p, [1, 2], CONTEXT).sections == ("a",)


def test_to_json_shape() -> None:
    p = program(section("a", q("x", "text", required=True), computed("c", lit(1))))
    assert evaluate(p, {"x": "v"}, CONTEXT).to_json() == {
        "sections": ["a"], "skipped": [], "hidden": [], "items": {"a": ["x", "c"]}, "rows": {},
        "computed": {"c": 1}, "required": ["x"],
        "progress": {"required_answered": 1, "required": 1, "answered": 1, "visible": 1, "percent": 100},
    }


@pytest.mark.parametrize("bad,message", [
    (program(section("a", q("x", "text", visible_when=ref("y")), q("y", "yesno"))), "not an earlier answer"),
    (program(section("a", q("x", "text")), section("b", q("x", "text"))), "duplicate id"),
    (program(section("a", q("x", "texty"))), "unknown question type"),
    (program(section("a", repeat("r", repeat("inner", q("x", "text"))))), "repeat inside a repeat"),
    (program(section("a", q("x", "yesno")), section("b", visible_when={"section": "c"}), section("c")),
     "not an earlier section"),
    (program(section("a", repeat("r", q("x", "text", visible_when={"field": "y"}), q("y", "text")))),
     "not an earlier field"),
    (program(section("a", computed("c", {"op": "sum", "args": [ref("r"), lit("x")]}), repeat("r", q("x", "number")))),
     "not an earlier repeat"),
])
def test_malformed_programs_are_rejected(bad: Any, message: str) -> None:
    with pytest.raises(ProgramError, match=message):
        Evaluator(bad)


def test_row_fields_may_share_ids_with_top_level_questions() -> None:
    p = program(section("a", q("birth_date", "date"), repeat("deps", q("birth_date", "date"))))
    s = evaluate(p, {"birth_date": "2000-01-01", "deps": [{"birth_date": "2010-01-01"}]}, CONTEXT)
    assert s.rows["deps"][0]["items"] == ["birth_date"]


# --- random programs: incremental == full, and visibility depends only on earlier answers -----------


@st.composite
def conditions(draw: st.DrawFn, declared: list[tuple[str, str]], sections: list[str], depth: int = 0) -> dict[str, Any]:
    atoms: list[dict[str, Any]] = []
    for ident, qtype in declared:
        if qtype == "yesno":
            atoms.append(ref(ident))
        elif qtype == "choice":
            atoms.append(op("==", ref(ident), lit(draw(st.sampled_from(["a", "b", "c"])))))
            atoms.append(op("in", ref(ident), lit(["a", "b"])))
        elif qtype in ("number", "computed"):
            atoms.append(op(draw(st.sampled_from([">", "<=", "==", "!="])), ref(ident), lit(draw(st.integers(-2, 3)))))
        elif qtype == "multichoice":
            atoms.append(op("has", ref(ident), lit(draw(st.sampled_from(["a", "b"])))))
        elif qtype == "repeat":
            atoms.append(op(">", op("count", ref(ident)), lit(1)))
        atoms.append(op("answered", ref(ident)))
    atoms.extend({"section": s} for s in sections)
    if not atoms:
        return lit(draw(st.booleans()))
    atom = draw(st.sampled_from(atoms))
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        other = draw(conditions(declared, sections, depth + 1))
        return op(draw(st.sampled_from(["and", "or"])), atom, other) if draw(st.booleans()) else op("not", atom)
    return atom


QTYPES = ["yesno", "choice", "number", "multichoice", "text"]


@st.composite
def random_programs(draw: st.DrawFn) -> Any:
    declared: list[tuple[str, str]] = []
    names = (f"q{i}" for i in itertools.count())
    section_ids = [f"s{i}" for i in range(draw(st.integers(1, 4)))]
    plan = []
    for position, sid in enumerate(section_ids):
        when = draw(conditions(declared, section_ids[:position])) if declared and draw(st.booleans()) else None
        items: list[Any] = []
        for _ in range(draw(st.integers(1, 5))):
            items.append(draw(random_item(declared, section_ids[:position + 1], names)))
        gotos = []
        if position + 1 < len(section_ids) and declared and draw(st.booleans()):
            target = draw(st.sampled_from(section_ids[position + 1:] + ["end"]))
            gotos.append((target, draw(conditions(declared, []))))
        plan.append((sid, when, tuple(items), gotos))
    lowered = goto_lowered([(sid, gotos, when) for sid, when, _, gotos in plan])
    sections = [section(sid, *items, visible_when=lowered[i].visible_when, skipped_when=lowered[i].skipped_when)
                for i, (sid, when, items, gotos) in enumerate(plan)]
    return program(*sections), declared


@st.composite
def random_item(draw: st.DrawFn, declared: list[tuple[str, str]], sections: list[str], names: Any) -> Any:
    kind = draw(st.sampled_from(["question"] * 6 + ["computed", "group", "repeat", "note"]))
    when = draw(conditions(declared, sections)) if declared and draw(st.booleans()) else None
    if kind == "note":
        return note("n", visible_when=when)
    if kind == "computed":
        numbers = [i for i, t in declared if t in ("number", "computed")]
        expr = op("+", ref(draw(st.sampled_from(numbers))), lit(1)) if numbers else lit(draw(st.integers(0, 3)))
        ident = next(names)
        item = computed(ident, expr, visible_when=when)
        declared.append((ident, "computed"))
        return item
    if kind == "group":
        children = [draw(random_question(declared, sections, names)) for _ in range(draw(st.integers(1, 2)))]
        return group(next(names), *children, visible_when=when)
    if kind == "repeat":
        field_cond = op("==", {"field": "on"}, lit(True))
        outer = draw(conditions(declared, sections)) if declared and draw(st.booleans()) else None
        ident = next(names)
        item = repeat(ident, q("on", "yesno"), q("v", "number", visible_when=field_cond, required=outer or True),
                      computed("w", op("*", {"field": "v"}, lit(2))), visible_when=when)
        declared.append((ident, "repeat"))
        return item
    return draw(random_question(declared, sections, names, when))


@st.composite
def random_question(draw: st.DrawFn, declared: list[tuple[str, str]], sections: list[str], names: Any,
                    when: Any = None) -> Any:
    qtype = draw(st.sampled_from(QTYPES))
    ident = next(names)
    required: Any = draw(st.booleans())
    if declared and draw(st.booleans()):
        required = draw(conditions(declared, sections))
    item = q(ident, qtype, visible_when=when, required=required,
             options=options("a", "b", "c") if qtype in ("choice", "multichoice") else ())
    declared.append((ident, qtype))
    return item


def answer_for(qtype: str) -> st.SearchStrategy[Any]:
    wrong = st.sampled_from([None, "zz", 7, True, [1], {"a": 1}])
    right = {
        "yesno": st.booleans(),
        "choice": st.sampled_from(["a", "b", "c"]),
        "number": st.integers(-3, 4) | st.sampled_from([0.5, -0.0, 2.0]),
        "multichoice": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
        "text": st.sampled_from(["", "x"]),
        "computed": st.integers(0, 3),
        "repeat": st.lists(st.fixed_dictionaries({}, optional={"on": st.booleans(), "v": st.integers(-2, 3)}),
                           max_size=3),
    }[qtype]
    return st.one_of(right, right, wrong)


@st.composite
def answers_for(draw: st.DrawFn, declared: list[tuple[str, str]]) -> dict[str, Any]:
    result = {}
    for ident, qtype in declared:
        if draw(st.booleans()):
            result[ident] = draw(answer_for(qtype))
    return result


@settings(deadline=None)
@given(st.data())
def test_incremental_update_equals_full_evaluation(data: st.DataObject) -> None:
    p, declared = data.draw(random_programs())
    evaluator = Evaluator(p)
    answers = data.draw(answers_for(declared))
    state = evaluator.evaluate(answers, CONTEXT)
    assert state == evaluator.evaluate(dict(answers), CONTEXT)
    for _ in range(data.draw(st.integers(1, 6))):
        if not declared:
            break
        ident, qtype = data.draw(st.sampled_from(declared))
        answers = dict(answers)
        if data.draw(st.integers(0, 4)) == 0:
            answers.pop(ident, None)
        else:
            answers[ident] = data.draw(answer_for(qtype))
        state = evaluator.update(state, ident, answers, CONTEXT)
        full = evaluator.evaluate(answers, CONTEXT)
        assert state == full
        assert state.to_json() == full.to_json()


@settings(deadline=None)
@given(st.data())
def test_visibility_depends_only_on_earlier_answers(data: st.DataObject) -> None:
    """RELIABILITY P10: changing answer k never changes the visibility of any item at or before k."""
    p, declared = data.draw(random_programs())
    if not declared:
        return
    evaluator = Evaluator(p)
    answers = data.draw(answers_for(declared))
    before = evaluator.evaluate(answers, CONTEXT)
    ident, qtype = data.draw(st.sampled_from(declared))
    after = evaluator.evaluate({**answers, ident: data.draw(answer_for(qtype))}, CONTEXT)
    k = evaluator.by_id[ident]
    assert before.vis[:k + 1] == after.vis[:k + 1]


def test_update_falls_back_to_full_evaluation_on_a_new_context() -> None:
    p = program(section("a", q("x", "text", visible_when=op(">", {"ctx": ["year"]}, lit(2024)))))
    evaluator = Evaluator(p)
    state = evaluator.evaluate({}, CONTEXT)
    assert state.section_items("a") == ()
    state = evaluator.update(state, "x", {"x": "1"}, {**CONTEXT, "year": 2025})
    assert state.section_items("a") == ("x",)
    assert evaluator.update(state, "unknown", {"x": "1", "unknown": 1}, {**CONTEXT, "year": 2025}) == state


def test_checks_are_ignored_by_evaluation() -> None:
    p = program(section("a", q("n", "integer", checks=Checks(minimum=10)), computed("c", op("+", ref("n"), lit(1)))))
    assert evaluate(p, {"n": 3}, CONTEXT).computed == {"c": 4}  # out-of-bounds values still count
