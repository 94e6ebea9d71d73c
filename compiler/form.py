"""The `form.html` emitter: a Program in, one self-contained HTML page out (inline CSS and
JavaScript, the IR (without its null members, `page_program`) and the message catalogue embedded as
JSON, a hash-based CSP).

The page interprets the IR with the runtime in `static/` (values.js ... shortcodes.js), which repeats
the Python runtime's semantics (tests/form/test_conformance.py holds them equal), and
`static/form.js` drives the DOM: it builds each section's controls from the IR when the section is
first shown, so the markup of a large form is not parsed up front. This module only prepares plain
data for the Jinja2 templates in `templates/` (the page's shell: title, description, progress,
review and buttons) and the markdown trees of the notes; nothing here evaluates a condition.
Author text reaches the page only through autoescaped template variables, JSON data blocks and the
script's `textContent`; shortcodes become `<span data-sc>` placeholders that the page fills.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

import organizer.runtime.formats as formats
from organizer.runtime.messages import CURRENCY_SYMBOLS, catalogue, ui
from organizer.runtime.program import Group, Item, Note, Program, Repeat

from .ir_json import PageObjects
from .notes import render_markdown

HERE = Path(__file__).parent
STATIC = HERE / "static"
#: The page's script, in order: the runtime (the JavaScript twin of organizer.runtime), then the
#: DOM driver. Each runtime file adds to the namespace `OrganizerRuntime`.
RUNTIME_FILES = ("values.js", "messages.js", "expressions.js", "state.js", "validate.js", "shortcodes.js")
SCRIPT_FILES = (*RUNTIME_FILES, "form.js")
# the words the page's markup starts with; the script takes the rest from the embedded catalogue
_STATIC_WORDS = ("next", "back", "submit", "review", "print", "submitted")


@cache
def static_text(name: str) -> str:
    """A file of `static/` (the JavaScript and CSS inlined into every page)."""
    text = (STATIC / name).read_text(encoding="utf-8")
    closing = "</script" if name.endswith(".js") else "</style"
    assert closing not in text.lower(), f"{name} must not contain {closing}"
    return text


@cache
def environment() -> Environment:
    """The one Jinja2 environment of the form: always autoescaped, strict about undefined names."""
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def formats_data() -> dict[str, Any]:
    """The constants of runtime/formats.py that the page's runtime needs, so both check with the
    very same patterns and limits."""
    return {
        "max_safe_integer": formats.MAX_SAFE_INTEGER,
        "max_string_length": formats.MAX_STRING_LENGTH,
        "max_items": formats.MAX_ITEMS,
        "max_answer_depth": formats.MAX_ANSWER_DEPTH,
        "max_file_name_length": formats.MAX_FILE_NAME_LENGTH,
        "max_media_type_length": formats.MAX_MEDIA_TYPE_LENGTH,
        "max_email_length": formats.MAX_EMAIL_LENGTH,
        "max_phone_length": formats.MAX_PHONE_LENGTH,
        "date_pattern": formats.DATE_PATTERN,
        "email_pattern": formats.EMAIL_PATTERN,
        "phone_pattern": formats.PHONE_PATTERN,
        "sha256_pattern": formats.SHA256_PATTERN,
        "currency_symbols": dict(CURRENCY_SYMBOLS),
    }


def messages_data(language: str) -> dict[str, Any]:
    """The catalogue the page needs: English (every fallback) and the program's language."""
    books = catalogue()
    return {code: books[code] for code in sorted({"en", language}) if code in books}


def _json_value(value: Any) -> Any:
    """Dates (a YAML preview context holds them) as ISO strings; anything else is an error."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def script_json(data: Any, default: Callable[[Any], Any] = _json_value, *, check_circular: bool = True) -> Markup:
    """JSON for a `<script type="application/json">` block: `<`, `>`, `&`, U+2028, U+2029 and lone
    surrogates escaped, so no text can close the element or start a comment; JSON.parse gives
    back exactly `data` (`default` and `check_circular` as json.dumps; the IR, a tree the compiler
    built, skips the check). (Allow-listed Markup: the text holds no `<` at all.)"""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      check_circular=check_circular, default=default)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    if not text.isascii():  # (constant time: Python marks an ASCII string as such)
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        text = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)
    return Markup(text)  # noqa: S704 - reviewed: escaped above


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def content_security_policy(script: str, style: str, urls: tuple[str | None, ...]) -> str:
    """Hash-based CSP (RELIABILITY X2): only this page's inline script and style run; requests only
    to the page's own origin and the origins of the autosave, submit and upload URLs."""
    connect = ["'self'", *sorted({o for o in map(_origin, urls) if o})]
    return "; ".join([
        "default-src 'none'", f"script-src {csp_hash(script)}", f"style-src {csp_hash(style)}", "img-src data:",
        f"connect-src {' '.join(connect)}", "base-uri 'none'", "form-action 'none'",
        "require-trusted-types-for 'script'",
    ])


# --- the view model ----------------------------------------------------------------------------------


