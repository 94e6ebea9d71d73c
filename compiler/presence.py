"""Presence analysis: for every answer of a program, when it must be absent and when required.

Input is a lowered `Program`; output is one `SectionPlan` per section with an `AnswerPlan` per
answer (questions, computed values, repeats, and each repeat's fields). Each condition is split
into its `and` operands; the operands JSON Schema can state are kept as predicates, the others
make the rule runtime-only. Absence is sound with any subset of the operands (an answer is hidden
when any one of them fails); requiring needs all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from organizer.runtime.program import Computed, Expr, Group, Item, Program, Question, Repeat, Section

from .predicates import Answer, Predicate, Scope, all_of, conjuncts, section_ref, translate


@dataclass(frozen=True, slots=True)
class Split:
    """A condition's `and` operands: translated where the item lives (`local`), translated over the
    answers object (`outer`, for repeat fields that test top-level answers), and whether every
    operand was translated."""

    local: tuple[Predicate, ...] = ()
    outer: tuple[Predicate, ...] = ()
    exact: bool = True


@dataclass(frozen=True, slots=True)
class AnswerPlan:
    item: Answer
    pointer: str                      # `/id`, or `/repeat/*/field` for every row
    visible: Split
    required: Literal["never", "always", "if"]
    required_if: Split                # the `required if` condition, when `required == "if"`
    rows: RowsPlan | None = None      # for a repeat: its fields

    @property
    def visible_exact(self) -> bool:
        return self.visible.exact

    @property
    def requires_exactly(self) -> bool:
        """The schema can state when this answer is required."""
        return self.required != "never" and self.visible.exact and self.required_if.exact


@dataclass(frozen=True, slots=True)
class RowsPlan:
    repeat: Repeat
    fields: tuple[AnswerPlan, ...]
    scope: Scope


@dataclass(frozen=True, slots=True)
class SectionPlan:
    section: Section
    visible: Split                    # visible_when and not skipped_when
    answers: tuple[AnswerPlan, ...]


@dataclass(frozen=True, slots=True)
class ProgramPlan:
    sections: tuple[SectionPlan, ...]
    scope: Scope                      # the answers object, with exact section predicates
    defs: dict[str, Predicate]        # `section_<id>` -> predicate, for sections with a condition


def answer_items(items: tuple[Item, ...]) -> list[Answer]:
    """The answers among items, groups flattened, in document order (repeat fields excluded)."""
    found: list[Answer] = []
    for item in items:
        if isinstance(item, Group):
            found.extend(answer_items(item.items))
        elif isinstance(item, (Question, Computed, Repeat)):
            found.append(item)
    return found


#: The sections last planned and their plan: lowering (for `runtime_only`) and both schemas plan
#: the same sections, so each build plans them once. (Plans are read-only once made.)
_last_plan: tuple[tuple[Section, ...], ProgramPlan] | None = None


def plan_program(program: Program) -> ProgramPlan:
    """The presence plan of a program's sections (remembered for the sections planned last)."""
    global _last_plan
    last = _last_plan
    if last is not None and last[0] is program.sections:
        return last[1]
    plan = _plan_sections(program.sections)
    _last_plan = (program.sections, plan)
    return plan


def _plan_sections(program_sections: tuple[Section, ...]) -> ProgramPlan:
    names = {a.id: a for s in program_sections for a in answer_items(s.items)}
    sections: dict[str, Predicate | None] = {}
    scope = Scope(names, "ref", sections)  # `sections` and `computed` fill in as planning goes
    defs: dict[str, Predicate] = {}
    plans = []
    for section in program_sections:
        condition = [*conjuncts(section.visible_when), *_not_each(section.skipped_when)]
        visible = split(condition, scope)
        predicate = all_of(list(visible.local))
        if not visible.exact:
            sections[section.id] = None
        elif isinstance(predicate, bool):
            sections[section.id] = predicate
        else:
            # `type` beside the keywords, for Ajv's strictTypes (a `$ref` target stands alone).
            defs[f"section_{section.id}"] = {"type": "object", **predicate} if "type" not in predicate else {
                "type": "object", "allOf": [predicate]}
            sections[section.id] = section_ref(section.id)
        answers = tuple(_plan_answers(answer_items(section.items), "", scope, None, sections[section.id]))
        plans.append(SectionPlan(section, visible, answers))
    return ProgramPlan(tuple(plans), scope, defs)


def _plan_answers(items: list[Answer], prefix: str, scope: Scope, outer: Scope | None,
                  container: Predicate | None) -> list[AnswerPlan]:
    """Plans of the answers of one object, in order; each boolean computed value is registered in
    `scope` once planned, so later conditions can use it (`container` is when the section shows)."""
    plans = []
    for item in items:
        plan = _plan_answer(item, f"{prefix}/{item.id}", scope, outer, container is not None)
        plans.append(plan)
        if isinstance(item, Computed) and item.value_type == "boolean":
            parts = [container, *(translate(c, scope) for c in conjuncts(item.visible_when)), translate(item.expr, scope)]
            scope.computed[item.id] = None if any(p is None for p in parts) else all_of(parts)  # type: ignore[arg-type]
    return plans


def _not_each(expr: Expr | None) -> list[Expr]:
    """`not (a or b)` as the operands `not a`, `not b` (so each skip term is judged alone)."""
    if expr is None:
        return []
    return conjuncts({"op": "not", "args": [expr]})


def split(condition: list[Expr], local: Scope, outer: Scope | None = None) -> Split:
    here: list[Predicate] = []
    there: list[Predicate] = []
    exact = True
    for operand in condition:
        predicate = translate(operand, local)
        if predicate is not None:
            here.append(predicate)
            continue
        predicate = translate(operand, outer) if outer is not None else None
        if predicate is not None:
            there.append(predicate)
        else:
            exact = False
    return Split(tuple(p for p in here if p is not True), tuple(p for p in there if p is not True), exact)


def _plan_answer(item: Answer, pointer: str, scope: Scope, outer: Scope | None, context_exact: bool) -> AnswerPlan:
    """Absence and requiredness of one answer; `context_exact`: its container's visibility is stated."""
    visible = split(conjuncts(item.visible_when), scope, outer)
    if not context_exact:
        visible = Split(visible.local, visible.outer, False)
    required: Literal["never", "always", "if"] = "never"
    required_if = Split()
    if isinstance(item, Question) and item.required is True:
        required = "always"
    elif isinstance(item, Question) and isinstance(item.required, dict):
        required, required_if = "if", split(conjuncts(item.required), scope, outer)
    elif isinstance(item, Repeat) and (item.min_rows or 0) >= 1:
        required = "always"
    rows = None
    if isinstance(item, Repeat):
        fields = {f.id: f for f in answer_items(item.items)}
        row_scope = Scope(fields, "field")
        # A row exists only while its repeat is present, which in a valid submission means shown,
        # so the repeat's own visibility does not make its fields' rules inexact.
        plans = tuple(_plan_answers(list(fields.values()), f"{pointer}/*", row_scope, scope, True))
        rows = RowsPlan(item, plans, row_scope)
    return AnswerPlan(item, pointer, visible, required, required_if, rows)


def walk(plan: ProgramPlan) -> list[AnswerPlan]:
    """Every answer plan in document order, each repeat followed by its fields."""
    found: list[AnswerPlan] = []
    for section in plan.sections:
        for answer in section.answers:
            found.append(answer)
            if answer.rows is not None:
                found.extend(answer.rows.fields)
    return found
