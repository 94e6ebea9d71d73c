"""Answer sets for a compiled program: plausible ones drawn from each question's domain (with
near misses mixed in), and the verdict comparison between the JSON Schemas and the runtime.

Deterministic for a seed (`random.Random`), so a failure names the seed that shows it.
"""

from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from organizer.runtime.program import Group, Item, Program, Question, Repeat, RuntimeRule
from organizer.runtime.template import Template

_WORDS = ["Jane", "Doe", "Acme LLC", "x", "", "  ", "a" * 40, "caf\u00e9", "\U0001f600", "line\nbreak", "12345",
          "12345\n", "AB123456"]
_EMAILS = ["jane@example.com", "a.b+c@sub.example.org", "not-an-email", "jane@example", "", "jane@example.com\n"]
_PHONES = ["+1 555 010 2030", "555-0102", "(555) 010 2030", "12", "call me", "+31 20 123 4567\n"]
_DATES = ["2024-01-31", "2024-02-29", "2023-02-29", "1999-12-31", "2100-02-29", "2000-02-29", "2024-13-01",
          "2024-1-1", "", "2024-01-31\n", "0000-01-01", "9999-12-31"]
_NAMES = ["w2.pdf", "W2.PDF", "scan.jpg", "photo.png", "notes.txt", ".pdf", "noext", "a.b.pdf"]
_CONTEXT = {"today": "2026-06-15", "year": 2026, "client": {"first_name": "Jane", "email": "jane@example.com"}}
_EMPTY = {"text": "", "textarea": "", "email": "", "phone": "", "date": "", "choice": "", "multichoice": [], "file": []}


def empty_value(q: Question) -> Any:
    """What a form sends for a cleared field: `""` or `[]` (no answer); `None` for types without one."""
    return copy.copy(_EMPTY.get(q.type))


_PATTERN_SAMPLES = ["12345", "12345-6789", "123456", "12345678", "123456789", "123-45-6789", "12-3456789",
                    "1234567", "AB12CDEF34567890123", "1HGCM82633A004352", "1234 AB", "abc12", "Ab12Cd", "x"]


def _number(rng: random.Random, q: Question, valid: bool) -> Any:
    low = q.checks.minimum if q.checks.minimum is not None else min(-1000, q.checks.maximum or 0)
    high = q.checks.maximum if q.checks.maximum is not None else max(100000, low)
    if valid:
        places = 0 if q.type == "integer" else (q.checks.decimals if q.checks.decimals is not None else 3)
        a, b = max(low, -10**6), min(high, 10**6)
        value = round(rng.uniform(min(a, b), max(a, b)), rng.randint(0, places))
        value = min(max(value, low), high)
        return int(value) if q.type == "integer" or value == int(value) and rng.random() < 0.5 else value
    return rng.choice([low - 1, high + 1, low - 0.01, high + 0.01, 2**53 + 1, -(2**53) - 1, 19.999, 0.001, 1.5,
                       "12", True, None])


def _text(rng: random.Random, q: Question, valid: bool) -> Any:
    low = q.checks.min_length or 0
    high = q.checks.max_length if q.checks.max_length is not None else low + 40
    if valid and q.checks.pattern is not None:
        fitting = [s for s in _PATTERN_SAMPLES if re.search(q.checks.pattern, s) and low <= len(s) <= high]
        return rng.choice(fitting) if fitting else None
    if valid:
        return "".join(rng.choice("abc XYZ\u00e9\U0001f600-") for _ in range(rng.randint(max(low, 1), min(high, low + 20))))
    return rng.choice(_WORDS + ["a" * (high + 1), "a" * max(low - 1, 0), "ok\x00", "\ud800x", 7, None])


def _file(rng: random.Random, q: Question, valid: bool) -> dict[str, Any]:
    accept = q.checks.accept or ("pdf",)
    name = f"doc{rng.randint(1, 9)}.{rng.choice(accept)}"
    item = {"name": name.upper() if rng.random() < 0.2 else name,
            "size": rng.randint(0, min(q.checks.max_size or 10**7, 10**7)),
            "media_type": rng.choice(["application/pdf", "image/jpeg"]), "sha256": "ab" * 32}
    if valid:
        return item
    broken = rng.choice(["sha256", "size", "name", "extra", "upper"])
    if broken == "sha256":
        del item["sha256"]
    elif broken == "size":
        item["size"] = rng.choice([-1, (q.checks.max_size or 2**53) + 1, 1.5])
    elif broken == "name":
        item["name"] = rng.choice(_NAMES)
    elif broken == "extra":
        item["extra"] = 1
    else:
        item["sha256"] = "AB" * 32
    return item


def _count(rng: random.Random, low: int | None, high: int | None, required: bool, limit: int) -> int:
    low = max(low or 0, 1 if required else 0)
    return rng.randint(low, max(low, min(high or limit, limit)))


