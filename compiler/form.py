"""The `form.html` emitter: a Program in, one self-contained HTML page out (inline CSS and
JavaScript, the IR and the message catalogue embedded as JSON, a hash-based CSP).

The page interprets the IR with the runtime in `static/` (values.js ... shortcodes.js), which repeats
the Python runtime's semantics (tests/form/test_conformance.py holds them equal), and
`static/form.js` drives the DOM. This module
only prepares plain data for the Jinja2 templates in `templates/`; nothing here evaluates a
condition. Author text reaches the page only through autoescaped template variables and JSON data
blocks; shortcodes become `<span data-sc>` placeholders that the page fills with `textContent`.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

import organizer.runtime.formats as formats
from organizer.runtime.messages import CURRENCY_SYMBOLS, catalogue, problem_message, ui
from organizer.runtime.program import Computed, Group, Item, Note, Program, Question, Repeat, program_to_json

from .notes import render_markdown

HERE = Path(__file__).parent
STATIC = HERE / "static"
#: The page's script, in order: the runtime (the JavaScript twin of organizer.runtime), then the
#: DOM driver. Each runtime file adds to the namespace `OrganizerRuntime`.
RUNTIME_FILES = ("values.js", "messages.js", "expressions.js", "state.js", "validate.js", "shortcodes.js")
SCRIPT_FILES = (*RUNTIME_FILES, "form.js")
ROW = "ROW"  # stands for the row number in the ids of a repeat's row template (ids are lower case)

# Words of the form that messages.json does not hold yet (proposed for its `ui` section; the
# catalogue wins wherever it has the key).
# the words the templates write; the page's script takes the rest from the embedded catalogue
_STATIC_WORDS = ("next", "back", "submit", "add_row", "remove_row", "review", "print", "required", "choose", "submitted")


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


def script_json(data: Any) -> Markup:
    """JSON for a `<script type="application/json">` block: `<`, `>`, `&`, U+2028, U+2029 and lone
    surrogates escaped, so no text can close the element or start a comment; JSON.parse gives
    back exactly `data`. (Allow-listed Markup: the text holds no `<` at all.)"""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      default=_json_value)
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
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
    """What the templates and the page's JavaScript share: shortcodes and whole texts by index."""

    language: str
    shortcodes: list[dict[str, Any]] = field(default_factory=list)
    texts: list[Any] = field(default_factory=list)
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

    def whole(self, parts: Any) -> dict[str, Any]:
        """For places that hold only text (`<option>`, `<title>`, `placeholder`): the text with
        fallbacks, and an index for the page to render it again (None without shortcodes)."""
        parts = list(parts or ())
        plain = "".join(p if isinstance(p, str) else (p.get("fallback") or "") for p in parts)
        if all(isinstance(p, str) for p in parts):
            return {"plain": plain, "key": None}
        self.texts.append(parts)
        return {"plain": plain, "key": len(self.texts) - 1}

    def markdown(self, parts: Any) -> list[dict[str, Any]]:
        return render_markdown(list(parts or ()), self.shortcode)


_CONTROLS = {"text": "text", "textarea": "textarea", "email": "email", "phone": "tel", "number": "number",
             "integer": "number", "money": "number", "date": "date", "yesno": "radio", "choice": "radio",
             "multichoice": "checkbox", "file": "file"}
_AUTOCOMPLETE = {"email": "email", "phone": "tel"}


def _question(page: _Page, q: Question, prefix: str) -> dict[str, Any]:
    base = f"q-{prefix}{q.id}"
    control = _CONTROLS[q.type]
    if q.type == "choice" and q.style == "dropdown":
        control = "select"
    options = [{"value": o.id, "label": page.segments(o.label), "whole": page.whole(o.label), "input": f"{base}-o{n}"}
               for n, o in enumerate(q.options)]
    if q.type == "yesno":
        words = ("yes", "no")
        options = [{"value": value, "label": [{"text": ui(word, page.language), "sc": None}],
                    "whole": {"plain": ui(word, page.language), "key": None}, "input": f"{base}-o{n}"}
                   for n, (value, word) in enumerate(zip(("true", "false"), words, strict=True))]
    hints = _hints(page, q)
    describedby = [f"{base}-help"] if q.help else []
    describedby += [f"{base}-hint"] if hints else []
    describedby += [f"{base}-currency"] if q.type == "money" and q.currency else []
    describedby.append(f"{base}-error")
    c = q.checks
    return {
        "kind": "question", "type": q.type, "id": q.id, "control": control, "input": base,
        "label": page.segments(q.label), "help": page.segments(q.help) if q.help else None,
        "placeholder": page.whole(q.placeholder) if q.placeholder else None,
        "hints": hints, "describedby": " ".join(describedby), "options": options,
        "inputmode": {"number": "decimal", "money": "decimal", "integer": "numeric"}.get(q.type),
        "autocomplete": _AUTOCOMPLETE.get(q.type, "off"),
        "currency": CURRENCY_SYMBOLS.get((q.currency or "").upper(), q.currency) if q.type == "money" else None,
        "currency_code": q.currency,
        "date_min": c.min_date if c.min_date != "today" else None,
        "date_max": c.max_date if c.max_date != "today" else None,
        "today_min": c.min_date == "today", "today_max": c.max_date == "today",
        "accept": ",".join("." + ext for ext in c.accept) if q.type == "file" else None,
        "multiple": q.type == "file" and c.max_items != 1,
        "static_required": q.required is True,
    }