@dataclass
class _Page:
    """The shortcodes of the markup the page starts with (title, description) and of the notes, by
    index: `<span data-sc>` and the markdown trees refer to them, the page renders them."""

    shortcodes: list[dict[str, Any]] = field(default_factory=list)
    _seen: dict[str, int] = field(default_factory=dict)

    def shortcode(self, part: dict[str, Any]) -> int:
        key = json.dumps(part, sort_keys=True)
        if key not in self._seen:
            self._seen[key] = len(self.shortcodes)
            self.shortcodes.append(part)
        return self._seen[key]

    def segments(self, parts: Any) -> list[dict[str, Any]]:
        """Literal text and shortcode placeholders (showing the fallback until the page runs)."""
        out: list[dict[str, Any]] = []
        for part in parts or ():
            if isinstance(part, str):
                out.append({"text": part, "sc": None})
            elif isinstance(part, dict):
                out.append({"text": part.get("fallback") or "", "sc": self.shortcode(part)})
        return out

    def markdown(self, parts: Any) -> list[dict[str, Any]]:
        return render_markdown(list(parts or ()), self.shortcode)


def _plain(parts: Any) -> str:
    """TextParts with the shortcodes' fallbacks, for `<title>` until the page renders it."""
    return "".join(p if isinstance(p, str) else (p.get("fallback") or "") for p in parts or ())


def _notes(page: _Page, items: tuple[Item, ...], container: str, counter: list[int],
           out: dict[str, list[dict[str, Any]]]) -> None:
    """The markdown tree of every note into `out`, by the id the runtime gives it (`<section>.note<k>`, in a
    repeat's rows `<repeat>.note<k>`); the page builds a section's DOM from the IR and these."""
    for item in items:
        if isinstance(item, Note):
            counter[0] += 1
            out[f"{container}.note{counter[0]}"] = page.markdown(item.text)
        elif isinstance(item, Group):
            _notes(page, item.items, container, counter, out)
        elif isinstance(item, Repeat):
            _notes(page, item.items, item.id, [0], out)


def ir_members(ir: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """The sections, items and checks of an IR document, each with its kind, in document order."""

    def items(members: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str]]:
        for item in members:
            yield item, item["kind"]
            if item["kind"] == "question":
                yield item["checks"], "checks"
            if item["kind"] in ("group", "repeat"):
                yield from items(item["items"])

    for section in ir["sections"]:
        yield section, "section"
        yield from items(section["items"])


def view_model(program: Program, *, context: dict[str, Any] | None = None, answers: dict[str, Any] | None = None,
               revision: int | None = None, previous: dict[str, Any] | None = None, autosave_url: str | None = None,
               submit_url: str | None = None, upload_url: str | None = None,
               storage_key: str | None = None) -> dict[str, Any]:
    """Everything the page template needs, as plain data. The sections are not rendered here: the
    page builds each one's DOM from the embedded IR when it is first shown."""
    language = program.language or "en"
    page = _Page()
    heading = page.segments(program.title)
    description = page.markdown(program.description) if program.description else None
    notes: dict[str, list[dict[str, Any]]] = {}
    for section in program.sections:
        _notes(page, section.items, section.id, [0], notes)
    # The IR without the null members of its sections, items and checks (half of its bytes in a
    # large form, so half the text for the browser to parse); the page puts them back before its
    # runtime reads the IR (form.js, `withNulls`). Expressions are kept whole.
    page_objects = PageObjects()
    program_json = script_json(program, default=page_objects, check_circular=False)
    data = {
        "context": context or {}, "answers": answers, "revision": revision, "previous": previous or {},
        "shortcodes": page.shortcodes, "notes": notes, "null_members": page_objects.null_members(),
        "messages": messages_data(language), "formats": formats_data(),
        "storage_key": storage_key or f"organizer:{program.id}:{program.source_sha256[:16]}",
    }
    script, style = "\n".join(static_text(name) for name in SCRIPT_FILES), static_text("form.css")
    return {
        "lang": language, "title": _plain(program.title), "heading": heading, "description": description,
        "ui": {word: ui(word, language) for word in _STATIC_WORDS},
        "autosave_url": autosave_url or "", "submit_url": submit_url or "", "upload_url": upload_url or "",
        "csp": content_security_policy(script, style, (autosave_url, submit_url, upload_url)),
        "script": Markup(script), "style": Markup(style),  # noqa: S704 - reviewed: our own static files
        "program_json": program_json, "data_json": script_json(data),
    }


def render_form(program: Program, **options: Any) -> str:
    """The `form.html` page of a program; `options` as `view_model` (a server passes the context,
    the saved answers and their revision, and its autosave, submit and upload URLs)."""
    return environment().get_template("form.html.j2").render(**view_model(program, **options))


def emit_form(program: Program) -> dict[str, str]:
    """The build's `form.html`: no context (the page fills in `year` and `today` itself, so the
    artifact stays deterministic), autosave to localStorage until a server sets its URLs."""
    return {"form.html": render_form(program)}
