"""The public runtime object: `load` reads a compiled `organizer.json` into a `Template`, which
evaluates, validates, builds submissions, prefills and renders text for that program.

Loading never crashes on a malformed file: every defect becomes a `LoadError` naming where it is.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Mapping

from .expressions import is_answered
from .formats import MAX_SAFE_INTEGER, is_date, normalize_number
from .program import Checks, Computed, Group, Note, Program, Question, Repeat, Section, program_from_json
from .shortcodes import render_html, render_text
from .state import Evaluator, ProgramError, State, default_context
from .validate import Problem, submission, validate, value_problems

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ITEM_NESTING = 64


class LoadError(ValueError):
    """`organizer.json` cannot be used; the message says where and why."""


class Template:
    """A compiled template, ready to evaluate and validate answers."""

    def __init__(self, program: Program) -> None:
        check_program(program)
        try:
            self.evaluator = Evaluator(program)
        except ProgramError as exc:
            raise LoadError(f"organizer.json is malformed: {exc}") from None
        self.program = program

    @property
    def id(self) -> str:
        return self.program.id

    @property
    def language(self) -> str:
        return self.program.language

    def evaluate(self, answers: Any, context: Mapping[str, Any] | None = None) -> State:
        """Visible sections and items, skipped sections, computed values, progress, navigation."""
        return self.evaluator.evaluate(answers, context)

    def update(self, state: State, changed: str, answers: Any, context: Mapping[str, Any] | None = None) -> State:
        """The state after one answer changed (only its dependents are evaluated again)."""
        return self.evaluator.update(state, changed, answers, context)

    def validate(self, answers: Any, draft: bool = False, context: Mapping[str, Any] | None = None) -> list[Problem]:
        return validate(self.program, answers, draft, context)

    def submission(self, answers: Any, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The answers without hidden or skipped values."""
        return submission(self.program, answers, context)

    def prefill(self, context: Mapping[str, Any] | None = None, previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Initial answers: each question's `prefill` value (from `client.*`, `firm.*` or
        `previous.ID`) when it is a valid answer, else its `default`."""
        context = default_context(context)
        result: dict[str, Any] = {}
        for node in self.evaluator.questions:
            question: Question = node.item
            value = _prefill_value(question.prefill, context, previous)
            if value is not None and _acceptable(self.program, question, value, context):
                result[question.id] = value
            elif question.default is not None and _acceptable(self.program, question, question.default, context):
                result[question.id] = question.default
        return result

    def render(self, parts: Any, answers: Any = None, context: Mapping[str, Any] | None = None) -> str:
        """Plain text of TextParts, piping only visible answers."""
        context = default_context(context)
        return render_text(parts, context, self.evaluate(answers or {}, context).values, program=self.program)

    def render_html(self, parts: Any, answers: Any = None, context: Mapping[str, Any] | None = None) -> str:
        """HTML-escaped text of TextParts, piping only visible answers."""
        context = default_context(context)
        return render_html(parts, context, self.evaluate(answers or {}, context).values, program=self.program)

    def title(self, answers: Any = None, context: Mapping[str, Any] | None = None) -> str:
        return self.render(self.program.title, answers, context)


def _prefill_value(path: tuple[str, ...] | None, context: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Any:
    if not path:
        return None
    if path[0] == "previous":
        return previous.get(path[1]) if isinstance(previous, Mapping) and len(path) == 2 else None
    value: Any = context
    for name in path:
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def _acceptable(program: Program, question: Question, value: Any, context: Mapping[str, Any]) -> bool:
    return is_answered(value) and not value_problems(program, question, value, context)


def load(source: str | os.PathLike[str] | Mapping[str, Any]) -> Template:
    """A Template from an `organizer.json` path or its parsed document; raises LoadError."""
    if isinstance(source, Mapping):
        data: Any = source
    elif isinstance(source, (str, os.PathLike)):
        data = _read_json(source)
    else:
        raise LoadError("organizer.json must hold a JSON object (give a path or a parsed document)")
    if not isinstance(data, dict):
        raise LoadError("organizer.json must hold a JSON object")
    try:
        program = program_from_json(data)
    except RecursionError:
        raise LoadError("organizer.json is nested too deeply") from None
    except ValueError as exc:
        raise LoadError(str(exc)) from None
    except KeyError as exc:
        raise LoadError(f"organizer.json is malformed: missing key {exc.args[0]!r}") from None
    except (TypeError, AttributeError) as exc:
        raise LoadError(f"organizer.json is malformed: {exc}") from None
    return Template(program)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _read_json(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise LoadError(f"cannot read {os.fspath(path)}: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise LoadError(f"{os.fspath(path)} is larger than {MAX_FILE_BYTES} bytes")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise LoadError(f"{os.fspath(path)} is not UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise LoadError(f"{os.fspath(path)} is nested too deeply") from None
    except ValueError as exc:
        raise LoadError(f"{os.fspath(path)} is not valid JSON: {exc}") from None


# --- checks of a program beyond what the Evaluator needs -----------------------------------------


def check_program(program: Any) -> None:
    """Raise LoadError when a field of the program has a type or value the runtime cannot use."""
    if not isinstance(program, Program):
        raise LoadError("not a Program")
    _expect(isinstance(program.id, str), "/id", "must be a string")
    _expect(isinstance(program.language, str), "/language", "must be a string")
    _expect(isinstance(program.sections, tuple), "/sections", "must be a list")
    _text(program.title, "/title")
    if program.description is not None:
        _text(program.description, "/description")
    for s, section in enumerate(program.sections):
        where = f"/sections/{s}"
        _expect(isinstance(section, Section), where, "must be a section")
        _text(section.title, f"{where}/title")
        _items(section.items, f"{where}/items", 1)


def _expect(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise LoadError(f"organizer.json is malformed: {where}: {message}")


def _text(parts: Any, where: str) -> None:
    _expect(isinstance(parts, (list, tuple)), where, "text must be a list of parts")
    for i, part in enumerate(parts):
        if isinstance(part, str):
            continue
        _expect(isinstance(part, dict) and set(part) <= {"path", "offset", "fallback"} and "path" in part,
                f"{where}/{i}", "a part must be a string or a shortcode object")
        path = part["path"]
        _expect(isinstance(path, list) and bool(path) and all(isinstance(p, str) for p in path),
                f"{where}/{i}/path", "must be a non-empty list of names")
        offset = part.get("offset", 0)
        _expect(isinstance(offset, int) and not isinstance(offset, bool) and abs(offset) <= MAX_SAFE_INTEGER,
                f"{where}/{i}/offset", "must be an integer")
        _expect(part.get("fallback") is None or isinstance(part.get("fallback"), str),
                f"{where}/{i}/fallback", "must be a string or null")


def _items(items: Any, where: str, depth: int) -> None:
    _expect(depth <= MAX_ITEM_NESTING, where, f"items nest deeper than {MAX_ITEM_NESTING}")
    _expect(isinstance(items, tuple), where, "must be a list")
    for i, item in enumerate(items):
        here = f"{where}/{i}"
        if isinstance(item, Note):
            _text(item.text, f"{here}/text")
        elif isinstance(item, (Group, Repeat)):
            _text(item.title, f"{here}/title")
            if isinstance(item, Repeat):
                for name in ("min_rows", "max_rows"):
                    _count(getattr(item, name), f"{here}/{name}")
            _items(item.items, f"{here}/items", depth + 1)
        elif isinstance(item, Computed):
            _text(item.label, f"{here}/label")
        elif isinstance(item, Question):
            _question(item, here)
        else:
            _expect(False, here, "unknown item")


def _count(value: Any, where: str) -> None:
    _expect(value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE_INTEGER),
            where, "must be a whole number >= 0 or null")


def _question(q: Question, where: str) -> None:
    _text(q.label, f"{where}/label")
    for name in ("help", "placeholder", "message"):
        if getattr(q, name) is not None:
            _text(getattr(q, name), f"{where}/{name}")
    _expect(isinstance(q.required, bool) or isinstance(q.required, dict), f"{where}/required",
            "must be true, false or an expression")
    _expect(q.prefill is None or (len(q.prefill) >= 1 and all(isinstance(p, str) for p in q.prefill)),
            f"{where}/prefill", "must be a list of names or null")
    _expect(q.currency is None or isinstance(q.currency, str), f"{where}/currency", "must be a string or null")
    _expect(isinstance(q.options, tuple), f"{where}/options", "must be a list")
    ids = [o.id for o in q.options]
    _expect(all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids), f"{where}/options",
            "option ids must be distinct strings")
    for k, option in enumerate(q.options):
        _text(option.label, f"{where}/options/{k}/label")
    _checks(q.checks, f"{where}/checks")


def _checks(c: Checks, where: str) -> None:
    _expect(isinstance(c, Checks), where, "must be an object")
    for name in ("min_length", "max_length", "min_items", "max_items", "decimals", "max_size"):
        _count(getattr(c, name), f"{where}/{name}")
    for name in ("minimum", "maximum"):
        value = getattr(c, name)
        _expect(value is None or normalize_number(value) is not None, f"{where}/{name}",
                "must be a number within ±(2^53 - 1) or null")
    for name in ("min_date", "max_date"):
        value = getattr(c, name)
        _expect(value is None or value == "today" or is_date(value), f"{where}/{name}",
                "must be YYYY-MM-DD, \"today\" or null")
    _expect(isinstance(c.accept, tuple) and all(isinstance(a, str) for a in c.accept), f"{where}/accept",
            "must be a list of extensions")
    for name in ("pattern", "pattern_source"):
        _expect(getattr(c, name) is None or isinstance(getattr(c, name), str), f"{where}/{name}",
                "must be a string or null")
    if c.pattern is not None:
        try:
            re.compile(c.pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            raise LoadError(f"organizer.json is malformed: {where}/pattern: not a valid pattern ({exc})") from None
