"""Validation: a program and an answers object in, a list of `Problem`s out (RFC 6901 pointers,
stable codes, client-facing messages). Also `submission`, the answers without hidden values.

Submission mode checks completeness and visibility as well as values; draft mode (autosave)
checks only the values that are present, hidden ones included. `""` and `[]` (`is_no_answer`)
are no answer: `required` applies to them, and in a submission `hidden-answer` (a hidden key must
be absent whatever its value), but no value check. No input raises: every hostile value becomes
a problem (docs/runtime.md lists the codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .expressions import equal
from .formats import (
    MAX_ANSWER_DEPTH, MAX_FILE_NAME_LENGTH, MAX_ITEMS, MAX_MEDIA_TYPE_LENGTH, MAX_SAFE_INTEGER, MAX_STRING_LENGTH, SHA256_RE,
    decimal_places, has_bad_characters, is_date, is_email, is_phone, is_number,
)
from .messages import problem_message
from .program import Computed, Program, Question, Repeat
from .shortcodes import render_text
from .state import Evaluator, Node, Row, State, default_context, evaluator_for

MAX_PROBLEMS_PER_LIST = 10  # item problems reported per list before the rest are left out
_FILE_KEYS = frozenset(("name", "size", "media_type", "sha256"))
# problems of the question's own checks: a question's `message` replaces their messages
_OWN_CHECKS = frozenset((
    "type", "invalid-characters", "min-length", "max-length", "minimum", "maximum", "integer", "decimals",
    "date-format", "date-min", "date-max", "email-format", "phone-format", "pattern", "option",
    "duplicate-option", "min-items", "max-items", "file-type", "file-size", "file-object", "not-finite",
    "too-large"))


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason the answers are not accepted."""

    pointer: str                 # RFC 6901 pointer of the offending value ("" for the whole object)
    code: str                    # stable code, e.g. `required`, `min-length`
    message: str                 # for the client, in the program's language
    params: dict[str, Any] = field(default_factory=dict)  # the rule's parameters, e.g. {"min": 3}

    def to_json(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "code": self.code, "message": self.message, "params": dict(self.params)}


def escape_pointer(key: Any) -> str:
    """One RFC 6901 reference token."""
    return str(key).replace("~", "~0").replace("/", "~1")


def too_deep(value: Any, limit: int = MAX_ANSWER_DEPTH) -> bool:
    """True when lists and objects nest deeper than `limit` (counted without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return False


class _Run:
    """One validation: collects problems and renders their messages."""

    def __init__(self, program: Program, evaluator: Evaluator, state: State, draft: bool,
                 context: Mapping[str, Any]) -> None:
        self.program, self.evaluator, self.state = program, evaluator, state
        self.draft, self.context = draft, context
        self.problems: list[Problem] = []
        self.row_checks: dict[int, Callable[[_Run, Any, str], None]] = {}  # set by `validate`
        self._values: dict[str, Any] | None = None

    def add(self, pointer: str, code: str, params: dict[str, Any] | None = None,
            item: Question | Computed | Repeat | None = None, variant: str | None = None) -> None:
        params = params or {}
        if variant is None and item is not None:
            variant = item.type if isinstance(item, Question) else item.kind
        if isinstance(item, Question) and item.message and code in _OWN_CHECKS:
            if self._values is None:
                self._values = self.state.values
            message = render_text(item.message, self.context, self._values, program=self.program)
        else:
            message = problem_message(code, params, self.program.language, variant)
        self.problems.append(Problem(pointer, code, message, params))


def validate(program: Program, answers: Any, draft: bool = False,
             context: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every problem with `answers` as a submission (or as a draft when `draft`)."""
    evaluator = evaluator_for(program)
    context = default_context(context)
    if not isinstance(answers, dict):
        run = _Run(program, evaluator, evaluator.evaluate({}, context), draft, context)
        run.add("", "not-an-object")
        return run.problems
    state = evaluator.evaluate_values(answers, context)
    run = _Run(program, evaluator, state, draft, context)
    if evaluator.validation is None:
        evaluator.validation = _plan(evaluator)
    plan, run.row_checks = evaluator.validation
    vis, req = state.vis, state.req
    submit = not draft
    present = 0  # keys of `answers` that are top-level ids
    get = answers.get
    for node, i, ident, pointer, kind, check in plan:
        value = get(ident, _ABSENT)
        if value is not _ABSENT:
            present += 1
            if isinstance(value, (dict, list)) and too_deep(value, MAX_ANSWER_DEPTH - 1):
                run.add(pointer, "too-deep", {"max": MAX_ANSWER_DEPTH})
            elif submit and not vis[i]:
                run.add(pointer, "hidden-answer", {}, node.item)
            elif check is not None:  # a question
                if submit and req[i] and (value is None or value == "" or (isinstance(value, list) and not value)):
                    run.add(pointer, "required", {}, node.item)
                else:
                    check(run, value, pointer)
            elif kind == "computed":
                _check_computed(run, node.item, value, pointer, state.val[i])
            else:
                _check_repeat(run, node, value, pointer)
        elif submit:
            if check is not None:
                if req[i]:
                    run.add(pointer, "required", {}, node.item)
            elif kind == "repeat" and vis[i]:
                _check_row_count(run, node, [])
    if present < len(answers):
        for key in answers:
            if not isinstance(key, str) or key not in evaluator.by_id:
                run.add("/" + escape_pointer(key), "unknown-key")
    return run.problems


