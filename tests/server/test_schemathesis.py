"""RELIABILITY D6: schemathesis, with every check, over organizer/server/openapi.json against the
real server (a subprocess over a temporary library and SQLite store). Path parameters name a real
organizer, template or client most of the time (schemathesis dictionaries), so the cases reach the
saves, submissions, uploads, print views and the lifecycle's sends, moves and exports, not only
their 404s. Afterwards the server must be up and its console free of tracebacks.

    ORGANIZER_SCHEMATHESIS_EXAMPLES=500 python -m pytest tests/server/test_schemathesis.py -s

runs a bigger budget (cases per operation and phase; default 100).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from organizer.runtime.store import SQLiteStore
from serverkit import Server
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message

from organizer.server.api import OPENAPI
from organizer.server.app import create_app

EXAMPLES = int(os.environ.get("ORGANIZER_SCHEMATHESIS_EXAMPLES", "100"))
SEED = os.environ.get("ORGANIZER_SCHEMATHESIS_SEED", "6")
#: The live-reload stream never ends: a case against it would only time out.
ENDLESS = "/preview/{key}/events"
#: What valid data may get besides 2xx: the schema cannot say which revision is current (409),
#: which pointer names a file question (422), whether a submission passes the template (422), or
#: what type random bytes sniff as and whether they fit the question's max_size (413, 415).
ACCEPTED = ["2xx", "404", "409", "413", "415", "422"]


#: The lifecycle's clients, added through the API before the run.
CLIENTS = [{"id": "c1", "name": "Ada", "email": "ada@clients.example"},
           {"id": "c2", "name": "Bob", "status": "offline"}]


#: The firm's moves that cannot be undone by the API, each with its own organizer (in the state
#: the move starts from), so that it spoils no other operation's ids.
ONE_WAY = ("delete", "archive", "seal", "unsubmit")


def config(organizers: list[str], moved: dict[str, str]) -> str:
    """schemathesis.toml: real ids and file questions in most cases, the statuses valid data may get."""
    own = "".join(f"""
[dictionaries.{move}]
values = {json.dumps([ident])}

[[operations]]
include-operation-id = "{move}"
parameters = {{ "path.organizer_id" = {{ dictionary = "{move}", probability = 0.8 }} }}
""" for move, ident in moved.items())
    return f"""{own}
[dictionaries.organizers]
values = {json.dumps(organizers)}

[dictionaries.templates]
values = ["basics", "broken"]

[dictionaries.clients]
values = {json.dumps([c["id"] for c in CLIENTS])}

[dictionaries.questions]
values = ["/statements", "/accounts/0/proof", "/accounts/1/proof"]

[parameters]
"path.organizer_id" = {{ dictionary = "organizers", probability = 0.8 }}
"path.key" = {{ dictionary = "templates", probability = 0.8 }}
"path.client_id" = {{ dictionary = "clients", probability = 0.8 }}
"query.client" = {{ dictionary = "clients", probability = 0.8 }}
"body.template" = {{ dictionary = "templates", probability = 0.8 }}
"body.clients[*]" = {{ dictionary = "clients", probability = 0.8 }}
"header.X-Question" = {{ dictionary = "questions", probability = 0.8 }}

