"""Answer tables (CSV and XLSX) of a template's submissions, and E2: no spreadsheet formula from
what a client or the firm typed."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from organizer.runtime.lifecycle.clients import put_client
from organizer.runtime.lifecycle.records import Client, LifecycleError, Unknown
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.lifecycle.states import submit
from organizer.runtime.lifecycle.table import FORMULA_STARTS, answer_table, export_answers, inert
from organizer.runtime.store import SQLiteStore, UploadRules

from organizer.cli import main

from .support import template_json
from .test_api import Client as HTTPClient
from .test_api import http  # noqa: F401  (fixture)

openpyxl = pytest.importorskip("openpyxl")

BLNS = Path(__file__).parents[2].parent / "shared" / "data" / "naughty-strings" / "blns.json"
HIDDEN = "HIDDEN-5f0c2b7e"

HOUSEHOLD = '''organizer household "Household <<year>>" {
  section about "About you" {
    text name "Name" required
    date born "Date of birth"
    yesno has_kids "Do you have children?" required
    choice filing "Filing status" {
      option single "Single"
      option joint "Married filing jointly"
    }
    multichoice income "Income" {
      option wages "Wages"
      option rent "Rent"
    }
    money refund "Last refund" currency "USD"
    integer rooms "Rooms" min 0
    file w2 "W-2"
    computed rooms_twice "Twice the rooms" = rooms * 2
  }
  section kids "Children" when has_kids {
    repeat children "Children" {
      text child_name "Name" required
      integer age "Age" min 0
    }
    text nanny "Nanny"
  }
}
'''


def _household(store: SQLiteStore, answers: dict[str, dict[str, Any]], *, period: int = 2026) -> dict[str, str]:
    """Send HOUSEHOLD to one client per key of `answers` (client id = key) and submit those answers;
    an answer set of None leaves its organizer unsubmitted. Returns client id -> organizer id."""
    version = store.put_template(template_json(HOUSEHOLD))
    ids = {}
    for client_id, given_answers in answers.items():
        put_client(store, Client(id=client_id, name=f"Client {client_id}", email=f"{client_id}@clients.example"))
        (sent,) = send(store, Sending(template_version=version, year=period), [client_id])
        ids[client_id] = sent.organizer_id
        if given_answers is not None:
            submit(store, sent.organizer_id, answers=given_answers, base_revision=store.draft(sent.organizer_id).revision)
    return ids


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _workbook(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_one_row_per_submission_one_column_per_question(store: SQLiteStore) -> None:
    ids = _household(store, {
        "b": None,
        "a": {"name": "Al", "has_kids": False, "children": [{"child_name": HIDDEN}], "nanny": HIDDEN},
        "z": None,
    })
    w2 = store.put_file(ids["b"], question="w2", name="w2 2026.pdf", chunks=[b"%PDF-1.4\n"], rules=UploadRules())
    submit(store, ids["b"], base_revision=store.draft(ids["b"]).revision, answers={
        "name": "Bea", "born": "1980-02-29", "has_kids": True, "filing": "joint", "income": ["wages", "rent"],
        "refund": 1250.5, "rooms": 4, "w2": [w2.to_json()], "children": [{"child_name": "Cy", "age": 7},
                                                                        {"child_name": "Di"}], "nanny": "Nan"})
    rows = _csv(export_answers(store, "household"))
    header, *body = rows
    assert header == ["organizer", "client_id", "client", "period", "state", "submitted_at", "name", "born", "has_kids",
                      "filing", "income", "refund", "rooms", "w2", "rooms_twice", "children", "nanny"]
    by_client = {row[1]: dict(zip(header, row)) for row in body}
    assert sorted(by_client) == ["a", "b"]  # z has not submitted
    bea = by_client["b"]
    assert (bea["organizer"], bea["client"], bea["period"], bea["state"]) == (ids["b"], "Client b", "2026", "submitted")
    assert [bea[k] for k in ("name", "born", "has_kids", "filing", "income", "refund", "rooms", "w2", "rooms_twice",
                             "children", "nanny")] == ["Bea", "1980-02-29", "yes", "joint", "wages; rent", "1250.5",
                                                      "4", "w2 2026.pdf", "8", "2", "Nan"]
    al = by_client["a"]
    assert (al["has_kids"], al["children"], al["nanny"], al["born"]) == ("no", "", "", "")
    assert HIDDEN not in json.dumps(rows)  # E3: the skipped section's answers stay out

    children = _csv(export_answers(store, "household", repeat="children"))
    assert children == [["organizer", "client", "row", "child_name", "age"],
                        [ids["b"], "Client b", "1", "Cy", "7"], [ids["b"], "Client b", "2", "Di", ""]]
    with pytest.raises(Unknown, match="no repeat"):
        export_answers(store, "household", repeat="nope")


def test_the_workbook_keeps_types_and_has_a_sheet_per_repeat(store: SQLiteStore) -> None:
    _household(store, {"b": {"name": "Bea", "born": "1980-02-29", "has_kids": True, "refund": 10.25, "rooms": 3,
                             "children": [{"child_name": "Cy", "age": 7}]}})
    book = _workbook(export_answers(store, "household", format="xlsx"))
    assert book.sheetnames == ["answers", "children"]
    header, row = ([c.value for c in r] for r in book["answers"].iter_rows())
    values = dict(zip(header, row))
    assert values["born"] == datetime.datetime(1980, 2, 29)  # a date cell
    assert (values["refund"], values["rooms"], values["rooms_twice"], values["has_kids"]) == (10.25, 3, 6, "yes")
    assert [[c.value for c in r] for r in book["children"].iter_rows()][1][2:] == [1, "Cy", 7]


def test_periods_filter_and_an_empty_table_keeps_its_header(store: SQLiteStore) -> None:
    _household(store, {"b": {"name": "Bea", "has_kids": False}}, period=2025)
    assert [r[3] for r in _csv(export_answers(store, "household"))[1:]] == ["2025"]
    assert _csv(export_answers(store, "household", period="2026")) == [list(answer_table(store, "household").main.header)]
    with pytest.raises(Unknown):
        export_answers(store, "nothing")
    with pytest.raises(LifecycleError, match="no answer format"):
        export_answers(store, "household", format="ods")
    with pytest.raises(LifecycleError, match="CSV only"):
        export_answers(store, "household", format="xlsx", repeat="children")


def _hostile_strings() -> list[str]:
    strings = [f"{start}cmd|' /C calc'!A0" for start in FORMULA_STARTS] + [
        "=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "\0=1",
        "=1\n=2", " =1", "\x01\x02\ufffe", "'=already quoted"]
    if BLNS.exists():
        strings += [s for s in json.loads(BLNS.read_text(encoding="utf-8")) if isinstance(s, str) and s]
    return strings


def test_e2_no_formula_cell_comes_from_user_text(store: SQLiteStore) -> None:
    """Every text (answers, client names and ids) goes in as hostile strings: the CSV has every one
    that starts like a formula prefixed with `'`, and the workbook has no formula cell at all."""
    hostile = [text for text in _hostile_strings() if "\0" not in text]  # (answers refuse NUL: invalid-characters)
    store.put_template(template_json(HOUSEHOLD))
    answers = {f"c{n}": {"name": text if text.strip() else "=blank", "has_kids": True,
                         "children": [{"child_name": text if text.strip() else "-blank"}], "nanny": text}
               for n, text in enumerate(hostile)}
    for client_id, text in zip(answers, hostile):
        try:
            put_client(store, Client(id=client_id, name=text, email=f"{client_id}@c.example"))
        except LifecycleError:  # a name the firm cannot enter (blank, or not printable)
            put_client(store, Client(id=client_id, name="@refused", email=f"{client_id}@c.example"))
    _household_without_clients(store, answers)
    table = _csv(export_answers(store, "household"))
    text_cells = [cell for row in table[1:] for cell in (row[2], row[6], row[16])]
    assert len(text_cells) == 3 * len(hostile)
    assert not [c for c in text_cells if c.startswith(FORMULA_STARTS)]
    assert {row[16] for row in table[1:]} == {inert(text) for text in hostile}
    book = _workbook(export_answers(store, "household", format="xlsx"))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    strings = [c.value for c in cells if isinstance(c.value, str)]
    assert not [s for s in strings if s.startswith(FORMULA_STARTS)]
    assert len(strings) >= 3 * len(hostile)


def _household_without_clients(store: SQLiteStore, answers: dict[str, dict[str, Any]]) -> None:
    version = store.put_template(template_json(HOUSEHOLD))
    for client_id, given_answers in answers.items():
        (sent,) = send(store, Sending(template_version=version, year=2026), [client_id])
        submit(store, sent.organizer_id, answers=given_answers, base_revision=store.draft(sent.organizer_id).revision)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=40))
def test_inert_text_never_starts_a_formula_and_keeps_the_rest(text: str) -> None:
    out = inert(text)
    assert not out.startswith(FORMULA_STARTS)
    assert len(out) == len(text) + (text.startswith(FORMULA_STARTS))
    assert all(o == t or o == "\ufffd" for o, t in zip(out[-len(text):], text))


def test_the_command_writes_csv_xlsx_and_stdout(store: SQLiteStore, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _household(store, {"b": {"name": "=Bea", "has_kids": False}})
    base = ["answers", "household", "--store", str(store.path)]
    assert main([*base, "-o", str(tmp_path / "a.csv")]) == 0
    assert _csv((tmp_path / "a.csv").read_bytes())[1][6] == "'=Bea"
    assert main([*base, "-o", str(tmp_path / "a.xlsx")]) == 0
    assert _workbook((tmp_path / "a.xlsx").read_bytes())["answers"]["G2"].value == "'=Bea"
    capsys.readouterr()
    assert main([*base, "--repeat", "children", "-o", "-"]) == 0
    assert capsys.readouterr().out.lstrip("\ufeff").startswith("organizer,client,row,child_name,age")
    assert main(["answers", "ghost", "--store", str(store.path), "-o", "-"]) == 1
    assert "no template 'ghost'" in capsys.readouterr().err


def test_the_api_serves_both_formats(http: HTTPClient, store: SQLiteStore) -> None:  # noqa: F811
    _household(store, {"b": {"name": "Bea", "has_kids": False}})
    answer = http("GET", "/lifecycle/templates/household/answers")
    assert answer.status == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="household-answers.csv"' in answer.headers["content-disposition"]
    assert _csv(answer.body)[1][6] == "Bea"
    workbook = http("GET", "/lifecycle/templates/household/answers?format=xlsx")
    assert workbook.status == 200 and _workbook(workbook.body)["answers"]["G2"].value == "Bea"
    assert http("GET", "/lifecycle/templates/household/answers?format=ods").status == 400
    assert http("GET", "/lifecycle/templates/ghost/answers").status == 404
    assert http("GET", "/lifecycle/templates/household/answers?repeat=nope").status == 404
