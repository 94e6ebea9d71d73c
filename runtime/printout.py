"""Printable output: one organizer's answers as a self-contained HTML document for paper.

`render_print` evaluates the answers, keeps only what the client sees (visible sections, visible
questions and computed values, visible row fields) and renders `templates/print.html.j2`: the
organizer's name and client on top, the submission date or a draft mark, then one page per
section. Every text reaches the page through Jinja2's autoescaping; the page has no script, loads
nothing, and its CSP allows only its own inline style (docs/print.md).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .expressions import is_answered
from .messages import format_date, format_money, format_number, format_size, ui
from .program import Computed, Question, TextParts
from .shortcodes import render_text
from .state import Node, Row, State, default_context
from .template import Template

#: `file_url(pointer, file)` gives the link of one uploaded file (`pointer` is its JSON pointer in
#: the answers, such as `/w2_forms/0` or `/dependents/1/documents/0`), or None for no link.
FileUrl = Callable[[str, Mapping[str, Any]], str | None]
#: The most row fields printed side by side; a wider repeat prints each row on its own.
MAX_TABLE_COLUMNS = 6
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_PAGE_COUNTER = re.compile(r"\{(page|pages)\}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a printed value; `href` makes it a link (only uploaded files have one)."""

    text: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Value:
    """A printed value: its lines (several are a list: selections, files); `muted` for the words
    written in place of a missing answer."""

    entries: tuple[Entry, ...] = ()
    listed: bool = False
    muted: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: Value


@dataclass(frozen=True, slots=True)
class Fields:
    """Consecutive questions and computed values: one table of label and answer."""

    fields: tuple[Field, ...]
    kind: str = "fields"


@dataclass(frozen=True, slots=True)
class GroupBlock:
    title: str
    blocks: tuple[Block, ...]
    kind: str = "group"


@dataclass(frozen=True, slots=True)
class TableRow:
    title: str  # "Row 2"
    cells: tuple[Value, ...]  # one per column; a field hidden in this row has no entries


@dataclass(frozen=True, slots=True)
class Table:
    """A repeat: one column per row field shown in at least one row, one line per row. A repeat
    with more columns than fit across a portrait page is `stacked`: each row becomes a table of
    label and answer of its own."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    kind: str = "repeat"

    @property
    def stacked(self) -> bool:
        return len(self.columns) > MAX_TABLE_COLUMNS


Block = Fields | GroupBlock | Table


@dataclass(frozen=True, slots=True)
class PrintedSection:
    id: str
    title: str
    blocks: tuple[Block, ...]


def render_print(template: Template, answers: Any, context: Mapping[str, Any] | None = None, *,
                 name: str | None = None, client: str | None = None,
                 submitted_at: str | datetime.date | None = None, file_url: FileUrl | None = None) -> str:
    """The printable HTML document of `answers` to `template`, in the template's language.

    `name` replaces the organizer's name (the title with its shortcodes resolved), as text;
    `client` replaces the client's name from the context. `submitted_at` (a `datetime`, a `date`
    or its ISO text) prints "Submitted on ..."; without it the page is marked as a draft.
    Uploaded files are listed by name and size, linked only where `file_url` gives a relative or
    http(s) URL. Raises ValueError for a `submitted_at` that is not an ISO date or date-time."""
    submitted = parse_submitted(submitted_at) if isinstance(submitted_at, str) else submitted_at
    context = default_context(context)
    state = template.evaluate(answers, context)
    printer = _Printer(template, state, file_url)
    language = template.language
    return environment().get_template("print.html.j2").render(
        language=language,
        name=name if name is not None else printer.text(template.program.title),
        client=client if client is not None else client_name(context),
        client_word=ui("print_client", language),
        status=_status(submitted, language),
        submitted=submitted is not None,
        sections=printer.sections(),
        row_word=ui("print_row", language),
        no_rows=ui("print_no_rows", language),
        page_number=page_number(language),
        csp=f"default-src 'none'; style-src {_csp_hash(print_style(language))}; base-uri 'none'; form-action 'none'",
    )


def parse_submitted(text: str) -> datetime.date:
    """`2027-01-20` as a date, `2027-01-20T14:05:00+01:00` as a date-time; ValueError otherwise."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date (2027-01-20) or date-time (2027-01-20T14:05)") from None
    return moment.date() if len(text) == 10 else moment