[checks.positive_data_acceptance]
expected-statuses = {json.dumps(ACCEPTED)}
"""


def submit(server: Server, ident: str) -> None:
    """Submit `ident` with answers `basics` accepts, based on its current draft."""
    draft = server.request("GET", f"/organizers/{ident}/draft")
    base = draft.json()["revision"] if draft.status == 200 else None
    saved = server.send_json("POST", f"/organizers/{ident}/submit",
                             {"base_revision": base, "answers": {"first_name": "Ada", "has_income": False}})
    assert saved.status == 200, saved.body


def sent(server: Server, year: int, *, submitted: bool = False) -> str:
    """`basics` sent to client c1 for `year` through the API, then submitted if `submitted`."""
    answer = server.send_json("POST", "/lifecycle/send", {"template": "basics", "clients": ["c1"], "year": year})
    assert answer.status == 201, answer.body
    ident: str = answer.json()["sent"][0]["organizer_id"]
    if submitted:
        submit(server, ident)
    return ident


def test_schemathesis_all_checks(own_server: Server, tmp_path: Path) -> None:
    submitted = own_server.new_organizer()
    submit(own_server, submitted)
    (own_server.library / "broken.organizer").write_text('organizer broken "Broken" {\n  section s "S" {\n',
                                                        encoding="utf-8")
    for client in CLIENTS:
        assert own_server.send_json("POST", "/lifecycle/clients", client).status == 201
    organizers = [own_server.new_organizer(), submitted, sent(own_server, 2026), sent(own_server, 2025, submitted=True)]
    moved = {move: sent(own_server, 2020 + n, submitted=move in ("seal", "unsubmit")) for n, move in enumerate(ONE_WAY)}
    (tmp_path / "schemathesis.toml").write_text(config(organizers, moved), encoding="utf-8")
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml"),
               "run", str(OPENAPI), "--url", own_server.origin,
               "--checks", "all", "--header", f"Origin: {own_server.origin}", "--workers", "1",
               "--max-examples", str(EXAMPLES), "--seed", SEED, "--exclude-path", ENDLESS,
               "--generation-database", "none", "--request-timeout", "30", "--no-color",
               "--report", "json", "--report-json-path", str(report)]
    run = subprocess.run(command, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert report.exists(), run.stdout + run.stderr
    result = json.loads(report.read_text(encoding="utf-8"))
    operations = result["operations"]
    cases = result["test_cases"]["generated"]
    print(f"\nschemathesis {cases} cases over {operations['tested']} operations: "
          f"{len(result['failures'])} failure kinds, {len(result['errors'])} errors")
    assert result["failures"] == [] and result["errors"] == [], run.stdout[-20_000:]
    assert run.returncode == 0, run.stdout[-20_000:]
    documented = sum(1 for methods in json.loads(OPENAPI.read_text())["paths"].values() for _ in methods)
    assert operations["tested"] == documented - 1  # all but the endless stream
    assert own_server.alive()
    assert own_server.request("GET", "/").status == 200
    assert "Traceback" not in own_server.log_text()


def test_answers_with_lone_surrogates_are_answered(server: Server) -> None:
    """Regression: the store keeps lone surrogates, and every answer that sent them back (the
    draft, a 409, the history, the print view) was a 500, as UTF-8 cannot encode them."""
    ident = server.new_organizer()
    answers = {"first_name": "Ada\ud800", "notes": "\udfff", "key\udbff": "x"}
    body = json.dumps({"base_revision": None, "answers": answers})  # sent as \\ud800 escapes
    assert server.request("PUT", f"/organizers/{ident}/draft", body,
                          headers={"Content-Type": "application/json"}).status == 200
    draft = server.request("GET", f"/organizers/{ident}/draft")
    assert draft.status == 200 and draft.json()["answers"] == answers
    stale = server.send_json("PUT", f"/organizers/{ident}/draft", {"base_revision": 0, "answers": {}})
    assert stale.status == 409 and stale.json()["answers"] == answers
    history = server.request("GET", f"/organizers/{ident}/history")
    assert history.status == 200 and "key\udbff" in history.json()["history"][-1]["changed"]
    printed = server.request("GET", f"/organizers/{ident}/print")
    assert printed.status == 200 and "Ada\ufffd" in printed.body.decode("utf-8")
    assert "Traceback" not in server.log_text()


def test_a_whole_number_written_as_a_float_is_a_revision(server: Server) -> None:
    """Regression: JSON has one number type, so `1.0` is revision 1 (it was 400 bad-body)."""
    ident = server.new_organizer()
    assert server.send_json("PUT", f"/organizers/{ident}/draft", {"base_revision": None, "answers": {}}).status == 200
    saved = server.send_json("PUT", f"/organizers/{ident}/draft", {"base_revision": 1.0, "answers": {"notes": "x"}})
    assert saved.status == 200 and saved.json() == {"revision": 2}
    assert server.send_json("PUT", f"/organizers/{ident}/draft", {"base_revision": 1.5, "answers": {}}).status == 400


def test_405_names_every_method_of_the_path(server: Server) -> None:
    """Regression: a 405 carried no `Allow` (RFC 9110), and GET and PUT of the draft were two routes,
    so a 405 there could name only one of them."""
    ident = server.new_organizer()
    for method in ("DELETE", "PATCH", "OPTIONS"):
        refused = server.request(method, f"/organizers/{ident}/draft", headers={"Content-Length": "0"})
        assert refused.status == 405 and refused.json()["error"] == "method-not-allowed"
        assert allowed(refused.headers["allow"]) == {"GET", "HEAD", "PUT"}
    assert allowed(server.request("POST", f"/organizers/{ident}/history").headers["allow"]) == {"GET", "HEAD"}


def allowed(header: str) -> set[str]:
    return {method.strip() for method in header.split(",")}


def test_the_openapi_document_is_served(server: Server) -> None:
    served = server.request("GET", "/openapi.json")
    assert served.status == 200 and served.headers["content-type"] == "application/json"
    assert served.json() == json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert served.headers["x-frame-options"] == "DENY" and served.headers["x-content-type-options"] == "nosniff"


def test_a_bug_answers_json_without_a_traceback(tmp_path: Path) -> None:
    """D6: no debugger. Starlette runs with debug off and a bug answers `500 internal-error`, the
    traceback (with what the failing code held) only on the console; nothing loads Werkzeug."""
    store_path = tmp_path / "store.sqlite3"
    app = create_app(tmp_path, SQLiteStore(store_path), store_path, 8000, live_reload=False)

    async def bug(request: Request) -> Response:
        raise RuntimeError("internal state: SECRET")

    app.router.routes.append(Route("/bug", bug))
    assert app.debug is False
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/bug", "raw_path": b"/bug", "query_string": b"",
             "headers": [(b"host", b"127.0.0.1:8000")], "scheme": "http", "http_version": "1.1"}
    with pytest.raises(RuntimeError):  # re-raised after the answer, for the server to log
        asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 500
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert json.loads(body)["error"] == "internal-error" and b"SECRET" not in body and b"Traceback" not in body
    probe = ("import sys, organizer.server.serve, organizer.server.app; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'werkzeug'))")
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]"
