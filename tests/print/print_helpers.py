"""What the print tests share: the standard library's templates and preview context (from
tests/stdlib), the answer files, and the canary planting of RELIABILITY E3."""

from __future__ import annotations

import json
import random
from typing import Any

from compiler_answers import _answers_of
from test_stdlib import ANSWERS, TEMPLATES, context, template

from organizer.runtime.program import Computed, Question
from organizer.runtime.state import Node, State
from organizer.runtime.template import Template

__all__ = ["ANSWERS", "TEMPLATES", "CANARY_NUMBER", "answers_file", "context", "every_answer", "leaks",
           "plant_canaries", "template"]

#: Far outside the generated answers' range (±10^6), so it can only be on the page if it leaked.
CANARY_NUMBER = 8675309
CANARY_NUMBER_FORMS = ("8675309", "8,675,309", "8.675.309")


def answers_file(template_id: str, name: str = "complete.json") -> dict[str, Any]:
    return json.loads((ANSWERS / template_id / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def every_answer(program_template: Template, rng: random.Random) -> dict[str, Any]:
    """An answer for every question, shown or not (the submission filter is not applied)."""
    answers: dict[str, Any] = {}
    for section in program_template.program.sections:
        answers.update(_answers_of(rng, section.items))
    return answers


def _canary_value(item: Question | Computed, canary: str) -> Any:
    kind = item.type if isinstance(item, Question) else "computed"
    if kind in ("number", "integer", "money"):
        return CANARY_NUMBER
    if kind == "multichoice":
        return [canary]
    if kind == "file":
        return [{"name": f"{canary}.pdf", "size": CANARY_NUMBER, "media_type": "application/pdf", "sha256": "ab" * 32}]
    return canary


def _fields(repeat: Node) -> list[Node]:
    assert repeat.row is not None
    return [n for n in repeat.row.nodes if n.kind in ("question", "computed")]


def plant_canaries(program_template: Template, state: State, answers: dict[str, Any], canary: str) -> int:
    """Put the canary (or CANARY_NUMBER) into every hidden or skipped question, computed value,
    hidden repeat and hidden row field of `answers`; returns how many were planted. Hidden values
    are null to every expression, so the state stays the same."""
    planted = 0
    for node in program_template.evaluator.nodes:
        if node.kind in ("question", "computed") and not state.vis[node.index]:
            answers[node.id] = _canary_value(node.item, canary)
            planted += 1
        elif node.kind == "repeat" and not state.vis[node.index]:
            answers[node.id] = [{n.id: _canary_value(n.item, canary) for n in _fields(node)}]
            planted += len(_fields(node))
        elif node.kind == "repeat":
            rows = answers.get(node.id) or []
            for row, evaluated in zip(rows, state.val[node.index] or ()):
                for field in _fields(node):
                    if not evaluated.vis[field.index]:
                        row[field.id] = _canary_value(field.item, canary)
                        planted += 1
    return planted


def leaks(html: str, canary: str) -> list[str]:
    """The canary forms found in `html`."""
    return [form for form in (canary, *CANARY_NUMBER_FORMS) if form in html]
