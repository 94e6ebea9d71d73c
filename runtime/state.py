"""Evaluation: a program and answers in, the form's `State` out (visibility, computed values,
progress, navigation).

`Evaluator(program)` flattens the program once into nodes in document order and compiles every
condition; `evaluate` walks the nodes in that order, and `update` re-evaluates only the nodes
that depend, transitively, on one changed answer. Document order is a topological order because
every reference points backwards (checked while compiling), so both give the same state.
"""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .expressions import Compiled, Env, ExprError, Scope, compile_expr, is_answered
from .formats import MAX_ITEMS, is_date, normalize_number
from .program import Computed, Group, Note, Program, Question, Repeat, Section

QUESTION_TYPES = ("text", "textarea", "number", "integer", "money", "date", "email", "phone", "yesno",
                  "choice", "multichoice", "file")
_STRING_TYPES = ("text", "textarea", "email", "phone", "choice")
_NO_COUNTS = (0, 0, 0, 0)


class ProgramError(ValueError):
    """The program breaks an invariant the compiler guarantees (a malformed organizer.json)."""


def default_context(context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The context with `year` (the current year) and `today` (ISO date) filled in when missing."""
    result = dict(context) if isinstance(context, Mapping) else {}
    today = datetime.date.today()
    result.setdefault("today", today.isoformat())
    result.setdefault("year", today.year)
    return result


def _string_answer(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _date_answer(value: Any) -> Any:
    return value if is_date(value) else None


def _integer_answer(value: Any) -> Any:
    number = normalize_number(value)
    return number if isinstance(number, int) else None


def _yesno_answer(value: Any) -> Any:
    return value if isinstance(value, bool) else None


def _multichoice_answer(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _file_answer(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else None


def _no_answer(value: Any) -> Any:
    return None


# question type -> the function of `normalize_answer` for that type
NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    **{t: _string_answer for t in _STRING_TYPES}, "date": _date_answer, "number": normalize_number,
    "money": normalize_number, "integer": _integer_answer, "yesno": _yesno_answer,
    "multichoice": _multichoice_answer, "file": _file_answer}


def normalize_answer(qtype: str, value: Any) -> Any:
    """The value expressions see for an answer: the answer when its JSON type fits the question
    type (dates must be real dates, numbers finite and within ±(2^53 - 1), integers integral),
    else None. Lists become tuples."""
    return NORMALIZERS.get(qtype, _no_answer)(value)


def computed_value(value_type: str, value: Any) -> Any:
    """A computed result kept only when it has the declared type."""
    if value_type == "number":
        return normalize_number(value)
    if value_type == "string":
        return value if isinstance(value, str) else None
    if value_type == "boolean":
        return value if isinstance(value, bool) else None
    return None


# --- the flattened program -------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Node:
    """One section or item in document order; inside a repeat, one field of the row template."""

    index: int
    kind: str                  # section, question, computed, note, group, repeat
    id: str                    # notes get `<container>.note<k>` (1-based, per section or repeat)
    item: Any
    section: int               # index of the node's section
    parent: int                # index of the enclosing section or group; in a row, -1 for the repeat
    qtype: str | None = None
    cond: Compiled | None = None
    skip: Compiled | None = None
    required: bool = False
    required_cond: Compiled | None = None
    expr: Compiled | None = None
    row: RowTemplate | None = None
    deps: set[int] = field(default_factory=set)
    norm: Callable[[Any], Any] | None = None  # a question's `normalize_answer` for its type


@dataclass(slots=True, eq=False)
class RowTemplate:
    nodes: list[Node]
    fields: dict[str, int]     # question and computed ids of the row -> row index


@dataclass(frozen=True, slots=True)
class Row:
    """One evaluated repeat row: per row index, visibility, value (null when hidden) and required-ness."""

    vis: tuple[bool, ...]
    val: tuple[Any, ...]
    req: tuple[bool, ...]


class _Builder:
    """Flattens a program into nodes, compiling each expression with only earlier names in scope."""

    def __init__(self, program: Program) -> None:
        self.nodes: list[Node] = []
        self.refs: dict[str, int] = {}
        self.sections: dict[str, int] = {}
        self.repeat_fields: dict[str, dict[str, int]] = {}
        self.ids: set[str] = set()
        self.notes = 0
        if not isinstance(program, Program):
            raise ProgramError("not a Program")
        for s, section in enumerate(program.sections):
            self._section(section, f"/sections/{s}")

    def _compile(self, expr: Any, pointer: str, scope: Scope) -> Compiled | None:
        if expr is None:
            return None
        try:
            return compile_expr(expr, scope, "")
        except ExprError as exc:
            raise ProgramError(f"{pointer}{exc.pointer}: {str(exc).split(': ', 1)[1]}") from None

    def _scope(self, fields: dict[str, int] | None = None) -> Scope:
        return Scope(refs=self.refs, sections=self.sections, fields=fields, repeat_fields=self.repeat_fields)

    def _claim(self, ident: Any, pointer: str) -> str:
        if not isinstance(ident, str) or not ident:
            raise ProgramError(f"{pointer}/id: an id must be a non-empty string")
        if ident in self.ids:
            raise ProgramError(f"{pointer}/id: duplicate id {ident!r}")
        self.ids.add(ident)
        return ident

    def _section(self, section: Any, pointer: str) -> None:
        if not isinstance(section, Section):
            raise ProgramError(f"{pointer}: not a section")
        node = Node(len(self.nodes), "section", self._claim(section.id, pointer), section, len(self.nodes), -1)
        scope = self._scope()
        node.cond = self._compile(section.visible_when, f"{pointer}/visible_when", scope)
        node.skip = self._compile(section.skipped_when, f"{pointer}/skipped_when", scope)
        node.deps = set(scope.used_refs)
        self.nodes.append(node)
        self.sections[node.id] = node.index
        self.notes = 0
        self._items(section.items, node.index, node.index, f"{pointer}/items", node.id)

    def _items(self, items: Any, section: int, parent: int, pointer: str, container: str) -> None:
        if not isinstance(items, tuple):
            raise ProgramError(f"{pointer}: items must be a list")
        for i, item in enumerate(items):
            self._item(item, section, parent, f"{pointer}/{i}", container)

    def _item(self, item: Any, section: int, parent: int, pointer: str, container: str) -> None:
        node = self._node(item, len(self.nodes), section, parent, pointer, container, self._scope())
        node.deps.add(parent)
        self.nodes.append(node)
        if isinstance(item, Group):
            self._items(item.items, section, node.index, f"{pointer}/items", container)
        elif isinstance(item, Repeat):
            node.row = self._row_template(item, node, pointer)
            self.repeat_fields[node.id] = node.row.fields
        if node.kind in ("question", "computed", "repeat"):
            self.refs[node.id] = node.index

    def _node(self, item: Any, index: int, section: int, parent: int, pointer: str, container: str,
              scope: Scope) -> Node:
        if isinstance(item, Note):
            self.notes += 1
            node = Node(index, "note", f"{container}.note{self.notes}", item, section, parent)
        elif isinstance(item, (Question, Computed, Group, Repeat)):
            node = Node(index, item.kind, self._claim(item.id, pointer), item, section, parent)
        else:
            raise ProgramError(f"{pointer}: unknown item {type(item).__name__}")
        node.cond = self._compile(item.visible_when, f"{pointer}/visible_when", scope)
        if isinstance(item, Question):
            self._question(item, node, pointer, scope)
        elif isinstance(item, Computed):
            if item.value_type not in ("number", "string", "boolean"):
                raise ProgramError(f"{pointer}/value_type: {item.value_type!r} is not number, string or boolean")
            node.expr = self._compile(item.expr, f"{pointer}/expr", scope)
            if node.expr is None:
                raise ProgramError(f"{pointer}/expr: a computed item needs an expression")
        node.deps = set(scope.used_refs)
        return node

    def _question(self, item: Question, node: Node, pointer: str, scope: Scope) -> None:
        if item.type not in QUESTION_TYPES:
            raise ProgramError(f"{pointer}/type: unknown question type {item.type!r}")
        node.qtype = item.type
        node.norm = NORMALIZERS[item.type]
        if isinstance(item.required, bool):
            node.required = item.required
        else:
            node.required_cond = self._compile(item.required, f"{pointer}/required", scope)

    def _row_template(self, repeat: Repeat, owner: Node, pointer: str) -> RowTemplate:
        template = RowTemplate([], {})
        saved_ids, saved_notes = self.ids, self.notes
        self.ids, self.notes = set(), 0
        self._row_items(repeat.items, -1, f"{pointer}/items", template, owner)
        self.ids, self.notes = saved_ids, saved_notes
        return template

    def _row_items(self, items: Any, parent: int, pointer: str, template: RowTemplate, owner: Node) -> None:
        if not isinstance(items, tuple):
            raise ProgramError(f"{pointer}: items must be a list")
        for i, item in enumerate(items):
            where = f"{pointer}/{i}"
            if isinstance(item, Repeat):
                raise ProgramError(f"{where}: a repeat inside a repeat is not supported")
            scope = self._scope(template.fields)
            node = self._node(item, len(template.nodes), owner.section, parent, where, owner.id, scope)
            owner.deps |= node.deps
            template.nodes.append(node)
            if isinstance(item, Group):
                self._row_items(item.items, node.index, f"{where}/items", template, owner)
            if node.kind in ("question", "computed"):
                template.fields[node.id] = node.index


@dataclass(frozen=True, slots=True)
class Progress:
    """Answered required questions of the visible ones, and answered of all visible questions
    (repeat rows count each visible field)."""

    required_answered: int
    required: int
    answered: int
    visible: int

    @property
    def percent(self) -> int:
        """Whole percent of required questions answered (100 when none is required), rounded down."""
        return 100 if self.required == 0 else self.required_answered * 100 // self.required

    def to_json(self) -> dict[str, int]:
        return {"required_answered": self.required_answered, "required": self.required,
                "answered": self.answered, "visible": self.visible, "percent": self.percent}


# --- the state ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class State:
    """The evaluated form. Public views are computed from the per-node arrays on first use."""

    evaluator: Evaluator = field(repr=False)
    context: Mapping[str, Any] = field(repr=False)
    vis: list[bool] = field(repr=False)
    val: list[Any] = field(repr=False)
    req: list[bool] = field(repr=False)
    counts: list[tuple[int, int, int, int]] = field(repr=False)
    progress: Progress
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def _nodes_of(self, kind: str) -> list[Node]:
        return [n for n in self.evaluator.nodes if n.kind == kind]

    @property
    def sections(self) -> tuple[str, ...]:
        """Visible sections, in order."""
        return tuple(n.id for n in self.evaluator.sections if self.vis[n.index])

    @property
    def skipped(self) -> tuple[str, ...]:
        """Sections skipped by a goto (their `skipped_when` holds)."""
        return tuple(n.id for n in self.evaluator.sections if self.val[n.index] == "skipped")

    @property
    def hidden(self) -> tuple[str, ...]:
        """Sections hidden by their own `when` (and not skipped)."""
        return tuple(n.id for n in self.evaluator.sections if self.val[n.index] == "hidden")

    def section_items(self, section: str) -> tuple[str, ...]:
        """Visible item ids of a section in document order (groups and their items, repeats, notes)."""
        index = self.evaluator.section_index(section)
        if not self.vis[index]:
            return ()
        return tuple(self.evaluator.nodes[i].id for i in self.evaluator.members[index] if self.vis[i])

    @property
    def items(self) -> dict[str, tuple[str, ...]]:
        """Visible item ids per visible section."""
        if "items" not in self._cache:
            self._cache["items"] = {s: self.section_items(s) for s in self.sections}
        return self._cache["items"]  # type: ignore[no-any-return]

    @property
    def rows(self) -> dict[str, tuple[dict[str, Any], ...]]:
        """Per visible repeat, per row: visible field ids and computed values."""
        if "rows" not in self._cache:
            result = {}
            for node in self.evaluator.repeats:
                if self.vis[node.index]:
                    result[node.id] = tuple(_row_json(node, row) for row in self.val[node.index] or ())
            self._cache["rows"] = result
        return self._cache["rows"]  # type: ignore[no-any-return]

    @property
    def computed(self) -> dict[str, Any]:
        """Values of the visible computed items (None when an input is null)."""
        return {n.id: self.val[n.index] for n in self.evaluator.computed if self.vis[n.index]}

    @property
    def required(self) -> tuple[str, ...]:
        """Visible questions that are required now."""
        return tuple(n.id for n in self.evaluator.questions if self.req[n.index])

    @property
    def values(self) -> dict[str, Any]:
        """Values of visible, answered questions and computed items, as expressions see them."""
        return visible_values(self.evaluator, self.vis, self.val)

    def is_visible(self, ident: str) -> bool:
        """Whether a section or an item outside repeats (notes by their `<section>.note<k>` id) is shown."""
        index = self.evaluator.node_ids.get(ident)
        if index is None:
            raise ValueError(f"no section or item {ident!r}")
        return self.vis[index]

    def next_section(self, current: str | None = None) -> str | None:
        """The visible section after `current` (the first one when None); None at the end."""
        start = -1 if current is None else self.evaluator.section_index(current)
        return next((n.id for n in self.evaluator.sections if n.index > start and self.vis[n.index]), None)

    def previous_section(self, current: str) -> str | None:
        start = self.evaluator.section_index(current)
        found = [n.id for n in self.evaluator.sections if n.index < start and self.vis[n.index]]
        return found[-1] if found else None

    def step(self, current: str) -> tuple[int, int]:
        """(n, total) for "Step n of total": the position of `current` among the visible sections."""
        visible = self.sections
        return (visible.index(current) + 1 if current in visible else 0), len(visible)

    def to_json(self) -> dict[str, Any]:
        return {
            "sections": list(self.sections),
            "skipped": list(self.skipped),
            "hidden": list(self.hidden),
            "items": {s: list(ids) for s, ids in self.items.items()},
            "rows": {r: [dict(row) for row in rows] for r, rows in self.rows.items()},
            "computed": self.computed,
            "required": list(self.required),
            "progress": self.progress.to_json(),
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return NotImplemented
        return (self.vis == other.vis and self.val == other.val and self.req == other.req
                and self.progress == other.progress and self.to_json() == other.to_json())

    __hash__ = None  # type: ignore[assignment]


def visible_values(evaluator: Evaluator, vis: list[bool], val: list[Any]) -> dict[str, Any]:
    """`State.values` of per-node visibility and values."""
    return {n.id: val[n.index] for n in evaluator.questions_and_computed if vis[n.index] and val[n.index] is not None}


def _row_json(repeat: Node, row: Row) -> dict[str, Any]:
    assert repeat.row is not None
    nodes = repeat.row.nodes
    return {"items": [n.id for n in nodes if row.vis[n.index]],
            "computed": {n.id: row.val[n.index] for n in nodes if n.kind == "computed" and row.vis[n.index]}}


# --- the evaluator -----------------------------------------------------------------------------


class Evaluator:
    """Evaluates one program; build it once and reuse it for every answers object."""

    def __init__(self, program: Program) -> None:
        builder = _Builder(program)
        self.program = program
        self.nodes = builder.nodes
        self.by_id = dict(builder.refs)
        self.sections = [n for n in self.nodes if n.kind == "section"]
        self.questions = [n for n in self.nodes if n.kind == "question"]
        self.computed = [n for n in self.nodes if n.kind == "computed"]
        self.repeats = [n for n in self.nodes if n.kind == "repeat"]
        self.questions_and_computed = [n for n in self.nodes if n.kind in ("question", "computed")]
        self._section_ids = {n.id: n.index for n in self.sections}
        self.node_ids = {n.id: n.index for n in self.nodes}  # sections and items outside repeats
        self.members: dict[int, list[int]] = {n.index: [] for n in self.sections}
        for node in self.nodes:
            if node.kind != "section":
                self.members[node.section].append(node.index)
        self.validation: Any = None  # validate.py's per-program tables, built on first use
        self.dependents: list[list[int]] = [[] for _ in self.nodes]
        for node in self.nodes:
            for dep in sorted(node.deps):
                if dep >= 0:
                    self.dependents[dep].append(node.index)

    def section_index(self, section: str) -> int:
        try:
            return self._section_ids[section]
        except KeyError:
            raise ValueError(f"no section {section!r}") from None

    def evaluate(self, answers: Any, context: Mapping[str, Any] | None = None) -> State:
        """The full state of the form for these answers."""
        answers = answers if isinstance(answers, dict) else {}
        ctx = default_context(context)
        size = len(self.nodes)
        vis, val, req = [False] * size, [None] * size, [False] * size
        counts = [_NO_COUNTS] * size
        env = Env(val, vis, None, ctx)
        for node in self.nodes:
            self._evaluate_node(node, answers, env, req, counts)
        return self._state(ctx, vis, val, req, counts, _totals(counts))

    def update(self, state: State, changed: str, answers: Any, context: Mapping[str, Any] | None = None) -> State:
        """The state after the answer `changed` (a top-level key) changed; equals `evaluate`."""
        ctx = default_context(context)
        if state.evaluator is not self or ctx != state.context:
            return self.evaluate(answers, ctx)
        start = self.by_id.get(changed)
        if start is None:
            return state
        answers = answers if isinstance(answers, dict) else {}
        vis, val, req, counts = list(state.vis), list(state.val), list(state.req), list(state.counts)
        totals = [state.progress.required_answered, state.progress.required, state.progress.answered,
                  state.progress.visible]
        env = Env(val, vis, None, ctx)
        queue, queued = [start], {start}
        while queue:
            index = heapq.heappop(queue)
            node = self.nodes[index]
            before = (vis[index], val[index])
            old_counts = counts[index]
            self._evaluate_node(node, answers, env, req, counts)
            if counts[index] != old_counts:
                for k in range(4):
                    totals[k] += counts[index][k] - old_counts[k]
            if (vis[index], val[index]) != before or index == start:
                for dependent in self.dependents[index]:
                    if dependent not in queued:
                        queued.add(dependent)
                        heapq.heappush(queue, dependent)
        return self._state(ctx, vis, val, req, counts, Progress(*totals))

    def _state(self, ctx: Mapping[str, Any], vis: list[bool], val: list[Any], req: list[bool],
               counts: list[tuple[int, int, int, int]], progress: Progress) -> State:
        return State(evaluator=self, context=ctx, vis=vis, val=val, req=req, counts=counts, progress=progress)

    def _evaluate_node(self, node: Node, answers: Mapping[str, Any], env: Env, req: list[bool],
                       counts: list[tuple[int, int, int, int]]) -> None:
        i, vis, val = node.index, env.vis, env.val
        if node.kind == "section":
            shown = node.cond is None or node.cond(env) is True
            skipped = node.skip is not None and node.skip(env) is True
            vis[i] = shown and not skipped
            val[i] = "skipped" if skipped else ("visible" if shown else "hidden")
            return
        visible = vis[node.parent] and (node.cond is None or node.cond(env) is True)
        vis[i] = visible
        if node.kind == "question":
            value = node.norm(answers.get(node.id)) if visible else None  # type: ignore[misc]
            required = visible and (node.required or (node.required_cond is not None and node.required_cond(env) is True))
            val[i], req[i] = value, required
            counts[i] = _question_counts(visible, required, value)
        elif node.kind == "computed":
            val[i] = computed_value(node.item.value_type, node.expr(env)) if visible else None  # type: ignore[misc]
        elif node.kind == "repeat":
            rows = self.rows(node, answers.get(node.id), env) if visible else None
            val[i] = rows
            counts[i] = _row_counts(node.row, rows)

    def rows(self, node: Node, raw: Any, env: Env) -> tuple[Row, ...] | None:
        """The evaluated rows of a visible repeat whose answer is `raw` (None unless a list)."""
        if not isinstance(raw, list):
            return None
        assert node.row is not None
        return tuple(self._row(node.row, item if isinstance(item, dict) else {}, env) for item in raw[:MAX_ITEMS])

    def _row(self, template: RowTemplate, answers: Mapping[str, Any], outer: Env) -> Row:
        size = len(template.nodes)
        vis, val, req = [False] * size, [None] * size, [False] * size
        env = Env(outer.val, outer.vis, val, outer.ctx)
        for node in template.nodes:
            i = node.index
            visible = (node.parent < 0 or vis[node.parent]) and (node.cond is None or node.cond(env) is True)
            vis[i] = visible
            if not visible:
                continue
            if node.kind == "question":
                val[i] = node.norm(answers.get(node.id))  # type: ignore[misc]
                req[i] = node.required or (node.required_cond is not None and node.required_cond(env) is True)
            elif node.kind == "computed":
                val[i] = computed_value(node.item.value_type, node.expr(env))  # type: ignore[misc]
        return Row(tuple(vis), tuple(val), tuple(req))


def _question_counts(visible: bool, required: bool, value: Any) -> tuple[int, int, int, int]:
    if not visible:
        return _NO_COUNTS
    answered = is_answered(value)
    return (int(required and answered), int(required), int(answered), 1)


def _row_counts(template: RowTemplate | None, rows: tuple[Row, ...] | None) -> tuple[int, int, int, int]:
    if not rows or template is None:
        return _NO_COUNTS
    totals = [0, 0, 0, 0]
    for row in rows:
        for node in template.nodes:
            i = node.index
            if node.kind == "question" and row.vis[i]:
                answered = is_answered(row.val[i])
                totals[0] += row.req[i] and answered
                totals[1] += row.req[i]
                totals[2] += answered
                totals[3] += 1
    return (totals[0], totals[1], totals[2], totals[3])


def _totals(counts: list[tuple[int, int, int, int]]) -> Progress:
    totals = [0, 0, 0, 0]
    for c in counts:
        if c is not _NO_COUNTS:
            for k in range(4):
                totals[k] += c[k]
    return Progress(*totals)


def evaluate(program: Program, answers: Any, context: Mapping[str, Any] | None = None) -> State:
    """The state of `program`'s form for `answers` (a fresh Evaluator; reuse one for many calls)."""
    return evaluator_for(program).evaluate(answers, context)


_CACHE: list[tuple[Program, Evaluator]] = []


def evaluator_for(program: Program) -> Evaluator:
    """A cached Evaluator for this very program object (the last few programs are kept)."""
    for cached, evaluator in _CACHE:
        if cached is program:
            return evaluator
    evaluator = Evaluator(program)
    _CACHE.insert(0, (program, evaluator))
    del _CACHE[8:]
    return evaluator
