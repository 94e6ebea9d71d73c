"""The rules JSON Schema cannot state, listed for `organizer.json`'s `runtime_only`.

Input is a lowered `Program`; output the `RuntimeRule`s, in document order, with the problem
code the runtime reports for each. Value rules apply to drafts and submissions alike; presence
rules (`hidden`, `required`) only to submissions.
"""

from __future__ import annotations

from organizer.runtime.program import Computed, Program, Question, Repeat, RuntimeRule

from .presence import AnswerPlan, ProgramPlan, plan_program, walk

# The runtime's problem codes for these rules (docs/ir.md, "runtime_only").
DECIMALS = "decimals"
MIN_DATE = "date-min"
MAX_DATE = "date-max"
COMPUTED = "computed-mismatch"
HIDDEN = "hidden-answer"
REQUIRED = "required"
MIN_ROWS = "min-rows"  # how the runtime reports a shown repeat without its `min` rows
VALUE_CODES = frozenset({DECIMALS, MIN_DATE, MAX_DATE, COMPUTED})


def runtime_rules(program: Program, plan: ProgramPlan | None = None) -> tuple[RuntimeRule, ...]:
    rules: list[RuntimeRule] = []
    for answer in walk(plan or plan_program(program)):
        rules.extend(_value_rules(answer))
        rules.extend(_presence_rules(answer))
    return tuple(rules)


def _value_rules(answer: AnswerPlan) -> list[RuntimeRule]:
    item, pointer = answer.item, answer.pointer
    found: list[RuntimeRule] = []
    if isinstance(item, Computed):
        found.append(RuntimeRule(pointer=pointer, code=COMPUTED,
                                 reason="when present, the value must equal the computed value"))
    if not isinstance(item, Question):
        return found
    checks = item.checks
    if item.type == "money" and checks.decimals:
        found.append(RuntimeRule(pointer=pointer, code=DECIMALS,
                                 reason=f"at most {checks.decimals} decimals (a fractional multipleOf is not "
                                        "portable across validators)"))
    for code, bound, word in ((MIN_DATE, checks.min_date, "on or after"), (MAX_DATE, checks.max_date, "on or before")):
        if bound is not None:
            found.append(RuntimeRule(pointer=pointer, code=code, reason=f"the date must be {word} {bound}"))
    return found


def _presence_rules(answer: AnswerPlan) -> list[RuntimeRule]:
    found: list[RuntimeRule] = []
    if not answer.visible_exact:
        found.append(RuntimeRule(pointer=answer.pointer, code=HIDDEN,
                                 reason="must be absent while hidden; when it is shown depends on a condition "
                                        "JSON Schema cannot state"))
    if answer.required != "never" and not answer.requires_exactly:
        code = MIN_ROWS if isinstance(answer.item, Repeat) else REQUIRED
        found.append(RuntimeRule(pointer=answer.pointer, code=code,
                                 reason="required while shown; when it is shown or required depends on a "
                                        "condition JSON Schema cannot state"))
    return found
