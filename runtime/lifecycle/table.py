"""The submitted answers to one template as a table: one row per organizer, one column per question.

Rows are the template's submitted, sealed and archived organizers (of one period, or all), by
period, client name and organizer id. Columns are the organizer, its client, period, state and
submission time, then every question and computed value of the template in document order (of its
latest version; ids only older versions have come after). A cell holds only what the client saw:
the runtime evaluates each submission and a hidden or skipped answer stays empty. A repeat's cell
is its number of rows; the repeat's own sheet has its rows, one line per row.

Values stay data: numbers are numbers, dates are dates, yes/no is `yes`/`no`, a choice is its
option id, several choices or files are joined with `; ` (files by name). Text that a spreadsheet
would run as a formula (starting with `=`, `+`, `-`, `@`, a tab, a carriage return or NUL) gets a
leading `'`, and control characters other than tab and line breaks become U+FFFD (docs/lifecycle.md).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..expressions import is_answered
from ..state import Node, Row
from ..store import SQLiteStore
from ..template import Template
from .clients import client as load_client
from .clients import firm as firm_settings
from .export import EXPORTABLE, submitted_context
from .records import LifecycleError, Unknown
from .states import organizers
from .templates import latest_version, pinned

Cell = str | int | float | datetime.date | None

#: Leading characters a spreadsheet reads as the start of a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # (XML 1.0 has no place for them)
LEADING = ("organizer", "client_id", "client", "period", "state", "submitted_at")
REPEAT_LEADING = ("organizer", "client", "row")


def inert(text: str) -> str:
    """`text` as a cell no spreadsheet evaluates: a formula start prefixed with `'`, controls replaced."""
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return _CONTROL.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Sheet:
    """A header and rows of cells, text already inert."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class AnswerTable:
    """The template's answers (`main`) and one sheet per repeat (`repeats`, by repeat id)."""

    main: Sheet
    repeats: dict[str, Sheet]


_VALUES = ("question", "computed")


def _top_nodes(template: Template) -> list[Node]:
    return [n for n in template.evaluator.nodes if n.kind in (*_VALUES, "repeat")]


def _columns(versions: dict[Template, list[Node]]) -> tuple[list[str], dict[str, list[str]]]:
    """Question, computed and repeat ids (and each repeat's field ids), the first version's order first."""
    ids: list[str] = []
    fields: dict[str, list[str]] = {}
    for nodes in versions.values():
        for node in nodes:
            if node.id not in ids:
                ids.append(node.id)
            if node.kind == "repeat" and node.row is not None:
                known = fields.setdefault(node.id, [])
                known += [n.id for n in node.row.nodes if n.kind in _VALUES and n.id not in known]
    return ids, fields


def _value(node: Node, value: Any) -> Cell:
    """One answer as a cell (see the module's docstring)."""
    if not is_answered(value):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        names = [v.get("name", "") if isinstance(v, Mapping) else v for v in value]
        return inert("; ".join(str(n) for n in names))
    if node.qtype == "date" and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    return inert(str(value))


def _cells(nodes: list[Node], vis: Any, val: Any) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    for node in nodes:
        if not vis[node.index]:
            continue
        if node.kind == "repeat":
            cells[node.id] = len(val[node.index] or ())
        else:
            cells[node.id] = _value(node, val[node.index])
    return cells


