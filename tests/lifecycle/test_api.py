"""The lifecycle's HTTP API inside the dev server: JSON in and out, the server's same-origin
rules, refusals as JSON errors (no 5xx)."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from organizer.runtime.lifecycle.reminders import run
from organizer.runtime.store import SQLiteStore

from organizer.server.app import create_app

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """Calls the ASGI application directly, as a browser on the server's own page would."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, method: str, path: str, body: Any = None, *, origin: str | None = ORIGIN,
                 content_type: str = "application/json", key: str | None = None) -> Answer:
        return asyncio.run(self._call(method, path, body, origin, content_type, key))

    async def _call(self, method: str, path: str, body: Any, origin: str | None, content_type: str,
                    key: str | None) -> Answer:
        raw = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        path, _, query = path.partition("?")
        headers = [(b"host", f"127.0.0.1:{PORT}".encode()), (b"content-type", content_type.encode()),
                   (b"content-length", str(len(raw)).encode())]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        if key is not None:
            headers.append((b"idempotency-key", key.encode()))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", PORT)}
        sent = False
        answer = Answer(0, {}, b"")

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = {k.decode(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                answer.body += message.get("body", b"")

        await self.app(scope, receive, send)
        return answer


@pytest.fixture
def http(store: SQLiteStore, tmp_path: Path) -> Client:
    return Client(create_app(tmp_path, store, store.path, PORT, live_reload=False))


def test_a_season_through_the_api(http: Client, store: SQLiteStore, version: str) -> None:
    assert http("POST", "/lifecycle/clients", {"id": "c1", "name": "Ada", "email": "ada@clients.example"}).status == 201
    assert http("POST", "/lifecycle/clients", {"id": "c2", "name": "Bob", "status": "offline"}).status == 201
    assert [c["id"] for c in http("GET", "/lifecycle/clients").json()["clients"]] == ["c1", "c2"]
    sent = http("POST", "/lifecycle/send", {"template": "season_tax", "clients": ["c1", "c2"],
                                            "name": "<<year>> for <<client.name>>"})
    assert sent.status == 201
    first, second = (s["organizer_id"] for s in sent.json()["sent"])
    again = http("POST", "/lifecycle/send", {"template_version": version, "clients": ["c1"]})
    assert (again.status, again.json()["sent"][0]["created"]) == (200, False)

    todo = http("GET", "/lifecycle/clients/c1/todo").json()["organizers"]
    assert [(o["id"], o["name"], o["reminders"]["limit"]) for o in todo] == [(first, "2027 for Ada", 2)]
    settings = http("PUT", f"/lifecycle/organizers/{first}/reminders", {"enabled": False})
    assert settings.json() == {"enabled": False, "days": 3, "limit": 2, "sent": 0}
    assert http("POST", f"/lifecycle/organizers/{first}/resend", {}).json() == {"resend": 1}
    saved = http("PUT", f"/lifecycle/organizers/{first}/on-behalf",
                 {"actor": "ann", "base_revision": store.draft(first).revision, "answers": {"moved": True}})
    assert saved.status == 200 and store.history(first)[-1].on_behalf
    submitted = http("POST", f"/organizers/{first}/submit",
                     {"base_revision": saved.json()["revision"], "answers": {"first_name": "Ada", "moved": True}})
    assert submitted.status == 200
    # the autosave API's submit queues the firm's email in its own transaction, once
    assert _firm_emails(store) == [(first, 1)]
    assert http("POST", f"/lifecycle/organizers/{first}/seal", {"actor": "partner"}).json()["state"] == "sealed"
    exported = http("GET", f"/lifecycle/organizers/{first}/export")
    assert exported.headers["content-type"] == "application/zip"
    assert "attachment" in exported.headers["content-disposition"]
    assert "seal.json" in zipfile.ZipFile(io.BytesIO(exported.body)).namelist()
    assert http("GET", "/lifecycle/clients/c1/todo").json()["organizers"] == []
    listed = http("GET", "/lifecycle/organizers?state=sealed").json()["organizers"]
    assert [o["id"] for o in listed] == [first]
    assert http("POST", f"/lifecycle/organizers/{second}/delete", {}).json() == {"state": "deleted"}
    assert run(store).submissions == 0  # nothing left for the reminders run to catch up on
    assert _firm_emails(store) == [(first, 1)]


def _firm_emails(store: SQLiteStore) -> list[tuple[str, int]]:
    return [tuple(row) for row in store.connection().execute(
        "SELECT organizer_id, seq FROM outbox WHERE kind = 'submitted' ORDER BY organizer_id, seq")]


def test_a_retried_submit_queues_one_email_and_a_failed_one_none(http: Client, store: SQLiteStore, version: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert http("POST", "/lifecycle/clients", {"id": "c1", "name": "Ada", "email": "ada@clients.example"}).status == 201
    ident = http("POST", "/lifecycle/send", {"template": "season_tax", "clients": ["c1"]}).json()["sent"][0]["organizer_id"]
    body = {"base_revision": store.draft(ident).revision, "answers": {"first_name": "Ada", "moved": False}}
    # the firm's email cannot be queued: the submission rolls back with it, and the client may retry
    import organizer.server.lifecycle_api as lifecycle_api

    def broken(*args: Any) -> int:
        raise RuntimeError("outbox unavailable")
    monkeypatch.setattr(lifecycle_api, "record_submissions", broken)
    with pytest.raises(RuntimeError, match="outbox unavailable"):  # (answered 500, then re-raised for the log)
        http("POST", f"/organizers/{ident}/submit", body)
    assert (store.organizer(ident).state, _firm_emails(store)) == ("pending", [])
    monkeypatch.undo()
    retried = [http("POST", f"/organizers/{ident}/submit", body, key="k-1") for _ in range(3)]
    assert [a.status for a in retried] == [200, 200, 200]
    assert store.organizer(ident).state == "submitted" and _firm_emails(store) == [(ident, 1)]


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/lifecycle/send", {"template": "nope", "clients": ["c1"]}, 404),
    ("POST", "/lifecycle/send", {"template": "season_tax", "clients": []}, 400),
    ("POST", "/lifecycle/send", {"template": "season_tax", "clients": "c1"}, 400),
    ("POST", "/lifecycle/send", {"template": "season_tax", "clients": ["ghost"]}, 404),
    ("POST", "/lifecycle/send", {"template": "season_tax", "clients": ["c1"], "name": "<<oops"}, 422),
    ("POST", "/lifecycle/send", {"template": "season_tax", "clients": ["c1"], "year": True}, 400),
    ("POST", "/lifecycle/send", [1, 2], 400),
    ("POST", "/lifecycle/clients", {"id": "", "name": "x"}, 422),
    ("POST", "/lifecycle/clients", {"id": "x", "name": "x", "fields": {"a": [1]}}, 400),
    ("POST", "/lifecycle/clients", {"id": "x", "name": "Ann \ud800"}, 422),
    ("POST", "/lifecycle/clients", {"id": "x", "name": "x", "fields": {"note": "\udfff"}}, 422),
    ("PUT", "/lifecycle/organizers/missing/reminders", {"days": 2}, 404),
    ("POST", "/lifecycle/organizers/missing/teleport", {}, 404),
    ("GET", "/lifecycle/organizers/missing/export", None, 404),
    ("GET", "/lifecycle/organizers?state=lost", None, 400),
    ("GET", "/lifecycle/clients/ghost/todo", None, 404),
])
def test_bad_requests_get_json_errors(http: Client, version: str, method: str, path: str, body: Any,
                                      status: int) -> None:
    http("POST", "/lifecycle/clients", {"id": "c1", "name": "Ada"})
    answer = http(method, path, body)
    assert answer.status == status, answer.body
    assert "error" in answer.json() and "Traceback" not in answer.body.decode()


def test_reminder_settings_are_checked(http: Client, version: str) -> None:
    http("POST", "/lifecycle/clients", {"id": "c1", "name": "Ada"})
    (sent,) = http("POST", "/lifecycle/send", {"template": "season_tax", "clients": ["c1"]}).json()["sent"]
    path = f"/lifecycle/organizers/{sent['organizer_id']}/reminders"
    assert http("PUT", path, {"days": 0}).status == 422
    assert http("PUT", path, {"limit": "3"}).status == 400
    assert http("PUT", path, {"days": 5, "limit": 3}).json() == {"enabled": True, "days": 5, "limit": 3, "sent": 0}


@pytest.mark.parametrize(("origin", "content_type"), [
    ("https://evil.example", "application/json"), (None, "application/json"), ("null", "application/json"),
    (f"http://127.0.0.1:{PORT + 1}", "application/json"), (ORIGIN, "text/plain"),
])
def test_writes_need_the_servers_own_origin_and_json(http: Client, origin: str | None, content_type: str) -> None:
    answer = http("POST", "/lifecycle/clients", {"id": "c9", "name": "Mallory"}, origin=origin,
                  content_type=content_type)
    assert answer.status in (403, 415)
    assert "access-control-allow-origin" not in answer.headers
    assert http("GET", "/lifecycle/clients").json()["clients"] == []


@pytest.mark.parametrize(("path", "allowed"), [("/lifecycle/clients", {"GET", "POST"}),
                                               ("/lifecycle/organizers/o1/reminders", {"GET", "PUT"})])
def test_a_wrong_method_names_every_allowed_one(http: Client, path: str, allowed: set[str]) -> None:
    answer = http("DELETE", path, {})
    assert answer.status == 405
    assert {m.strip() for m in answer.headers["allow"].split(",")} >= allowed


def test_sealing_an_organizer_that_is_not_submitted_is_a_409(http: Client, version: str) -> None:
    """Regression: it was `422 refused`, while every other move the state does not allow is
    `409 not-allowed` (the OpenAPI document and docs/lifecycle.md say 409)."""
    http("POST", "/lifecycle/clients", {"id": "c1", "name": "Ada"})
    (sent,) = http("POST", "/lifecycle/send", {"template": "season_tax", "clients": ["c1"]}).json()["sent"]
    answer = http("POST", f"/lifecycle/organizers/{sent['organizer_id']}/seal", {})
    assert answer.status == 409 and answer.json()["error"] == "not-allowed"


def test_a_whole_number_written_as_a_float_is_a_number(http: Client, store: SQLiteStore, version: str) -> None:
    """Regression: JSON has one number type, so `5.0` is 5 (days, years and revisions were 400 bad-body)."""
    http("POST", "/lifecycle/clients", {"id": "c1", "name": "Ada"})
    sent = http("POST", "/lifecycle/send", {"template": "season_tax", "clients": ["c1"], "year": 2026.0,
                                            "reminders": {"days": 5.0, "limit": 2.0}})
    assert sent.status == 201, sent.body
    ident = sent.json()["sent"][0]["organizer_id"]
    assert http("GET", f"/lifecycle/organizers/{ident}/reminders").json() == {"enabled": True, "days": 5,
                                                                             "limit": 2, "sent": 0}
    assert http("GET", "/lifecycle/organizers?client=c1").json()["organizers"][0]["period"] == "2026"
    assert http("PUT", f"/lifecycle/organizers/{ident}/reminders", {"days": 7.0}).json()["days"] == 7
    base = float(store.draft(ident).revision)
    saved = http("PUT", f"/lifecycle/organizers/{ident}/on-behalf", {"actor": "ann", "base_revision": base,
                                                                      "answers": {"moved": True}})
    assert saved.status == 200 and saved.json() == {"revision": int(base) + 1}
    assert http("PUT", f"/lifecycle/organizers/{ident}/reminders", {"days": 7.5}).status == 400


@pytest.mark.parametrize(("route", "allowed"), [("export", {"GET", "HEAD"}), ("on-behalf", {"PUT"}),
                                                ("reminders", {"GET", "HEAD", "PUT"})])
def test_a_post_to_an_organizer_route_without_post_is_a_405(http: Client, route: str, allowed: set[str]) -> None:
    """Regression: `POST /lifecycle/organizers/{id}/{move}` caught every POST below an organizer, so
    these answered `404 no such move` instead of 405 with their methods in `Allow`."""
    answer = http("POST", f"/lifecycle/organizers/o1/{route}", {})
    assert answer.status == 405 and answer.json()["error"] == "method-not-allowed"
    assert {m.strip() for m in answer.headers["allow"].split(",")} == allowed
