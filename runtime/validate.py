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

from .expressions import Compiled, Env, equal
from .formats import (
    DATE_RE, EMAIL_RE, MAX_ANSWER_DEPTH, MAX_EMAIL_LENGTH, MAX_FILE_NAME_LENGTH, MAX_ITEMS, MAX_MEDIA_TYPE_LENGTH,
    MAX_PHONE_LENGTH, MAX_SAFE_INTEGER, MAX_STRING_LENGTH, PHONE_RE, SHA256_RE, decimal_places, has_bad_characters,
    is_date, is_email, is_phone, is_number,
)
from .messages import problem_message
from .program import Computed, Program, Question, Repeat
from .shortcodes import render_text
from .state import Evaluator, Node, Row, computed_value, default_context, evaluator_for, visible_values

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
    """One validation: collects problems (`add`) and renders their messages once the state is
    complete (`problems`), since a question's own `message` may pipe any visible answer."""

    def __init__(self, program: Program, evaluator: Evaluator, vis: list[bool], val: list[Any], draft: bool,
                 context: Mapping[str, Any]) -> None:
        self.program, self.evaluator, self.vis, self.val = program, evaluator, vis, val
        self.draft, self.context = draft, context
        self.found: list[tuple[str, str, dict[str, Any], Question | Computed | Repeat | None, str | None]] = []
        self.row_checks: dict[int, tuple[_Take, _Check]] = {}  # set by `validate`

    def add(self, pointer: str, code: str, params: dict[str, Any] | None = None,
            item: Question | Computed | Repeat | None = None, variant: str | None = None) -> None:
        self.found.append((pointer, code, params or {}, item, variant))

    def problems(self) -> list[Problem]:
        """The problems found, in the order found, with their messages."""
        values: dict[str, Any] | None = None
        result = []
        for pointer, code, params, item, variant in self.found:
            if variant is None and item is not None:
                variant = item.type if isinstance(item, Question) else item.kind
            if isinstance(item, Question) and item.message and code in _OWN_CHECKS:
                if values is None:
                    values = visible_values(self.evaluator, self.vis, self.val)
                message = render_text(item.message, self.context, values, program=self.program)
            else:
                message = problem_message(code, params, self.program.language, variant)
            result.append(Problem(pointer, code, message, params))
        return result


