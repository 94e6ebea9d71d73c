"""Diagnostics -> text for people (source line, caret underline, hint) and JSON for tools."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping

from .diagnostics import Diagnostic, Severity
from .parse import normalise_newlines

_TAB = "    "


MAX_MESSAGE = 300
_WINDOW = 160


def _display(char: str) -> tuple[str, int]:
    """How one source character is shown, and how many terminal columns it takes."""
    if char == "\t":
        return _TAB, len(_TAB)
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return "\ufffd", 1  # invisible and control characters are made visible
    if category in ("Mn", "Me"):
        return char, 0
    return char, 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _snippet(diagnostic: Diagnostic, lines: list[str]) -> list[str]:
    span = diagnostic.span
    if not 1 <= span.line <= len(lines):
        return []
    source = lines[span.line - 1]
    start = min(max(span.column, 1), len(source) + 1)
    end = span.end_column if span.end_line == span.line else len(source) + 1
    end = min(max(end, start + 1), max(len(source) + 1, start + 1))
    first = max(start - 1 - _WINDOW // 3, 0) if len(source) > _WINDOW else 0
    last = min(first + _WINDOW, len(source)) if len(source) > _WINDOW else len(source)
    shown = [_display(c) for c in source[first:last]]
    lead = sum(w for _, w in shown[: start - 1 - first])
    width = max(sum(w for _, w in shown[start - 1 - first : end - 1 - first]), 1)
    text = "".join(s for s, _ in shown)
    if first:
        text, lead = "..." + text, lead + 3
    if last < len(source):
        text += "..."
    gutter = " " * len(str(span.line))
    caret = " " * lead + "^" * width + (f" {_clean(diagnostic.label)}" if diagnostic.label else "")
    return [f"{gutter} |", f"{span.line} | {text}".rstrip(), f"{gutter} | {caret}".rstrip()]


def _clean(message: str) -> str:
    """Messages quote user text: keep control characters out of the terminal and bound the length."""
    cleaned = "".join(c if c.isprintable() else "\ufffd" for c in message)
    return cleaned if len(cleaned) <= MAX_MESSAGE else cleaned[: MAX_MESSAGE - 3] + "..."


def render_one(diagnostic: Diagnostic, lines: list[str]) -> str:
    span = diagnostic.span
    head = f"{span.file}:{span.line}:{span.column}: {diagnostic.severity.value}: {_clean(diagnostic.message)}"
    body = _snippet(diagnostic, lines)
    gutter = " " * len(str(span.line))
    notes = [f"{gutter} = help: {_clean(note)}" for note in diagnostic.notes]
    return "\n".join([head, *body, *notes])


def render_human(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]) -> str:
    """Every diagnostic with its source snippet, separated by blank lines."""
    split = {file: normalise_newlines(text.removeprefix("\ufeff")).split("\n") for file, text in sources.items()}
    return "\n\n".join(render_one(d, split.get(d.span.file, [])) for d in diagnostics)


def summary(diagnostics: Iterable[Diagnostic], files: int) -> str:
    items = list(diagnostics)
    errors = sum(d.severity is Severity.ERROR for d in items)
    warnings = len(items) - errors
    noun = "file" if files == 1 else "files"
    if not items:
        return f"checked {files} {noun}: no problems"
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return f"checked {files} {noun}: " + ", ".join(parts)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False)