def client_name(context: Mapping[str, Any]) -> str | None:
    """The client's name from the context: `client.name`, else first and last name, else company."""
    client = context.get("client")
    if not isinstance(client, Mapping):
        return None
    full = client.get("name")
    if isinstance(full, str) and full.strip():
        return full
    parts = [client.get(key) for key in ("first_name", "last_name")]
    joined = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    company = client.get("company")
    return joined or (company if isinstance(company, str) and company.strip() else None)


def _status(submitted: datetime.date | None, language: str) -> str:
    if submitted is None:
        return ui("print_draft", language)
    day = format_date(submitted.isoformat()[:10], language)
    if not isinstance(submitted, datetime.datetime):
        return ui("print_submitted_on", language, date=day)
    return ui("print_submitted_at", language, date=day, time=submitted.strftime("%H:%M %Z").strip())


@cache
def environment() -> Environment:
    """The Jinja2 environment of the print page: always autoescaped, strict about undefined names."""
    return Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@cache
def print_style(language: str) -> str:
    """The page's CSS (`templates/print.css.j2`) in `language`, whose CSP hash the page carries.
    The page includes the same template, so its CSS string quotes are written as they are; its only
    values, `page_number`'s, are text HTML escaping leaves alone: the page's stylesheet is exactly
    this text. It holds no `<`, so it cannot end the `<style>` element."""
    style = environment().get_template("print.css.j2").render(page_number=page_number(language))
    if "<" in style:
        raise RuntimeError("print.css.j2 must not contain <")
    return style


def page_number(language: str) -> list[tuple[str, str]]:
    """The catalogue's `print_page` ("Page {page} of {pages}") as the parts of a CSS `content`
    value: each text, escaped by `css_escape`, and the counter its placeholder names ("" after the
    last text)."""
    parts = _PAGE_COUNTER.split(ui("print_page", language))
    return [(css_escape(text), counter) for text, counter in zip(parts[::2], [*parts[1::2], ""], strict=True)]


def css_escape(text: str) -> str:
    """`text` as the inside of a CSS string: every character but letters, digits and spaces becomes
    a hex escape (`"` is `\\22 `), so it holds no quote, backslash, newline or `& < > '`."""
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