_ABSENT = object()


_Check = Callable[["_Run", Any, str], None]
_Plan = list[tuple[Node, int, str, str, str, "_Check | None"]]


def _plan(evaluator: Evaluator) -> tuple[_Plan, dict[int, _Check]]:
    """Built once per evaluator: per top-level question, computed item and repeat in document
    order its node, index, id, pointer, kind and, for a question, its value check (`checker`);
    and the value checks of the questions inside repeats, by `id()` of their row node."""
    plan: _Plan = []
    row_checks: dict[int, _Check] = {}
    known = evaluator.by_id
    for node in evaluator.nodes:
        if node.id in known and known[node.id] == node.index:
            check = checker(node.item) if node.kind == "question" else None
            plan.append((node, node.index, node.id, "/" + escape_pointer(node.id), node.kind, check))
        if node.row is not None:
            for field_node in node.row.nodes:
                if field_node.kind == "question":
                    row_checks[id(field_node)] = checker(field_node.item)
    return plan, row_checks


def value_problems(program: Program, question: Question, value: Any,
                   context: Mapping[str, Any] | None = None) -> list[Problem]:
    """The type and per-value problems of one value for one question, as in a draft."""
    evaluator = evaluator_for(program)
    context = default_context(context)
    run = _Run(program, evaluator, evaluator.evaluate({}, context), True, context)
    check_value(run, question, value, "")
    return run.problems


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list) and not value)


STRING_TYPES = frozenset(("text", "textarea", "email", "phone", "date", "choice"))
LIST_TYPES = frozenset(("multichoice", "file"))


def is_no_answer(q: Question, value: Any) -> bool:
    """`""` for a string-valued question, `[]` for a multichoice or file question: what a form sends
    for a cleared field. It is no answer: only presence rules apply to it (`required` while shown
    and required, `hidden-answer` while hidden in a submission), none of the value's own checks."""
    if isinstance(value, str):
        return not value and q.type in STRING_TYPES
    return isinstance(value, list) and not value and q.type in LIST_TYPES


