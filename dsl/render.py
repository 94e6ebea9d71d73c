"""Diagnostics -> text for people (source line, caret underline, hint) and JSON for tools."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping

from .diagnostics import Diagnostic, Severity

_TAB = "    "


def _display(char: str) -> str:
    """How one source character is shown: tabs widened, invisible and control characters made visible."""
    if char == "\t":
        return _TAB
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return "\ufffd"
    return char


def _snippet(diagnostic: Diagnostic, lines: list[str]) -> list[str]:
    span = diagnostic.span
    if not 1 <= span.line <= len(lines):
        return []
    source = lines[span.line - 1]
    shown = [_display(c) for c in source]
    start = min(max(span.column, 1), len(source) + 1)
    end = span.end_column if span.end_line == span.line else len(source) + 1
    end = min(max(end, start + 1), max(len(source) + 1, start + 1))
    lead = sum(len(s) for s in shown[: start - 1])
    width = max(sum(len(s) for s in shown[start - 1 : end - 1]), 1)
    gutter = " " * len(str(span.line))
    caret = " " * lead + "^" * width + (f" {diagnostic.label}" if diagnostic.label else "")
    text = "".join(shown)
    if len(text) > 200:  # very long lines: show a window around the span
        cut = max(lead - 60, 0)
        text, caret = "..." + text[cut : cut + 160], "   " + caret[cut:]
    return [f"{gutter} |", f"{span.line} | {text}".rstrip(), f"{gutter} | {caret}".rstrip()]


def render_one(diagnostic: Diagnostic, lines: list[str]) -> str:
    span = diagnostic.span
    head = f"{span.file}:{span.line}:{span.column}: {diagnostic.severity.value}: {diagnostic.message}"
    body = _snippet(diagnostic, lines)
    gutter = " " * len(str(span.line))
    notes = [f"{gutter} = help: {note}" for note in diagnostic.notes]
    return "\n".join([head, *body, *notes])


def render_human(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]) -> str:
    """Every diagnostic with its source snippet, separated by blank lines."""
    split = {file: text.replace("\r\n", "\n").replace("\r", "\n").split("\n") for file, text in sources.items()}
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