class _Printer:
    """Turns an evaluated state into printed sections; reads values only of visible nodes."""

    def __init__(self, template: Template, state: State, file_url: FileUrl | None) -> None:
        self.program = template.program
        self.language = template.language
        self.state = state
        self.values = state.values  # visible answers only: what shortcodes may pipe
        self.file_url = file_url
        self.children: dict[int, list[Node]] = {}
        for node in template.evaluator.nodes:
            if node.kind != "section":
                self.children.setdefault(node.parent, []).append(node)

    def text(self, parts: TextParts) -> str:
        return render_text(parts, self.state.context, self.values, program=self.program)

    def sections(self) -> list[PrintedSection]:
        """Visible sections with something to print (a section of notes only has nothing)."""
        printed = []
        for node in self.state.evaluator.sections:
            if self.state.vis[node.index]:
                blocks = self._blocks(self.children.get(node.index, []))
                if blocks:
                    printed.append(PrintedSection(node.id, self.text(node.item.title), blocks))
        return printed

    def _blocks(self, nodes: list[Node]) -> tuple[Block, ...]:
        blocks: list[Block] = []
        fields: list[Field] = []
        for node in nodes:
            if not self.state.vis[node.index] or node.kind == "note":
                continue
            if node.kind in ("question", "computed"):
                missing = ui("not_answered" if node.kind == "question" else "empty_value", self.language)
                fields.append(Field(self.text(node.item.label),
                                    self._value(node.item, self.state.val[node.index], f"/{node.id}", missing)))
                continue
            if fields:
                blocks.append(Fields(tuple(fields)))
                fields = []
            if node.kind == "group":
                inner = self._blocks(self.children.get(node.index, []))
                if inner:
                    blocks.append(GroupBlock(self.text(node.item.title), inner))
            elif node.kind == "repeat":
                blocks.append(self._table(node))
        if fields:
            blocks.append(Fields(tuple(fields)))
        return tuple(blocks)

    def _table(self, repeat: Node) -> Table:
        assert repeat.row is not None
        rows: tuple[Row, ...] = self.state.val[repeat.index] or ()
        fields = [n for n in repeat.row.nodes if n.kind in ("question", "computed")]
        shown = [n for n in fields if any(row.vis[n.index] for row in rows)]
        empty = ui("empty_value", self.language)
        return Table(
            self.text(repeat.item.title), tuple(self.text(n.item.label) for n in shown),
            tuple(TableRow(ui("row", self.language, n=r + 1),
                           tuple(self._value(n.item, row.val[n.index], f"/{repeat.id}/{r}/{n.id}", empty)
                                 if row.vis[n.index] else Value() for n in shown)) for r, row in enumerate(rows)))

    def _value(self, item: Question | Computed, value: Any, pointer: str, missing: str) -> Value:
        if not is_answered(value):
            return Value((Entry(missing),), muted=True)
        if isinstance(item, Computed):
            return Value((Entry(self._computed_text(value)),))
        kind = item.type
        if kind == "multichoice":
            return Value(tuple(Entry(self._option(item, v)) for v in value), listed=len(value) > 1)
        if kind == "file":
            files = tuple(self._file(f"{pointer}/{k}", f) for k, f in enumerate(value) if isinstance(f, Mapping))
            return Value(files, listed=True) if files else Value((Entry(missing),), muted=True)
        return Value((Entry(self._scalar_text(item, value)),))

    def _scalar_text(self, question: Question, value: Any) -> str:
        kind = question.type
        if kind == "yesno":
            return ui("yes" if value else "no", self.language)
        if kind == "choice":
            return self._option(question, value)
        if kind == "date":
            return format_date(value, self.language)
        if kind == "money":
            return format_money(value, question.currency, self.language, question.checks.decimals)
        if kind in ("number", "integer"):
            return format_number(value, self.language)
        return str(value)

    def _computed_text(self, value: Any) -> str:
        if isinstance(value, bool):
            return ui("yes" if value else "no", self.language)
        if isinstance(value, (int, float)):
            return format_number(value, self.language)
        return str(value)

    def _option(self, question: Question, option_id: str) -> str:
        """An option's label; an id that is not an option (a stale draft) is shown as it is."""
        for option in question.options:
            if option.id == option_id:
                return self.text(option.label)
        return option_id

    def _file(self, pointer: str, file: Mapping[str, Any]) -> Entry:
        name = file.get("name")
        name = name if isinstance(name, str) else ""
        size = file.get("size")
        text = name
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            text = ui("print_file", self.language, name=name, size=format_size(size, self.language))
        href = self.file_url(pointer, file) if self.file_url is not None else None
        return Entry(text, href if isinstance(href, str) and _linkable(href) else None)


def _linkable(url: str) -> bool:
    """Only http(s) URLs and paths on the same host become links (never `javascript:`, `data:` or
    `//other.host`). A URL with control characters, backslashes or surrounding spaces (which
    browsers strip or read as slashes before they look for the scheme) is refused whole."""
    if not url or url != url.strip() or any(c < " " or c in "\\\x7f" for c in url):
        return False
    scheme = _SCHEME.match(url)
    if scheme is not None:
        return scheme.group().lower() in ("http:", "https:")
    return not url.startswith("//")