def _hints(page: _Page, q: Question) -> list[str]:
    """What a file question accepts, in the catalogue's words (the same as its problem messages)."""
    if q.type != "file":
        return []
    c, language = q.checks, page.language
    hints = []
    if c.accept:
        hints.append(problem_message("file-type", {"accept": list(c.accept)}, language, "file"))
    if c.max_size is not None:
        hints.append(problem_message("file-size", {"max_size": c.max_size}, language, "file"))
    if c.max_items is not None:
        hints.append(problem_message("max-items", {"max": c.max_items, "count": c.max_items}, language, "file"))
    return hints


def _items(page: _Page, items: tuple[Item, ...], container: str, prefix: str, notes: list[int]) -> list[dict[str, Any]]:
    """View models of items in document order; notes are named as the runtime names them."""
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Note):
            notes[0] += 1
            out.append({"kind": "note", "id": f"{container}.note{notes[0]}", "blocks": page.markdown(item.text)})
        elif isinstance(item, Question):
            out.append(_question(page, item, prefix))
        elif isinstance(item, Computed):
            out.append({"kind": "computed", "id": item.id, "input": f"q-{prefix}{item.id}",
                        "label": page.segments(item.label), "value_type": item.value_type})
        elif isinstance(item, Group):
            out.append({"kind": "group", "id": item.id, "title": page.segments(item.title),
                        "items": _items(page, item.items, container, prefix, notes)})
        elif isinstance(item, Repeat):
            row_notes = [0]
            out.append({"kind": "repeat", "id": item.id, "input": f"q-{item.id}", "title": page.segments(item.title),
                        "min_rows": item.min_rows, "max_rows": item.max_rows,
                        "items": _items(page, item.items, item.id, f"{item.id}-{ROW}-", row_notes)})
    return out


def view_model(program: Program, *, context: dict[str, Any] | None = None, answers: dict[str, Any] | None = None,
               revision: int | None = None, previous: dict[str, Any] | None = None, autosave_url: str | None = None,
               submit_url: str | None = None, upload_url: str | None = None,
               storage_key: str | None = None) -> dict[str, Any]:
    """Everything the page template needs, as plain data."""
    language = program.language or "en"
    page = _Page(language)
    sections = []
    for section in program.sections:
        sections.append({"id": section.id, "title": page.segments(section.title),
                         "items": _items(page, section.items, section.id, "", [0])})
    title = page.whole(program.title)
    data = {
        "context": context or {}, "answers": answers, "revision": revision, "previous": previous or {},
        "shortcodes": page.shortcodes, "texts": page.texts, "title": title,
        "messages": messages_data(language), "formats": formats_data(),
        "storage_key": storage_key or f"organizer:{program.id}:{program.source_sha256[:16]}",
    }
    script, style = "\n".join(static_text(name) for name in SCRIPT_FILES), static_text("form.css")
    return {
        "lang": language, "title": title, "heading": page.segments(program.title),
        "description": page.markdown(program.description) if program.description else None,
        "sections": sections, "ui": {word: ui(word, language) for word in _STATIC_WORDS},
        "autosave_url": autosave_url or "", "submit_url": submit_url or "", "upload_url": upload_url or "",
        "csp": content_security_policy(script, style, (autosave_url, submit_url, upload_url)),
        "script": Markup(script), "style": Markup(style),  # noqa: S704 - reviewed: our own static files
        "program_json": script_json(program_to_json(program)), "data_json": script_json(data),
    }


def render_form(program: Program, **options: Any) -> str:
    """The `form.html` page of a program; `options` as `view_model` (a server passes the context,
    the saved answers and their revision, and its autosave, submit and upload URLs)."""
    return environment().get_template("form.html.j2").render(**view_model(program, **options))


def emit_form(program: Program) -> dict[str, str]:
    """The build's `form.html`: no context (the page fills in `year` and `today` itself, so the
    artifact stays deterministic), autosave to localStorage until a server sets its URLs."""
    return {"form.html": render_form(program)}