def answer_table(store: SQLiteStore, template_id: str, *, period: str | None = None) -> AnswerTable:
    """The submitted answers to `template_id` (every version of it), of `period` or all periods
    (just the header when nothing is submitted yet)."""
    latest = pinned(store, latest_version(store, template_id))
    listed = [entry for entry in organizers(store, template_id=template_id, states=tuple(sorted(EXPORTABLE)))
              if period is None or entry.issued.period == period]
    versions = {latest: _top_nodes(latest)}
    for entry in listed:
        template = pinned(store, entry.organizer.template_version)
        if template not in versions:
            versions[template] = _top_nodes(template)
    ids, fields = _columns(versions)
    firm = firm_settings(store)
    rows: list[tuple[Any, ...]] = []
    repeat_rows: dict[str, list[tuple[Cell, ...]]] = {rid: [] for rid in fields}
    for entry in listed:
        organizer, sent = entry.organizer, entry.issued
        client = load_client(store, sent.client_id)
        template = pinned(store, organizer.template_version)
        state = template.evaluate(store.submission(organizer.id) or {},
                                  submitted_context(firm, client, organizer, sent))
        nodes = versions[template]
        cells = _cells(nodes, state.vis, state.val)
        key = (sent.period, client.name.casefold(), organizer.id)
        rows.append((key, (organizer.id, inert(client.id), inert(client.name), inert(sent.period), organizer.state,
                           organizer.submitted_at, *(cells.get(i) for i in ids))))
        for node in nodes:
            if node.kind == "repeat" and state.vis[node.index] and node.row is not None:
                repeat_rows[node.id] += [(key, _row(node, n, row, fields[node.id], organizer.id, client.name))
                                         for n, row in enumerate(state.val[node.index] or (), start=1)]
    rows.sort(key=lambda r: r[0])
    main = Sheet("answers", (*LEADING, *ids), tuple(r[1] for r in rows))
    repeats = {rid: Sheet(rid, (*REPEAT_LEADING, *fields[rid]), tuple(r[1] for r in sorted(found, key=lambda r: r[0])))
               for rid, found in repeat_rows.items()}
    return AnswerTable(main, repeats)


def _row(repeat: Node, number: int, row: Row, field_ids: list[str], organizer_id: str,
         client_name: str) -> tuple[Cell, ...]:
    assert repeat.row is not None
    cells = _cells([n for n in repeat.row.nodes if n.kind in _VALUES], row.vis, row.val)
    return (organizer_id, inert(client_name), number, *(cells.get(i) for i in field_ids))


# --- writers ------------------------------------------------------------------------------------


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, float):
        return repr(cell)
    return str(cell)


def to_csv(sheet: Sheet) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte order mark (so spreadsheet programs read it as UTF-8)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet.header)
    writer.writerows([_csv_text(c) for c in row] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig")


def _sheet_titles(names: Iterable[str]) -> Iterator[str]:
    """Worksheet titles: at most 31 characters and unique (repeat ids may be longer)."""
    seen: set[str] = {"answers"}
    for name in names:
        title, n = name[:31], 1
        while title.casefold() in seen:
            n += 1
            title = f"{name[:31 - len(str(n)) - 1]}~{n}"
        seen.add(title.casefold())
        yield title


def to_xlsx(table: AnswerTable) -> bytes:
    """An XLSX workbook: the answers sheet, then one sheet per repeat. Every text cell is written
    as a string (never a formula), dates as date cells. Needs openpyxl (the `[xlsx]` extra)."""
    from openpyxl import Workbook

    book = Workbook()
    sheets = [table.main, *table.repeats.values()]
    titles = ["answers", *_sheet_titles(s.name for s in sheets[1:])]
    first = True
    for sheet, title in zip(sheets, titles):
        ws = book.active if first else book.create_sheet()
        first = False
        assert ws is not None
        ws.title = title
        ws.append(list(sheet.header))
        for row in sheet.rows:
            ws.append(list(row))
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text (it is inert already)
                elif isinstance(cell.value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: The formats `export_answers` writes, with their media types.
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_answers(store: SQLiteStore, template_id: str, *, format: str = "csv", period: str | None = None,
                   repeat: str | None = None) -> bytes:
    """The answer table as a file: CSV of the answers or of one repeat's rows, or the XLSX workbook."""
    if format not in FORMATS:
        raise LifecycleError(f"no answer format {format!r}: csv or xlsx")
    if format == "xlsx" and repeat is not None:
        raise LifecycleError("a repeat is chosen for CSV only: the workbook has a sheet for each repeat")
    table = answer_table(store, template_id, period=period)
    if format == "xlsx":
        try:
            return to_xlsx(table)
        except ModuleNotFoundError as exc:
            raise LifecycleError(f"XLSX needs {exc.name}: pip install 'organizer[xlsx]'") from None
    if repeat is None:
        return to_csv(table.main)
    if repeat not in table.repeats:
        raise Unknown(f"{template_id!r} has no repeat {repeat!r}")
    return to_csv(table.repeats[repeat])
