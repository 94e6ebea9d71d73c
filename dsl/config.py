"""The library configuration `organizer.yaml`: extra context fields, preview context, defaults."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Severity, Span

CONFIG_NAME = "organizer.yaml"
CONTEXT_TYPES = ("string", "number", "date", "boolean")

BUILTIN_CONTEXT: dict[tuple[str, ...], str] = {
    ("client", "name"): "string",
    ("client", "first_name"): "string",
    ("client", "last_name"): "string",
    ("client", "email"): "string",
    ("client", "company"): "string",
    ("firm", "name"): "string",
    ("firm", "email"): "string",
    ("firm", "phone"): "string",
    ("year",): "number",
    ("today",): "date",
}


@dataclass(frozen=True, slots=True)
class LibraryConfig:
    """What `organizer.yaml` declares; `context` maps every known context path to its type."""

    context: dict[tuple[str, ...], str] = field(default_factory=lambda: dict(BUILTIN_CONTEXT))
    preview: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    path: str | None = None


DEFAULT_CONFIG = LibraryConfig()


def find_config(start: Path) -> Path | None:
    """The nearest `organizer.yaml` in `start` (a folder or a file's folder) or its parents."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
    return None


def load_config(path: Path) -> tuple[LibraryConfig, list[Diagnostic]]:
    """Read `organizer.yaml`; problems come back as diagnostics located in that file."""
    file = str(path)
    problems: list[Diagnostic] = []

    def fail(line: int, column: int, message: str, label: str = "") -> None:
        problems.append(Diagnostic(Span(file, line, column, line, column + 1), Severity.ERROR, "config", message, label))

    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        fail(1, 1, f"cannot read {CONFIG_NAME}: {exc}")
        return DEFAULT_CONFIG, problems
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        fail((mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1,
             f"{CONFIG_NAME} is not valid YAML: {getattr(exc, 'problem', None) or exc}")
        return DEFAULT_CONFIG, problems
    if data is None:
        return LibraryConfig(path=file), problems
    if not isinstance(data, dict):
        fail(1, 1, f"{CONFIG_NAME} must be a mapping with `context`, `preview` and `defaults`")
        return DEFAULT_CONFIG, problems
    for key in data:
        if key not in ("context", "preview", "defaults"):
            fail(_line_of(text, str(key)), 1, f"unknown key `{key}` in {CONFIG_NAME}",
                 "expected `context`, `preview` or `defaults`")
    context = dict(BUILTIN_CONTEXT)
    _read_context(data.get("context") or {}, (), context, text, fail)
    preview = data.get("preview") or {}
    defaults = data.get("defaults") or {}
    if not isinstance(preview, dict):
        fail(_line_of(text, "preview"), 1, "`preview` must be a mapping of context values")
        preview = {}
    if not isinstance(defaults, dict):
        fail(_line_of(text, "defaults"), 1, "`defaults` must be a mapping")
        defaults = {}
    _check_preview(preview, (), context, text, problems, file)
    return LibraryConfig(context, preview, defaults, file), problems


def _check_preview(node: dict[str, Any], prefix: tuple[str, ...], context: dict[tuple[str, ...], str], text: str,
                   problems: list[Diagnostic], file: str) -> None:
    """Every preview value must name a context field and have its type."""
    for key, value in node.items():
        path = (*prefix, str(key))
        line = _line_of(text, str(key))
        span = Span(file, line, 1, line, 2)
        if isinstance(value, dict) and any(p[: len(path)] == path for p in context):
            _check_preview(value, path, context, text, problems, file)
        elif path not in context:
            known = sorted(".".join(p) for p in context)
            problems.append(Diagnostic(span, Severity.WARNING, "config", f"preview sets `{'.'.join(path)}`, which is no context field",
                                       "", ("declare it under `context`, or remove it; known fields: " + ", ".join(known),)))
        elif not _has_type(value, context[path]):
            problems.append(Diagnostic(span, Severity.ERROR, "config", f"preview value of `{'.'.join(path)}` is not a {context[path]}",
                                       f"found {value!r}"))


def _has_type(value: Any, kind: str) -> bool:
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "date":
        return isinstance(value, datetime.date) or (isinstance(value, str) and _is_iso_date(value))
    return isinstance(value, str)


def _is_iso_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _read_context(node: Any, prefix: tuple[str, ...], out: dict[tuple[str, ...], str], text: str, fail: Any) -> None:
    if not isinstance(node, dict):
        fail(_line_of(text, prefix[-1] if prefix else "context"), 1, "`context` entries must be mappings")
        return
    for key, value in node.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and len(path) < 3:
            _read_context(value, path, out, text, fail)
        elif value in CONTEXT_TYPES:
            out[path] = str(value)
        else:
            fail(_line_of(text, str(key)), 1, f"context field `{'.'.join(path)}` has type {value!r}",
                 "the types are " + ", ".join(CONTEXT_TYPES))


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(f"{key}:"):
            return number
    return 1
