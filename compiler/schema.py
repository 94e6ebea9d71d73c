"""Emitter: a `Program` -> JSON Schema 2020-12 of a submission (`schema.json`) and of a draft.

Shape (docs/schema.md): the root lists every answer id in `properties` (as `true`) with
`additionalProperties: false`; its `allOf` holds one entry per section with that section's value
schemas and its presence rules, and `$defs` holds each conditional section's visibility, which
later sections' skip rules `$ref`. Long lists are cut into nested `allOf` chunks of at most
CHUNK entries, so no validator builds deeply nested code (Ajv overflows its stack on ~2,000
sibling properties with subschemas).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from organizer.runtime.program import Computed, Program, Question, Repeat, RuntimeRule

from .predicates import Predicate, all_of, has_value, section_ref
from .presence import AnswerPlan, ProgramPlan, RowsPlan, SectionPlan, plan_program
from .runtime_only import VALUE_CODES
from .values import Schema, computed_schema, non_empty, question_schema, rows_schema

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CHUNK = 32


def submission_schema(program: Program) -> Schema:
    """A submission: shown answers typed and checked, required ones present, hidden ones absent."""
    return _Emitter(program, draft=False).root()


def draft_schema(program: Program) -> Schema:
    """A draft (autosave): any subset of the answers, hidden ones included, each typed and checked."""
    return _Emitter(program, draft=True).root()


def plain_text(parts: list[Any]) -> str:
    """TextParts as the author wrote them, shortcodes included (`<<year + 1>>`, `<<x | y>>`)."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part.replace("<<", "\\<<"))
            continue
        code = ".".join(part["path"])
        if part["offset"]:
            code += f" {'+' if part['offset'] > 0 else '-'} {abs(part['offset'])}"
        if part["fallback"] is not None:
            code += f" | {part['fallback']}"
        out.append(f"<<{code}>>")
    return "".join(out)


# --- chunking ---------------------------------------------------------------------------------


def chunked(entries: list[Schema]) -> list[Schema]:
    """`entries` as a tree of `allOf` lists of at most CHUNK entries each (same meaning)."""
    while len(entries) > CHUNK:
        groups = [entries[i:i + CHUNK] for i in range(0, len(entries), CHUNK)]
        entries = [g[0] if len(g) == 1 else {"allOf": g} for g in groups]
    return entries


def conjoin(entries: list[Schema]) -> Schema:
    """One schema requiring every entry."""
    if len(entries) == 1:
        return entries[0]
    return {"allOf": chunked(entries)} if entries else {}


def properties(values: dict[str, Any]) -> list[Schema]:
    """`properties` entries of at most CHUNK names each."""
    pairs = list(values.items())
    return [{"properties": dict(pairs[i:i + CHUNK])} for i in range(0, len(pairs), CHUNK)]


def absent(names: list[str]) -> Schema:
    return conjoin(properties({name: False for name in names}))


def _guarded(condition: Predicate, then: Schema | None, otherwise: Schema | None) -> Schema | None:
    """`if`/`then`/`else`, simplified for constant conditions; None when it asks nothing."""
    if condition is True:
        return then
    if condition is False:
        return otherwise
    rule: Schema = {"if": condition}
    if then:
        rule["then"] = then
    if otherwise:
        rule["else"] = otherwise
    return rule if len(rule) > 1 else None


def _rows(repeat: str, row_rule: Schema) -> Schema:
    """Apply `row_rule` to every row of `repeat` (when it is present)."""
    return {"properties": {repeat: {"type": "array", "items": {"type": "object", **row_rule}}}}


# --- the emitter ------------------------------------------------------------------------------


