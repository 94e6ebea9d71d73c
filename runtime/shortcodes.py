"""Shortcodes: pre-parsed text parts (`organizer.json` TextParts) and values in, text out.

A part is a literal string or `{"path": [...], "offset": N, "fallback": "..." | null}`. A path of
one question id pipes that question's answer (option labels for choices, `Yes`/`No`, dates and
money in the program's language); any other path reads the context (`client.*`, `firm.*`, `year`,
`today`, custom fields). An offset adds to a number or shifts a date by whole years. A missing,
null or empty value renders the fallback, else nothing. Values are inserted as text, never
parsed as templates; `render_html` escapes every literal and every value.
"""

from __future__ import annotations

import datetime
from typing import Any, Mapping

from markupsafe import escape

from .expressions import arith
from .formats import is_date
from .messages import format_date, format_money, format_number, ui
from .program import Computed, Program, Question, Repeat, Section

_MAX_LABEL_DEPTH = 2  # option labels may hold shortcodes; theirs are rendered one level deep only


def render_text(parts: Any, context: Mapping[str, Any] | None = None, answers: Mapping[str, Any] | None = None,
                *, program: Program | None = None, language: str | None = None) -> str:
    """The plain text of `parts`. `answers` should hold only visible answers (see Template.render)."""
    return "".join(_render(parts, context or {}, answers or {}, program, language, escape_html=False, depth=0))


def render_html(parts: Any, context: Mapping[str, Any] | None = None, answers: Mapping[str, Any] | None = None,
                *, program: Program | None = None, language: str | None = None) -> str:
    """Like `render_text`, with every literal part and every inserted value HTML-escaped."""
    return "".join(_render(parts, context or {}, answers or {}, program, language, escape_html=True, depth=0))


def _render(parts: Any, context: Mapping[str, Any], answers: Mapping[str, Any], program: Program | None,
            language: str | None, *, escape_html: bool, depth: int) -> list[str]:
    language = language or (program.language if program is not None else "en")
    if isinstance(parts, str):
        parts = [parts]
    if not isinstance(parts, (list, tuple)):
        return []
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            text = part
        elif isinstance(part, dict):
            text = _shortcode(part, context, answers, program, language, depth)
        else:
            continue
        out.append(str(escape(text)) if escape_html else text)
    return out


def _shortcode(code: dict[str, Any], context: Mapping[str, Any], answers: Mapping[str, Any],
               program: Program | None, language: str, depth: int) -> str:
    path = code.get("path")
    offset = code.get("offset") or 0
    fallback = code.get("fallback")
    fallback = fallback if isinstance(fallback, str) else ""
    if not isinstance(path, (list, tuple)) or not path or depth >= _MAX_LABEL_DEPTH:
        return fallback
    offset = offset if isinstance(offset, int) and not isinstance(offset, bool) else 0
    item = _items(program).get(path[0]) if len(path) == 1 else None
    if item is not None:
        text = _answer_text(item, answers.get(path[0]), offset, context, answers, program, language, depth)
    else:
        text = _context_text(_lookup(context, path), offset, language)
    return fallback if text is None or text == "" else text


def _lookup(context: Mapping[str, Any], path: Any) -> Any:
    value: Any = context
    for name in path:
        if not isinstance(value, Mapping) or not isinstance(name, str):
            return None
        value = value.get(name)
    return value


def _context_text(value: Any, offset: int, language: str) -> str | None:
    if isinstance(value, bool):
        return ui("yes" if value else "no", language)
    if isinstance(value, (int, float)):
        shifted = arith("+", value, offset) if offset else value
        if isinstance(shifted, int):
            return str(shifted)  # `<<year>>` is 2024, never 2,024
        return None if shifted is None else format_number(shifted, language)
    if isinstance(value, str):
        if is_date(value):
            shifted_date = shift_years(value, offset)
            return None if shifted_date is None else format_date(shifted_date, language)
        return value
    return None


def shift_years(value: str, years: int) -> str | None:
    """The ISO date `years` later (earlier when negative); 29 February becomes 28 February."""
    if not years:
        return value
    date = datetime.date.fromisoformat(value)
    year = date.year + years
    if not 1 <= year <= 9999:
        return None
    day = date.day
    if date.month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 28
    return datetime.date(year, date.month, day).isoformat()


def _answer_text(item: Question | Computed, value: Any, offset: int, context: Mapping[str, Any],
                 answers: Mapping[str, Any], program: Program | None, language: str, depth: int) -> str | None:
    if value is None or value == "" or value == [] or value == ():
        return None
    if isinstance(item, Computed):
        if item.value_type == "number":
            shifted = arith("+", value, offset) if offset else value
            return None if shifted is None else format_number(shifted, language)
        return _context_text(value, 0, language) if item.value_type == "boolean" else str(value)
    kind = item.type
    if kind == "yesno":
        return ui("yes" if value is True else "no", language) if isinstance(value, bool) else None
    if kind in ("choice", "multichoice"):
        chosen = [value] if kind == "choice" else list(value) if isinstance(value, (list, tuple)) else []
        labels = {o.id: o.label for o in item.options}
        return ", ".join(
            "".join(_render(labels[v], context, answers, program, language, escape_html=False, depth=depth + 1))
            if isinstance(v, str) and v in labels else str(v) for v in chosen)
    if kind == "date":
        shifted_date = shift_years(value, offset) if is_date(value) else None
        return None if shifted_date is None else format_date(shifted_date, language)
    if kind in ("number", "integer", "money"):
        shifted = arith("+", value, offset)
        if shifted is None:
            return None
        if kind == "money":
            return format_money(shifted, item.currency, language, item.checks.decimals)
        return format_number(shifted, language)
    if kind == "file":
        names = [f.get("name") for f in value if isinstance(f, dict)] if isinstance(value, (list, tuple)) else []
        return ", ".join(n for n in names if isinstance(n, str))
    return value if isinstance(value, str) else None


_ITEMS_CACHE: list[tuple[Program, dict[str, Question | Computed]]] = []


def _items(program: Program | None) -> dict[str, Question | Computed]:
    """Top-level questions and computed items by id (those a one-name shortcode can pipe)."""
    if program is None:
        return {}
    for cached, items in _ITEMS_CACHE:
        if cached is program:
            return items
    found: dict[str, Question | Computed] = {}
    stack: list[Any] = list(reversed(program.sections))
    while stack:
        node = stack.pop()
        if isinstance(node, (Question, Computed)):
            found[node.id] = node
        elif isinstance(node, (Section,)) or (hasattr(node, "items") and not isinstance(node, Repeat)):
            stack.extend(reversed(node.items))
    _ITEMS_CACHE.insert(0, (program, found))
    del _ITEMS_CACHE[8:]
    return found
