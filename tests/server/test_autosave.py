"""The autosave protocol of docs/form.md against the real server and SQLite store: revisions and
409s, idempotent retries, concurrent writers, submission, history and body limits."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections import Counter

from serverkit import Server


def draft_url(ident: str) -> str:
    return f"/organizers/{ident}/draft"


def test_a_first_save_then_a_stale_one_gets_409_with_the_newer_answers(server: Server) -> None:
    ident = server.new_organizer()
    assert server.request("GET", draft_url(ident)).status == 404
    first = server.send_json("PUT", draft_url(ident), {"base_revision": None, "answers": {"first_name": "Ada"}})
    assert (first.status, first.json()) == (200, {"revision": 1})
    second = server.send_json("PUT", draft_url(ident), {"base_revision": 1, "answers": {"first_name": "Ada L"}})
    assert second.json() == {"revision": 2}
    stale = server.send_json("PUT", draft_url(ident), {"base_revision": 1, "answers": {"first_name": "Old"}})
    assert stale.status == 409
    assert stale.json()["revision"] == 2 and stale.json()["answers"] == {"first_name": "Ada L"}
    got = server.request("GET", draft_url(ident))
    assert got.status == 200 and got.json()["answers"] == {"first_name": "Ada L"} and got.json()["revision"] == 2
    assert got.headers["cache-control"] == "no-store"


def test_a_repeated_idempotency_key_returns_the_first_revision_without_a_409(server: Server) -> None:
    ident = server.new_organizer()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"base_revision": None, "answers": {"children": 2}}
    replies = [server.send_json("PUT", draft_url(ident), body, key) for _ in range(5)]
    assert [(r.status, r.json()) for r in replies] == [(200, {"revision": 1})] * 5
    assert [r.headers.get("idempotent-replayed") for r in replies] == [None] + ["true"] * 4
    later = server.send_json("PUT", draft_url(ident), {"base_revision": 1, "answers": {"children": 3}})
    assert later.json() == {"revision": 2}
    assert server.send_json("PUT", draft_url(ident), body, key).json() == {"revision": 1}  # still the original
    reused = server.send_json("PUT", draft_url(ident), {"base_revision": 2, "answers": {"children": 9}}, key)
    assert reused.status == 422
    assert server.request("GET", draft_url(ident)).json()["answers"] == {"children": 3}
    assert len([e for e in server.store.history(ident) if e.kind == "save"]) == 2


def test_eight_concurrent_writers_lose_no_acknowledged_edit(server: Server) -> None:
    """RELIABILITY A3: 8 threads x N edits, each a GET then a whole-draft PUT, retried on 409."""
    ident = server.new_organizer()
    clients, edits = 8, 100
    conflicts: Counter[str] = Counter()
    failures: list[str] = []

    def client(number: int) -> None:
        for edit in range(edits):
            while True:
                got = server.request("GET", draft_url(ident))
                base, answers = (None, {}) if got.status == 404 else (got.json()["revision"], got.json()["answers"])
                answers[f"c{number}"] = edit  # each client owns one key; the final value must be its last edit
                put = server.send_json("PUT", draft_url(ident), {"base_revision": base, "answers": answers})
                if put.status == 200:
                    break
                if put.status != 409:
                    failures.append(f"{put.status} {put.body[:200]!r}")
                    return
                conflicts["409"] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert failures == []
    final = server.request("GET", draft_url(ident)).json()
    assert final["answers"] == {f"c{n}": edits - 1 for n in range(clients)}
    assert final["revision"] == clients * edits
    print(f"concurrent writers: {clients} x {edits} acknowledged edits, 0 lost, {conflicts['409']} stale writes (409)")


def test_submit_validates_with_the_pinned_template_then_freezes(server: Server) -> None:
    ident = server.new_organizer()
    assert server.send_json("PUT", draft_url(ident), {"base_revision": None, "answers": {"children": 1}}).status == 200
    submit = f"/organizers/{ident}/submit"
    refused = server.send_json("POST", submit, {"base_revision": 1, "answers": {"children": 1}})
    assert refused.status == 422
    pointers = {p["pointer"] for p in refused.json()["problems"]}
    assert {"/first_name", "/has_income"} <= pointers
    stale = server.send_json("POST", submit, {"base_revision": 0, "answers": {"children": 1}})
    assert stale.status == 409 and stale.json()["revision"] == 1
    good = {"first_name": "Ada", "has_income": False, "accounts": []}
    done = server.send_json("POST", submit, {"base_revision": 1, "answers": good})
    assert done.status == 200 and done.json() == {"revision": 2, "state": "submitted"}
    late = server.send_json("PUT", draft_url(ident), {"base_revision": 2, "answers": {"children": 4}})
    assert late.status == 409 and late.json()["state"] == "submitted"
    again = server.send_json("POST", submit, {"base_revision": 2, "answers": good})
    assert again.status == 409
    kinds = [e["kind"] for e in server.request("GET", f"/organizers/{ident}/history").json()["history"]]
    assert kinds == ["create", "save", "submit"]


def test_the_print_view_shows_visible_answers_escaped_and_never_hidden_ones(server: Server) -> None:
    ident = server.new_organizer()
    marker, hidden = "PRINTED-" + uuid.uuid4().hex, "HIDDEN-" + uuid.uuid4().hex
    answers = {"first_name": marker, "has_income": False, "employer": hidden,
               "notes": "<img src=x onerror=alert(1)>", "accounts": []}
    server.send_json("PUT", draft_url(ident), {"base_revision": None, "answers": answers})
    page = server.request("GET", f"/organizers/{ident}/print")
    assert page.status == 200 and marker.encode() in page.body
    assert hidden.encode() not in page.body
    assert b"<img src=x" not in page.body and b"&lt;img src=x" in page.body
    assert "default-src 'none'" in page.headers["content-security-policy"] and b"<script" not in page.body
    del answers["employer"]
    assert server.send_json("POST", f"/organizers/{ident}/submit", {"base_revision": 1, "answers": answers}).status == 200
    submitted = server.request("GET", f"/organizers/{ident}/print").body
    assert marker.encode() in submitted and hidden.encode() not in submitted


def test_json_bodies_have_limits_each_with_its_own_error(server: Server) -> None:
    ident = server.new_organizer()
    url = draft_url(ident)
    json_type = {"Content-Type": "application/json"}
    big = json.dumps({"base_revision": None, "answers": {"notes": "x" * (5 * 1024 * 1024)}})
    assert server.request("PUT", url, big, headers=json_type).json()["error"] == "body-too-large"
    deep = '{"base_revision": null, "answers": {"a": ' + "[" * 40 + "]" * 40 + "}}"
    assert server.request("PUT", url, deep, headers=json_type).json()["error"] == "json-too-deep"
    deeper = '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert server.request("PUT", url, deeper, headers=json_type).status in (400, 413)
    assert server.request("PUT", url, "{nope", headers=json_type).json()["error"] == "invalid-json"
    assert server.request("PUT", url, '{"answers": {"a": NaN}}', headers=json_type).json()["error"] == "invalid-json"
    assert server.request("PUT", url, '{"answers": []}', headers=json_type).json()["error"] == "bad-body"
    assert server.request("PUT", url, '{"base_revision": -1, "answers": {}}', headers=json_type).status == 400
    assert server.request("PUT", url, '{"base_revision": true, "answers": {}}', headers=json_type).status == 400
    assert server.alive()


def test_retries_after_dropped_responses_make_no_duplicate_revision_and_no_409(server: Server) -> None:
    """RELIABILITY A4: each save is sent, its connection dropped before the answer is read, then
    retried with the same Idempotency-Key until answered; every retry gets exactly the next revision."""
    ident = server.new_organizer()
    saves, spurious, replayed = 200, 0, 0
    for n in range(saves):
        body = json.dumps({"base_revision": n or None, "answers": {"n": n}}).encode()
        key = str(uuid.uuid4())
        head = (f"PUT /organizers/{ident}/draft HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                f"Origin: {server.origin}\r\nContent-Type: application/json\r\nIdempotency-Key: {key}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as dropped:
            dropped.sendall(head + body)  # closed at once: the answer, if any, is lost
        retry = server.request("PUT", draft_url(ident), body, headers={"Content-Type": "application/json",
                                                                        "Idempotency-Key": key})
        spurious += retry.status == 409
        replayed += retry.headers.get("idempotent-replayed") == "true"
        assert (retry.status, retry.json()) == (200, {"revision": n + 1})
    saved = [e.revision for e in server.store.history(ident) if e.kind == "save"]
    assert saved == list(range(1, saves + 1)) and spurious == 0
    print(f"dropped responses: {saves} saves retried ({replayed} had been made by the dropped request): "
          "0 duplicate revisions, 0 spurious 409s")