def _check_computed(run: _Run, item: Computed, value: Any, pointer: str, expected: Any) -> None:
    kinds: dict[str, Callable[[Any], bool]] = {
        "number": is_number, "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool)}
    if not kinds[item.value_type](value):
        run.add(pointer, "type", {"expected": item.value_type}, item)
    elif item.value_type == "number" and _number_problem(run, item, value, pointer):
        return
    elif item.value_type == "string" and _text_problem(run, item, value, pointer):
        return
    elif not run.draft and (expected is None or not equal(value, expected)):
        run.add(pointer, "computed-mismatch", {"expected": expected}, item)


def _number_problem(run: _Run, item: Question | Computed, value: Any, pointer: str) -> bool:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        run.add(pointer, "not-finite", {}, item)
        return True
    if abs(value) > MAX_SAFE_INTEGER:
        run.add(pointer, "too-large", {"max": MAX_SAFE_INTEGER}, item)
        return True
    return False


def _text_problem(run: _Run, item: Question | Computed, value: str, pointer: str) -> bool:
    if len(value) > MAX_STRING_LENGTH:
        run.add(pointer, "max-length", {"max": MAX_STRING_LENGTH, "count": MAX_STRING_LENGTH}, item)
        return True
    if has_bad_characters(value):
        run.add(pointer, "invalid-characters", {}, item)
        return True
    return False


# --- the checks of one question's value ------------------------------------------------------------


def check_value(run: _Run, q: Question, value: Any, pointer: str) -> None:
    """Type and per-value checks of one present answer (none for `""` or `[]`: `is_no_answer`)."""
    checker(q)(run, value, pointer)


def checker(q: Question) -> Callable[[_Run, Any, str], None]:
    """`check_value` for one question, with what it needs looked up once: `check(run, value,
    pointer)` decides "no answer" (`is_no_answer`) and then runs the checks of the question's type."""
    kind = q.type
    if kind in ("text", "textarea", "email", "phone", "date"):
        c = q.checks
        min_length, max_length = c.min_length, c.max_length
        # text and textarea answers that pass these need no `_string_rules`, which reports the problem
        plain = kind in ("text", "textarea")
        try:
            pattern = None if c.pattern is None else _pattern(c.pattern)
        except Exception:  # noqa: BLE001 - a bad pattern fails in `_string_rules`, as before
            pattern, plain = None, False

        def check(run: _Run, value: Any, pointer: str) -> None:
            if not isinstance(value, str):
                run.add(pointer, "type", {"expected": "string"}, q)
            elif not value:
                return
            elif len(value) > MAX_STRING_LENGTH or has_bad_characters(value):
                _text_problem(run, q, value, pointer)
            elif kind == "date":
                _check_date(run, q, value, pointer)
            elif not (plain and (min_length is None or len(value) >= min_length)
                      and (max_length is None or len(value) <= max_length)
                      and (pattern is None or pattern.match(value) is not None)):
                _string_rules(run, q, value, pointer)
    elif kind in ("number", "integer", "money"):
        c = q.checks
        low, high = c.minimum, c.maximum
        fast = c.decimals is None or (isinstance(c.decimals, int) and c.decimals >= 0)

        def check(run: _Run, value: Any, pointer: str) -> None:
            # a safe integer within the bounds passes every check (`decimal_places` of an int is 0)
            if (not fast or value.__class__ is not int or not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
                    or (low is not None and value < low) or (high is not None and value > high)):
                _check_number(run, q, value, pointer)
    elif kind == "yesno":
        def check(run: _Run, value: Any, pointer: str) -> None:
            if not isinstance(value, bool):
                run.add(pointer, "type", {"expected": "boolean"}, q)
    elif kind == "choice":
        options = _option_ids(q)

        def check(run: _Run, value: Any, pointer: str) -> None:
            if not isinstance(value, str):
                run.add(pointer, "type", {"expected": "string"}, q)
            elif value and value not in options:
                run.add(pointer, "option", {}, q)
    elif kind == "multichoice":
        choices = _option_ids(q)

        def check(run: _Run, value: Any, pointer: str) -> None:
            if isinstance(value, list) and not value:
                return
            _check_multichoice(run, q, value, pointer, choices)
    elif kind == "file":
        def check(run: _Run, value: Any, pointer: str) -> None:
            if isinstance(value, list) and not value:
                return
            _check_files(run, q, value, pointer)
    else:
        def check(run: _Run, value: Any, pointer: str) -> None:
            return
    return check


def _check_string(run: _Run, q: Question, value: Any, pointer: str) -> None:
    if not isinstance(value, str):
        run.add(pointer, "type", {"expected": "string"}, q)
        return
    if _text_problem(run, q, value, pointer):
        return
    if q.type == "date":
        _check_date(run, q, value, pointer)
        return
    _string_rules(run, q, value, pointer)


def _string_rules(run: _Run, q: Question, value: str, pointer: str) -> None:
    """The checks of a non-date string answer after the common ones (`_text_problem`)."""
    c = q.checks
    length = len(value)
    if c.min_length is not None and length < c.min_length:
        run.add(pointer, "min-length", {"min": c.min_length, "count": c.min_length}, q)
    elif c.max_length is not None and length > c.max_length:
        run.add(pointer, "max-length", {"max": c.max_length, "count": c.max_length}, q)
    elif q.type == "email" and not is_email(value):
        run.add(pointer, "email-format", {}, q)
    elif q.type == "phone" and not is_phone(value):
        run.add(pointer, "phone-format", {}, q)
    elif c.pattern is not None and _pattern(c.pattern).match(value) is None:
        run.add(pointer, "pattern", {"pattern": c.pattern_source or c.pattern}, q)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(source: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(source)
    if compiled is None:
        compiled = _PATTERNS[source] = re.compile(source)
    return compiled


def _date_bound(bound: str | None, context: Mapping[str, Any]) -> str | None:
    if bound == "today":
        today = context.get("today")
        return today if is_date(today) else None
    return bound if is_date(bound) else None


def _check_date(run: _Run, q: Question, value: str, pointer: str) -> None:
    if not is_date(value):
        run.add(pointer, "date-format", {}, q)
        return
    low, high = _date_bound(q.checks.min_date, run.context), _date_bound(q.checks.max_date, run.context)
    if low is not None and value < low:
        run.add(pointer, "date-min", {"min": low}, q)
    elif high is not None and value > high:
        run.add(pointer, "date-max", {"max": high}, q)


def _check_number(run: _Run, q: Question, value: Any, pointer: str) -> None:
    if not is_number(value):
        run.add(pointer, "type", {"expected": "integer" if q.type == "integer" else "number"}, q)
        return
    if _number_problem(run, q, value, pointer):
        return
    c = q.checks
    money = {"currency": q.currency, "decimals": c.decimals} if q.type == "money" else {}
    if q.type == "integer" and isinstance(value, float) and not value.is_integer():
        run.add(pointer, "integer", {}, q)
    elif c.minimum is not None and value < c.minimum:
        run.add(pointer, "minimum", {"min": c.minimum, **money}, q)
    elif c.maximum is not None and value > c.maximum:
        run.add(pointer, "maximum", {"max": c.maximum, **money}, q)
    elif c.decimals is not None and decimal_places(value) > c.decimals:
        run.add(pointer, "decimals", {"decimals": c.decimals, "count": c.decimals}, q)


def _option_ids(q: Question) -> frozenset[str]:
    return frozenset(o.id for o in q.options)


def _check_count(run: _Run, q: Question, count: int, pointer: str) -> bool:
    c = q.checks
    limit = MAX_ITEMS if c.max_items is None else min(c.max_items, MAX_ITEMS)
    if count > limit:
        run.add(pointer, "max-items", {"max": limit, "count": limit}, q)
        return True
    if not run.draft and c.min_items is not None and count < c.min_items:
        run.add(pointer, "min-items", {"min": c.min_items, "count": c.min_items}, q)
        return True
    return False


def _check_multichoice(run: _Run, q: Question, value: Any, pointer: str,
                       options: frozenset[str] | None = None) -> None:
    if not isinstance(value, list):
        run.add(pointer, "type", {"expected": "array"}, q)
        return
    if _check_count(run, q, len(value), pointer):
        return
    if options is None:
        options = _option_ids(q)
    seen: set[str] = set()
    reported = 0
    for i, choice in enumerate(value):
        code = ("type" if not isinstance(choice, str) else "option" if choice not in options
                else "duplicate-option" if choice in seen else None)
        if code is not None:
            run.add(f"{pointer}/{i}", code, {"expected": "string"} if code == "type" else {}, q)
            reported += 1
            if reported >= MAX_PROBLEMS_PER_LIST:
                return
        elif isinstance(choice, str):
            seen.add(choice)


def _check_files(run: _Run, q: Question, value: Any, pointer: str) -> None:
    if not isinstance(value, list):
        run.add(pointer, "type", {"expected": "array"}, q)
        return
    if _check_count(run, q, len(value), pointer):
        return
    reported = 0
    for i, item in enumerate(value):
        before = len(run.problems)
        _check_file(run, q, item, f"{pointer}/{i}")
        reported += len(run.problems) > before
        if reported >= MAX_PROBLEMS_PER_LIST:
            return


def _check_file(run: _Run, q: Question, item: Any, pointer: str) -> None:
    problem = file_object_problem(item)
    if problem is not None:
        reason, key = problem
        run.add(f"{pointer}/{key}" if key else pointer, "file-object", {"reason": reason}, q)
        return
    accept = q.checks.accept
    if accept and file_extension(item["name"]) not in accept:
        run.add(f"{pointer}/name", "file-type", {"accept": list(accept)}, q)
    elif q.checks.max_size is not None and item["size"] > q.checks.max_size:
        run.add(f"{pointer}/size", "file-size", {"max_size": q.checks.max_size}, q)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def file_extension(name: str) -> str:
    """The text after the last dot of a file name with ASCII letters lower-cased ("" when there is
    no dot); `.pdf` is a pdf, as the schema's `\\.(?:[Pp][Dd][Ff])(?!\\n)$` says. Only A-Z are
    folded: `str.lower()` would also map the Kelvin sign U+212A to `k`, which `[Kk]` does not match."""
    _, dot, extension = name.rpartition(".")
    return extension.translate(_ASCII_LOWER) if dot else ""


def file_object_problem(item: Any) -> tuple[str, str | None] | None:
    """Why `item` is not a file answer object, and the key at fault (None for the whole object)."""
    if not isinstance(item, dict):
        return "not an object", None
    if set(item) != _FILE_KEYS:
        return "keys must be exactly name, size, media_type, sha256", None
    name, size, media_type, digest = item["name"], item["size"], item["media_type"], item["sha256"]
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_FILE_NAME_LENGTH or has_bad_characters(name):
        return f"a name of 1 to {MAX_FILE_NAME_LENGTH} characters", "name"
    if not is_number(size) or (isinstance(size, float) and not size.is_integer()) or not 0 <= size <= MAX_SAFE_INTEGER:
        return "a size in bytes", "size"
    if (not isinstance(media_type, str) or not 1 <= len(media_type) <= MAX_MEDIA_TYPE_LENGTH
            or has_bad_characters(media_type)):
        return f"a media type of 1 to {MAX_MEDIA_TYPE_LENGTH} characters", "media_type"
    if not isinstance(digest, str) or SHA256_RE.match(digest) is None:
        return "64 lower-case hexadecimal digits", "sha256"
    return None


# --- repeats --------------------------------------------------------------------------------------


def _check_row_count(run: _Run, node: Node, rows: list[Any]) -> bool:
    repeat: Repeat = node.item
    pointer = "/" + escape_pointer(node.id)
    limit = MAX_ITEMS if repeat.max_rows is None else min(repeat.max_rows, MAX_ITEMS)
    if len(rows) > limit:
        run.add(pointer, "max-rows", {"max": limit, "count": limit}, repeat)
        return True
    if not run.draft and repeat.min_rows is not None and len(rows) < repeat.min_rows:
        run.add(pointer, "min-rows", {"min": repeat.min_rows, "count": repeat.min_rows}, repeat)
    return False


def _check_repeat(run: _Run, node: Node, value: Any, pointer: str) -> None:
    if not isinstance(value, list):
        run.add(pointer, "type", {"expected": "array"}, node.item)
        return
    if _check_row_count(run, node, value):
        return
    rows: tuple[Row, ...] = run.state.val[node.index] or ()
    assert node.row is not None
    for r, raw in enumerate(value):
        row_pointer = f"{pointer}/{r}"
        if not isinstance(raw, dict):
            run.add(row_pointer, "type", {"expected": "object"}, node.item, "row")
            continue
        row = rows[r] if r < len(rows) else None
        for field_node in node.row.nodes:
            if field_node.kind in ("question", "computed"):
                _check_field(run, field_node, raw, row, f"{row_pointer}/{escape_pointer(field_node.id)}")
        for key in raw:
            if not isinstance(key, str) or key not in node.row.fields:
                run.add(f"{row_pointer}/{escape_pointer(key)}", "unknown-key")


def _check_field(run: _Run, node: Node, raw: Mapping[str, Any], row: Row | None, pointer: str) -> None:
    i = node.index
    visible = row is not None and row.vis[i]
    if node.id not in raw:
        if not run.draft and node.kind == "question" and row is not None and row.req[i]:
            run.add(pointer, "required", {}, node.item)
        return
    value = raw[node.id]
    if not run.draft and not visible:
        run.add(pointer, "hidden-answer", {}, node.item)
    elif node.kind == "computed":
        _check_computed(run, node.item, value, pointer, row.val[i] if row is not None else None)
    elif not run.draft and row is not None and row.req[i] and _is_empty(value):
        run.add(pointer, "required", {}, node.item)
    else:
        check = run.row_checks.get(id(node))
        if check is None:
            check_value(run, node.item, value, pointer)
        else:
            check(run, value, pointer)


# --- the submission payload ---------------------------------------------------------------------------


def submission(program: Program, answers: Any, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The answers without values of hidden or skipped items (rows keep only their visible fields).
    Keys that belong to no item are kept, so that validation still reports them."""
    if not isinstance(answers, dict):
        return {}
    evaluator = evaluator_for(program)
    state = evaluator.evaluate(answers, context)
    result: dict[str, Any] = {}
    for key, value in answers.items():
        index = evaluator.by_id.get(key) if isinstance(key, str) else None
        if index is None:
            result[key] = value
        elif state.vis[index]:
            node = evaluator.nodes[index]
            result[key] = _visible_rows(node, value, state.val[index]) if node.kind == "repeat" else value
    return result


def _visible_rows(node: Node, value: Any, rows: tuple[Row, ...] | None) -> Any:
    if not isinstance(value, list) or rows is None or node.row is None:
        return value
    fields = node.row.fields
    result = []
    for r, raw in enumerate(value):
        if r < len(rows) and isinstance(raw, dict):
            row = rows[r]
            raw = {k: v for k, v in raw.items() if not (isinstance(k, str) and k in fields and not row.vis[fields[k]])}
        result.append(raw)
    return result