def validate(program: Program, answers: Any, draft: bool = False,
             context: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every problem with `answers` as a submission (or as a draft when `draft`).

    One pass over the nodes in document order evaluates each node (visibility, value,
    required-ness, as `Evaluator.evaluate`) and checks its answer: a condition reads only earlier
    nodes, and an answer's checks only its own node. A visible answer that passes its question's
    `acceptor` needs no further check."""
    evaluator = evaluator_for(program)
    context = default_context(context)
    if not isinstance(answers, dict):
        state = evaluator.evaluate({}, context)
        run = _Run(program, evaluator, state.vis, state.val, draft, context)
        run.add("", "not-an-object")
        return run.problems()
    if evaluator.validation is None:
        evaluator.validation = _plan(evaluator)
    plan, row_checks = evaluator.validation
    size = len(evaluator.nodes)
    vis: list[bool] = [False] * size
    val: list[Any] = [None] * size
    env = Env(val, vis, None, context)
    run = _Run(program, evaluator, vis, val, draft, context)
    run.row_checks = row_checks
    submit = not draft
    present = 0  # keys of `answers` that are top-level ids
    get = answers.get
    for kind, i, parent, cond, ident, pointer, required, take, check, node in plan:
        if kind == _QUESTION:
            value = get(ident, _ABSENT)
            if vis[parent] and (cond is None or cond(env) is True):
                vis[i] = True
                if value is _ABSENT:
                    if submit and _is_required(required, env):
                        run.add(pointer, "required", {}, node.item)
                    continue
                present += 1
                accepted = take(value)
                if accepted is _REJECTED:
                    accepted = node.norm(value)
                    _check_shown_answer(run, submit, _is_required(required, env), node, value, pointer, check)
                val[i] = accepted
            elif value is not _ABSENT:
                present += 1
                if not _too_deep_or_hidden(run, submit, False, node, value, pointer):
                    check(run, value, pointer)
        elif kind == _SECTION:
            shown = cond is None or cond(env) is True
            skipped = node.skip is not None and node.skip(env) is True
            vis[i] = shown and not skipped
            val[i] = "skipped" if skipped else ("visible" if shown else "hidden")
        elif kind == _OTHER:  # a note or a group
            vis[i] = vis[parent] and (cond is None or cond(env) is True)
        else:  # a computed item or a repeat
            value = get(ident, _ABSENT)
            shown = vis[parent] and (cond is None or cond(env) is True)
            if shown:
                vis[i] = True
                if kind == _COMPUTED:
                    val[i] = computed_value(node.item.value_type, node.expr(env))
                else:
                    val[i] = evaluator.rows(node, None if value is _ABSENT else value, env)
            if value is not _ABSENT:
                present += 1
                if _too_deep_or_hidden(run, submit, shown, node, value, pointer):
                    continue
                if kind == _COMPUTED:
                    _check_computed(run, node.item, value, pointer, val[i])
                else:
                    _check_repeat(run, node, value, pointer)
            elif submit and shown and kind == _REPEAT:
                _check_row_count(run, node, [])
    if present < len(answers):
        for key in answers:
            if not isinstance(key, str) or key not in evaluator.by_id:
                run.add("/" + escape_pointer(key), "unknown-key")
    return run.problems()


def _is_required(required: bool | Compiled, env: Env) -> bool:
    """Whether a visible question is required now: `required` is True, False or its condition."""
    return required is True or (required is not False and required(env) is True)


def _check_shown_answer(run: _Run, submit: bool, required: bool, node: Node, value: Any, pointer: str,
                        check: _Check) -> None:
    """The checks of a visible question's present answer that its acceptor did not take."""
    if _too_deep_or_hidden(run, submit, True, node, value, pointer):
        return
    if submit and required and _is_empty(value):
        run.add(pointer, "required", {}, node.item)
    else:
        check(run, value, pointer)


def _too_deep_or_hidden(run: _Run, submit: bool, visible: bool, node: Node, value: Any, pointer: str) -> bool:
    """Report `too-deep`, or in a submission `hidden-answer` for an item not `visible`; False when
    neither applies and the answer's own checks follow."""
    if isinstance(value, (dict, list)) and too_deep(value, MAX_ANSWER_DEPTH - 1):
        run.add(pointer, "too-deep", {"max": MAX_ANSWER_DEPTH})
    elif submit and not visible:
        run.add(pointer, "hidden-answer", {}, node.item)
    else:
        return False
    return True


_ABSENT = object()
_REJECTED = object()  # what an acceptor returns for an answer that needs the full checks
_SECTION, _QUESTION, _COMPUTED, _REPEAT, _OTHER = range(5)
_KINDS = {"section": _SECTION, "question": _QUESTION, "computed": _COMPUTED, "repeat": _REPEAT}

_Check = Callable[["_Run", Any, str], None]
_Take = Callable[[Any], Any]
_Step = tuple[int, int, int, "Compiled | None", str, str, "bool | Compiled", _Take | None, _Check | None, Node]


def _plan(evaluator: Evaluator) -> tuple[list[_Step], dict[int, tuple[_Take, _Check]]]:
    """Built once per evaluator: per node in document order its kind, index, parent, condition,
    id, pointer, required-ness (True, False or the condition) and, for a question, its `acceptor`
    and `checker`; and the acceptor and checker of each question inside repeats, by `id()` of its
    row node."""
    plan: list[_Step] = []
    row_checks: dict[int, tuple[_Take, _Check]] = {}
    for node in evaluator.nodes:
        question = node.kind == "question"
        required: bool | Compiled = node.required if node.required_cond is None else node.required_cond
        plan.append((_KINDS.get(node.kind, _OTHER), node.index, node.parent, node.cond, node.id,
                     "/" + escape_pointer(node.id), required, acceptor(node.item) if question else None,
                     checker(node.item) if question else None, node))
        if node.row is not None:
            for field_node in node.row.nodes:
                if field_node.kind == "question":
                    row_checks[id(field_node)] = (acceptor(field_node.item), checker(field_node.item))
    return plan, row_checks


def value_problems(program: Program, question: Question, value: Any,
                   context: Mapping[str, Any] | None = None) -> list[Problem]:
    """The type and per-value problems of one value for one question, as in a draft."""
    evaluator = evaluator_for(program)
    context = default_context(context)
    state = evaluator.evaluate({}, context)
    run = _Run(program, evaluator, state.vis, state.val, True, context)
    check_value(run, question, value, "")
    return run.problems()


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


def checker(q: Question) -> _Check:
    """`check_value` for one question, with what it needs looked up once: `check(run, value,
    pointer)` decides "no answer" (`is_no_answer`) and then runs the checks of the question's type."""
    kind = q.type
    if kind in ("text", "textarea", "email", "phone", "date"):
        def check(run: _Run, value: Any, pointer: str) -> None:
            if not isinstance(value, str):
                run.add(pointer, "type", {"expected": "string"}, q)
            elif not value or _text_problem(run, q, value, pointer):
                return
            elif kind == "date":
                _check_date(run, q, value, pointer)
            else:
                _string_rules(run, q, value, pointer)
    elif kind in ("number", "integer", "money"):
        def check(run: _Run, value: Any, pointer: str) -> None:
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


def acceptor(q: Question) -> _Take:
    """For one question, `take(value)`: the value expressions see (`normalize_answer`) when `value`
    passes every check of `checker` in a draft and in a submission, else `_REJECTED`, which asks for
    the full checks. It accepts the common valid answers cheaply and never one with a problem; an
    answer it rejects may still be valid."""
    c = q.checks
    kind = q.type
    if kind in ("text", "textarea", "email", "phone"):
        shortest = max(c.min_length or 0, 1)  # "" is no answer
        longest = {"email": MAX_EMAIL_LENGTH, "phone": MAX_PHONE_LENGTH}.get(kind, MAX_STRING_LENGTH)
        if c.max_length is not None:
            longest = min(longest, c.max_length)
        try:
            pattern = None if c.pattern is None else _pattern(c.pattern)
        except Exception:  # noqa: BLE001 - a bad pattern fails in `_string_rules`
            return _reject
        matchers = [m.match for m in ({"email": EMAIL_RE, "phone": PHONE_RE}.get(kind), pattern) if m is not None]
        if not matchers:
            return lambda v: (v if v.__class__ is str and shortest <= len(v) <= longest and not has_bad_characters(v)
                              else _REJECTED)
        if len(matchers) > 1:  # a format and a pattern: the full checks
            return _reject
        match = matchers[0]
        return lambda v: (v if v.__class__ is str and shortest <= len(v) <= longest and not has_bad_characters(v)
                          and match(v) is not None else _REJECTED)
    if kind == "date":
        if c.min_date == "today" or c.max_date == "today":  # bounds that depend on the context
            return _reject
        earliest = _date_bound(c.min_date, {}) or "0001-01-01"
        latest = _date_bound(c.max_date, {}) or "9999-12-31"
        match_date = DATE_RE.match
        return lambda v: (v if v.__class__ is str and len(v) == 10 and match_date(v) is not None
                          and earliest <= v <= latest else _REJECTED)
    if kind in ("number", "integer", "money"):
        if not (c.decimals is None or (isinstance(c.decimals, int) and c.decimals >= 0)):
            return _reject
        # a safe integer within the bounds passes every check (`decimal_places` of an int is 0); for a
        # number or an amount, so does a float within the bounds whose `repr` has few enough decimals
        smallest = -MAX_SAFE_INTEGER if c.minimum is None else max(c.minimum, -MAX_SAFE_INTEGER)
        largest = MAX_SAFE_INTEGER if c.maximum is None else min(c.maximum, MAX_SAFE_INTEGER)
        if kind == "integer":
            return lambda v: v if v.__class__ is int and smallest <= v <= largest else _REJECTED
        decimals = c.decimals

        def take_number(v: Any) -> Any:
            if v.__class__ is int:
                return v if smallest <= v <= largest else _REJECTED
            if v.__class__ is float and smallest <= v <= largest:  # NaN and ±Infinity fail the bounds
                if decimals is not None:
                    text = repr(v)
                    if "e" in text or len(text) - text.index(".") - 1 > decimals:
                        return _REJECTED
                return int(v) if v.is_integer() else v
            return _REJECTED
        return take_number
    if kind == "yesno":
        return lambda v: v if v.__class__ is bool else _REJECTED
    if kind == "choice":
        options = _option_ids(q) - {""}
        return lambda v: v if v.__class__ is str and v in options else _REJECTED
    if kind == "multichoice":
        choices = _option_ids(q)
        fewest = max(c.min_items or 0, 1)  # [] is no answer
        most = MAX_ITEMS if c.max_items is None else min(c.max_items, MAX_ITEMS)

        def take_choices(v: Any) -> Any:
            if v.__class__ is list and fewest <= len(v) <= most:
                try:
                    "".join(v)  # raises TypeError unless every selection is a string
                except TypeError:
                    return _REJECTED
                if choices.issuperset(v) and len(set(v)) == len(v):
                    return tuple(v)
            return _REJECTED
        return take_choices
    if kind == "file":
        fewest = max(c.min_items or 0, 1)  # [] is no answer
        most = MAX_ITEMS if c.max_items is None else min(c.max_items, MAX_ITEMS)

        def take_files(v: Any) -> Any:
            if v.__class__ is list and fewest <= len(v) <= most and all(_file_problem(q, item) is None for item in v):
                return tuple(v)
            return _REJECTED
        return take_files
    return _reject


def _reject(value: Any) -> Any:
    return _REJECTED


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
        before = len(run.found)
        _check_file(run, q, item, f"{pointer}/{i}")
        reported += len(run.found) > before
        if reported >= MAX_PROBLEMS_PER_LIST:
            return


def _check_file(run: _Run, q: Question, item: Any, pointer: str) -> None:
    problem = _file_problem(q, item)
    if problem is not None:
        key, code, params = problem
        run.add(f"{pointer}/{key}" if key else pointer, code, params, q)


def _file_problem(q: Question, item: Any) -> tuple[str | None, str, dict[str, Any]] | None:
    """The first problem of one file answer object: the key at fault (None for the whole object),
    the code and its parameters."""
    problem = file_object_problem(item)
    if problem is not None:
        reason, key = problem
        return key, "file-object", {"reason": reason}
    accept = q.checks.accept
    if accept and file_extension(item["name"]) not in accept:
        return "name", "file-type", {"accept": list(accept)}
    if q.checks.max_size is not None and item["size"] > q.checks.max_size:
        return "size", "file-size", {"max_size": q.checks.max_size}
    return None


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
    rows: tuple[Row, ...] = run.val[node.index] or ()
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
        take, check = run.row_checks[id(node)]
        if take(value) is _REJECTED:
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
