"""Uploads (RELIABILITY U1-U3): the question's limits from the IR, 413 as soon as a body crosses
them (Content-Length lies and chunked bodies included), 415 on content, hostile names, and
downloads that a browser can only save."""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
from urllib.parse import quote

import pytest
from serverkit import Server

PDF = b"%PDF-1.4\n" + b"x" * 200 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def upload(server: Server, ident: str, data: bytes, *, name: str = "a.pdf", question: str = "/statements",
           headers: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    reply = server.request("POST", f"/organizers/{ident}/files", data, headers={
        "Content-Type": "application/pdf", "X-File-Name": quote(name, safe=""), "X-Question": question,
        **(headers or {})})
    return reply.status, (reply.json() if reply.body.startswith(b"{") else {})


def blob_count(server: Server) -> int:
    root = server.store_path.parent / (server.store_path.name + ".files")
    return sum(len(files) for _, _, files in os.walk(root))


def test_an_accepted_file_is_stored_and_answered_as_its_answer_object(server: Server) -> None:
    ident = server.new_organizer()
    status, stored = upload(server, ident, PDF, headers={"X-File-Sha256": hashlib.sha256(PDF).hexdigest()})
    assert status == 201
    assert stored == {"name": "a.pdf", "size": len(PDF), "media_type": "application/pdf",
                      "sha256": hashlib.sha256(PDF).hexdigest()}
    saved = server.send_json("PUT", f"/organizers/{ident}/draft",
                             {"base_revision": None, "answers": {"has_income": True, "statements": [stored]}})
    assert saved.status == 200
    status, _ = upload(server, ident, PDF[:100] + b"\n", question="/accounts/0/proof")
    assert status == 201


def test_the_limits_come_from_the_question_and_refusals_store_nothing(server: Server) -> None:
    ident = server.new_organizer()
    before = blob_count(server)
    refusals = {
        "one byte over max_size (1KB)": upload(server, ident, b"%PDF-" + b"x" * 1020),
        "not an accepted type (a png for pdf only)": upload(server, ident, PNG, question="/accounts/0/proof"),
        "html renamed .pdf": upload(server, ident, b"<html><script>alert(1)</script></html>", name="x.pdf"),
        "svg renamed .png": upload(server, ident, b"<svg onload=alert(1)>", name="x.png"),
        "an empty file": upload(server, ident, b""),
        "wrong magic with a right extension": upload(server, ident, b"\x00\x01\x02binary", name="x.pdf"),
        "multipart form": upload(server, ident, b"--b\r\n\r\n", headers={"Content-Type": "multipart/form-data; boundary=b"}),
        "not a file question": upload(server, ident, PDF, question="/first_name"),
        "no such question": upload(server, ident, PDF, question="/../../etc/passwd"),
        "a lying Content-Length (larger)": upload(server, ident, PDF, headers={"Content-Length": str(10**9)}),
    }
    statuses = {what: status for what, (status, _) in refusals.items()}
    assert statuses == {
        "one byte over max_size (1KB)": 413, "not an accepted type (a png for pdf only)": 415,
        "html renamed .pdf": 415, "svg renamed .png": 415, "an empty file": 415,
        "wrong magic with a right extension": 415, "multipart form": 415, "not a file question": 422,
        "no such question": 422, "a lying Content-Length (larger)": 413}
    assert blob_count(server) == before
    print(f"upload refusals: {len(refusals)} attempts, 0 bytes stored")


def test_a_chunked_body_is_refused_as_soon_as_it_crosses_the_limit(server: Server) -> None:
    """A chunked stream with no end against a 1 KB question: after one 64 KB chunk the server answers
    413 without waiting for the rest (it never comes), and stores nothing."""
    ident = server.new_organizer()
    before = blob_count(server)
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        chunk = b"%PDF-" + b"x" * 65531
        sock.sendall((f"POST /organizers/{ident}/files HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                      f"Origin: {server.origin}\r\nContent-Type: application/pdf\r\nX-Question: /statements\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n").encode() + b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            assert data, "the server closed the connection without an answer"
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert blob_count(server) == before


def test_content_length_smaller_than_the_body_never_stores_the_rest(server: Server) -> None:
    ident = server.new_organizer()
    status, stored = upload(server, ident, PDF + b"GET / HTTP/1.1\r\n\r\n", headers={"Content-Length": str(len(PDF))})
    assert status == 201 and stored["size"] == len(PDF)
    assert server.alive()


HOSTILE_NAMES = ["../../etc/passwd", "..\\..\\x.pdf", "/abs.pdf", "C:\\x.pdf", "%2e%2e%2fx.pdf", "a\x00.pdf",
                 "a\r\nSet-Cookie: x=1.pdf", 'quote".pdf', "semi;colon.pdf", "invoice\u202efdp.exe", "CON", "aux.pdf",
                 "x" * 300 + ".pdf", "cafe\u0301.pdf", "", ".", ".."]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_names_are_sanitised_and_downloads_are_attachments(server: Server, name: str) -> None:
    ident = server.new_organizer()
    body = PDF + name.encode("utf-8", "replace")  # a new blob per name
    status, stored = upload(server, ident, body, name=name)
    assert status == 201
    shown = str(stored["name"])
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown and "\r" not in shown
    assert "\u202e" not in shown and shown not in ("", ".", "..") and len(shown) <= 255
    got = server.request("GET", f"/organizers/{ident}/files/{stored['sha256']}")
    assert got.status == 200 and got.body == body
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment; ") and "filename*=UTF-8''" in disposition
    assert "\r" not in disposition and "\n" not in disposition and "set-cookie" not in got.headers
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["content-type"] == "application/pdf"


def test_a_file_of_another_organizer_or_an_unknown_hash_is_404(server: Server) -> None:
    owner, other = server.new_organizer(), server.new_organizer()
    _, stored = upload(server, owner, PDF + b"owned")
    assert server.request("GET", f"/organizers/{other}/files/{stored['sha256']}").status == 404
    assert server.request("GET", f"/organizers/{owner}/files/{'0' * 64}").status == 404
    assert server.request("GET", f"/organizers/{owner}/files/{str(stored['sha256']).upper()}").status == 404


def test_a_submitted_organizer_takes_no_more_files(server: Server) -> None:
    ident = server.new_organizer()
    answers = {"first_name": "Ada", "has_income": False, "accounts": []}
    assert server.send_json("POST", f"/organizers/{ident}/submit", {"base_revision": None, "answers": answers}).status == 200
    assert upload(server, ident, PDF)[0] == 409


def test_the_server_survives_a_client_that_disappears_mid_upload(server: Server) -> None:
    ident = server.new_organizer()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("POST", f"/organizers/{ident}/files", skip_host=True)
    for header, value in (("Host", f"127.0.0.1:{server.port}"), ("Origin", server.origin),
                          ("Content-Type", "application/pdf"), ("X-Question", "/statements"),
                          ("Content-Length", "1000")):
        connection.putheader(header, value)
    connection.endheaders(b"%PDF-" + b"x" * 100)
    connection.close()
    assert server.request("GET", "/").status == 200