def question_value(rng: random.Random, q: Question, valid: bool = True) -> Any:
    """A value for `q`: valid for its own checks, or (`valid=False`) likely not."""
    ids = [o.id for o in q.options]
    required = q.required is not False
    match q.type:
        case "text" | "textarea":
            return _text(rng, q, valid)
        case "email":
            return rng.choice(_EMAILS[:2] if valid else _EMAILS[2:])
        case "phone":
            return rng.choice(_PHONES[:3] if valid else _PHONES[3:])
        case "date":
            if not valid:
                return rng.choice(_DATES[2:3] + _DATES[6:])
            low = q.checks.min_date.replace("today", _CONTEXT["today"]) if q.checks.min_date else "1900-01-01"
            high = q.checks.max_date.replace("today", _CONTEXT["today"]) if q.checks.max_date else "2100-12-31"
            fitting = [d for d in _DATES[:6] + [_CONTEXT["today"]] if d != "2023-02-29" and low <= d <= high
                       and d != "2100-02-29"]
            return rng.choice(fitting) if fitting else low
        case "number" | "integer" | "money":
            return _number(rng, q, valid)
        case "yesno":
            return rng.random() < 0.5 if valid else rng.choice([0, 1, "yes", None])
        case "choice":
            return rng.choice(ids) if valid else rng.choice(["bogus", "", 1])
        case "multichoice":
            if not valid:
                return rng.choice([["bogus"], ids[:1] * 2, "x", [1], ids])
            return rng.sample(ids, _count(rng, q.checks.min_items, q.checks.max_items, required, len(ids)))
        case "file":
            count = _count(rng, q.checks.min_items, q.checks.max_items, required, 3)
            files = [_file(rng, q, True) for _ in range(count)]
            if not valid:
                files.append(_file(rng, q, False))
            return files
    raise AssertionError(q.type)


def _answers_of(rng: random.Random, items: tuple[Item, ...]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in items:
        if isinstance(item, Group):
            answers.update(_answers_of(rng, item.items))
        elif isinstance(item, Question):
            if item.required is False and item.type in _EMPTY and rng.random() < 0.1:
                answers[item.id] = empty_value(item)  # an optional question left empty: valid
            elif item.required is not False or rng.random() < 0.7:
                value = question_value(rng, item)
                if value is not None:
                    answers[item.id] = value
        elif isinstance(item, Repeat):
            if item.min_rows or rng.random() < 0.7:
                count = _count(rng, item.min_rows, item.max_rows, False, 3)
                answers[item.id] = [_answers_of(rng, item.items) for _ in range(count)]
    return answers


def random_answers(template: Template, rng: random.Random) -> dict[str, Any]:
    """Valid by construction, mostly: every question answered from its domain, then only what the
    runtime shows kept (`submission`), and shown computed values filled in from the evaluation."""
    answers: dict[str, Any] = {}
    for section in template.program.sections:
        answers.update(_answers_of(rng, section.items))
    answers = template.submission(answers, _CONTEXT)
    if rng.random() < 0.5:
        for key, value in template.evaluate(answers, _CONTEXT).computed.items():
            if value is not None:
                answers[key] = value
    return answers


def mutate(answers: dict[str, Any], template: Template, rng: random.Random) -> dict[str, Any]:
    """One near miss: a key dropped, an unknown or hidden key added, a value of a question
    replaced (valid or not, or emptied: `""`, `[]`), or a repeat row changed."""
    result = copy.deepcopy(answers)
    roll = rng.random()
    keys = list(result)
    questions = _all_questions(template.program)
    if roll < 0.25 and keys:
        del result[rng.choice(keys)]
    elif roll < 0.3:
        result[rng.choice(["unknown_key", "__proto__"])] = 1
    elif roll < 0.4:
        rows = [k for k, v in result.items() if isinstance(v, list) and v and isinstance(v[0], dict)
                and "sha256" not in v[0]]
        if rows:
            row = rng.choice(result[rng.choice(rows)])
            if row and rng.random() < 0.5:
                del row[rng.choice(list(row))]
            else:
                row[rng.choice(list(row) or ["x"])] = rng.choice([None, "", 5, "x", True])
    elif roll < 0.5 and questions:
        q = rng.choice(questions)  # shown or hidden, required or not
        result[q.id] = rng.choice(["", []]) if rng.random() < 0.2 else empty_value(q)
        if result[q.id] is None:
            del result[q.id]
    elif questions:
        q = rng.choice(questions)
        result[q.id] = question_value(rng, q, valid=rng.random() < 0.5)
        if result[q.id] is None:
            del result[q.id]
    return result


def _all_questions(program: Program) -> list[Question]:
    found: list[Question] = []

    def walk(items: tuple[Item, ...]) -> None:
        for item in items:
            if isinstance(item, Question):
                found.append(item)
            elif isinstance(item, Group):
                walk(item.items)

    for section in program.sections:
        walk(section.items)
    return found


# --- verdicts ----------------------------------------------------------------------------------


def _rule_matches(rule: RuntimeRule, pointer: str, code: str) -> bool:
    """The problem at `pointer` is the rule's (the rule's `*` stands for any row number; a problem
    inside the rule's subtree counts)."""
    pattern = "^" + re.escape(rule.pointer).replace(re.escape("*"), "[0-9]+") + "(?:/.*)?$"
    return rule.code == code and re.match(pattern, pointer) is not None


@dataclass(frozen=True)
class Verdict:
    schema_valid: bool
    runtime_problems: tuple[tuple[str, str], ...]

    @property
    def runtime_valid(self) -> bool:
        return not self.runtime_problems


def verdict(template: Template, validator: Draft202012Validator, answers: Any, draft: bool) -> Verdict:
    problems = template.validate(answers, draft=draft, context=_CONTEXT)
    return Verdict(validator.is_valid(answers), tuple((p.pointer, p.code) for p in problems))


def disagreement(program: Program, v: Verdict, draft: bool) -> str | None:
    """Why the two verdicts break RELIABILITY 3.2 (2 and 3), or None when they agree."""
    if v.schema_valid == v.runtime_valid:
        return None
    if not v.schema_valid:
        return "the schema rejects what the runtime accepts"
    rules = [r for r in program.runtime_only if not draft or r.code in ("decimals", "date-min", "date-max")]
    unexplained = [p for p in v.runtime_problems if not any(_rule_matches(r, p[0], p[1]) for r in rules)]
    if unexplained:
        return f"the schema accepts; runtime problems outside runtime_only: {unexplained}"
    return None