class _Emitter:
    def __init__(self, program: Program, draft: bool) -> None:
        self.program = program
        self.draft = draft
        self.plan: ProgramPlan = plan_program(program)
        self.notes: dict[str, list[RuntimeRule]] = defaultdict(list)
        for rule in program.runtime_only:
            if not draft or rule.code in VALUE_CODES:
                self.notes[rule.pointer].append(rule)

    def root(self) -> Schema:
        kind = "draft (autosave)" if self.draft else "submission"
        schema: Schema = {
            "$schema": SCHEMA_DIALECT,
            "title": plain_text(self.program.title),
            "$comment": f"organizer {self.program.id}: JSON Schema of a {kind}. Rules listed in organizer.json's "
                        "`runtime_only` (and noted in `$comment`s here) are enforced by the runtime only.",
            "type": "object",
            "properties": {a.item.id: True for s in self.plan.sections for a in s.answers},
            "additionalProperties": False,
        }
        entries = [e for e in (self._section(s) for s in self.plan.sections) if e is not None]
        if entries:
            schema["allOf"] = chunked(entries)
        if self.plan.defs and not self.draft:
            schema["$defs"] = dict(self.plan.defs)
        return schema

    # --- sections ---------------------------------------------------------------------------

    def _section(self, plan: SectionPlan) -> Schema | None:
        if not plan.answers:
            return None
        values = {a.item.id: self._value(a) for a in plan.answers}
        entry: Schema = {"$comment": f"section {plan.section.id}"}
        parts = properties(values)
        if not self.draft:
            rules = self._rules(plan.answers)
            condition: Predicate = all_of(list(plan.visible.local))
            if plan.visible.exact and not isinstance(condition, bool):
                condition = section_ref(plan.section.id)
            gate = _guarded(condition, conjoin(rules) if rules else None, absent([a.item.id for a in plan.answers]))
            if gate is not None and set(gate) <= {"if", "then", "else"}:
                entry.update(gate)
            elif gate is not None:
                parts.append(gate)
        if len(parts) == 1:
            entry.update(parts[0])
        else:
            entry["allOf"] = chunked(parts)
        return entry

    def _rules(self, answers: tuple[AnswerPlan, ...], repeat: str | None = None) -> list[Schema]:
        """Presence rules of answers in one object: always-required names merged, then the rest."""
        always: dict[str, Predicate] = {}
        rules: list[Schema] = []
        for answer in answers:
            if self._plain_required(answer):
                always[answer.item.id] = non_empty(answer.item)
            else:
                rules.extend(self._local(answer))
            if answer.rows is not None:
                rules.extend(r for f in answer.rows.fields for r in self._outer(answer.item.id, f))
        pairs = list(always.items())
        merged = [{"required": [n for n, _ in pairs[i:i + CHUNK]], "properties": dict(pairs[i:i + CHUNK])}
                  for i in range(0, len(pairs), CHUNK)]
        return merged + rules

    @staticmethod
    def _plain_required(answer: AnswerPlan) -> bool:
        return (answer.requires_exactly and not answer.visible.local and not answer.visible.outer
                and not answer.required_if.local and not answer.required_if.outer)

    def _local(self, answer: AnswerPlan) -> list[Schema]:
        """The answer's rules inside its own object: absent when hidden, required when shown."""
        name = answer.item.id
        required = None
        if answer.requires_exactly and not answer.visible.outer and not answer.required_if.outer:
            required = _guarded(all_of(list(answer.required_if.local)), has_value(name, non_empty(answer.item)), None)
        rule = _guarded(all_of(list(answer.visible.local)), required, absent([name]))
        return [] if rule is None else [rule]

    def _outer(self, repeat: str, field: AnswerPlan) -> list[Schema]:
        """A row field's rules that test top-level answers, stated over the repeat's rows."""
        name = field.item.id
        rules = []
        hidden = _guarded(all_of(list(field.visible.outer)), None, _rows(repeat, absent([name])))
        if hidden is not None:
            rules.append(hidden)
        if field.requires_exactly and (field.visible.outer or field.required_if.outer):
            inner = _guarded(all_of([*field.visible.local, *field.required_if.local]),
                             has_value(name, non_empty(field.item)), None)
            if inner is not None:  # None: the row's own conditions never hold, so it is never required
                rule = _guarded(all_of([*field.visible.outer, *field.required_if.outer]), _rows(repeat, inner), None)
                if rule is not None:
                    rules.append(rule)
        return rules

    # --- values -----------------------------------------------------------------------------

    def _value(self, answer: AnswerPlan) -> Schema:
        item = answer.item
        if isinstance(item, Question):
            schema = question_schema(item, self.draft)
        elif isinstance(item, Computed):
            schema = computed_schema(item)
        else:
            assert isinstance(item, Repeat) and answer.rows is not None
            schema = rows_schema(item, self._row(answer.rows), self.draft)
        notes = self.notes.get(answer.pointer)
        if notes:
            schema["$comment"] = "runtime-only: " + "; ".join(f"{r.code}: {r.reason}" for r in notes)
        return schema

    def _row(self, rows: RowsPlan) -> Schema:
        values = {f.item.id: self._value(f) for f in rows.fields}
        rules = [] if self.draft else self._rules(rows.fields)
        schema: Schema = {"type": "object"}
        if len(values) <= CHUNK:
            schema["properties"] = values
        else:
            schema["properties"] = {name: True for name in values}
            rules = properties(values) + rules
        schema["additionalProperties"] = False
        if rules:
            schema["allOf"] = chunked(rules)
        return schema
