"""RELIABILITY D2-D6 against the real server: path traversal over every route (raw request
targets), DNS rebinding (Host), cross-origin and CSRF requests (Origin, Sec-Fetch-Site, JSON
content type), the live-reload stream, malformed HTTP; no traceback ever reaches a client."""

from __future__ import annotations

import socket
from itertools import product

import pytest
from serverkit import CANARY, Server

ROUTES = ["/{}", "/preview/{}", "/preview/{}/form", "/preview/{}/events", "/preview/{}/print",
          "/organizers/{}/draft", "/organizers/{}/submit", "/organizers/{}/files", "/organizers/{}/history",
          "/organizers/{}/print", "/organizers/ORG/files/{}", "/static/{}", "/assets/{}",
          "/lifecycle/clients/{}/todo", "/lifecycle/organizers/{}/export", "/lifecycle/organizers/{}/reminders"]
ESCAPES = ["../", "..%2f", "%2e%2e/", "%2e%2e%2f", "%2E%2E%2F", "%252e%252e/", "%252e%252e%252f", "..%5c", "..\\",
           "%c0%ae%c0%ae/", "%c0%ae%c0%ae%c0%af", "....//", "..;/", "%00../", "..%00/", ".%2e/", "%uff0e%uff0e/"]
TARGETS = ["canary.txt", "library-secret/secret.organizer", "library-secret/canary.txt", "linked/canary.txt",
           "leak.organizer", "etc/passwd", "canary.txt%00.organizer"]


def traversal_targets(server: Server, ident: str) -> list[str]:
    base = server.library.parent
    found = set()
    for route, escape, depth, target in product(ROUTES, ESCAPES, (1, 3), TARGETS):
        found.add(route.replace("ORG", ident).format(escape * depth + target))
    for route in ROUTES:
        for absolute in (str(base / "canary.txt"), "//etc/passwd", "/etc/passwd", "%2fetc%2fpasswd",
                         str(base / "library-secret" / "canary.txt"), "C:%5cWindows%5cwin.ini", "%00", "x%00y"):
            found.add(route.replace("ORG", ident).format(absolute.lstrip("/") if route == "/{}" else absolute))
    found |= {"//etc/passwd", "/..", "/../" + "canary.txt", "/./../canary.txt", "/%2e%2e/canary.txt",
              "/PREVIEW/basics", "/Preview/../canary.txt", "/preview/BASICS", "/library-secret/canary.txt",
              "/preview/secret", "/preview/linked", "/preview/leak", "/organizers//draft", "/preview//form"}
    return sorted(found)


def test_no_path_in_any_url_reaches_a_file_outside_the_library(server: Server) -> None:
    ident = server.new_organizer()
    targets = traversal_targets(server, ident)
    requests, statuses = 0, set()
    for target in targets:
        for method in ("GET", "PUT", "POST"):
            reply = server.request(method, target, b'{"answers": {}}' if method != "GET" else None,
                                   headers={"Content-Type": "application/json"} if method != "GET" else {},
                                   timeout=30)
            requests += 1
            assert CANARY not in reply.body, target
            assert 400 <= reply.status < 500, (method, target, reply.status)
            statuses.add(reply.status)
    assert server.alive()
    assert "Traceback" not in server.log_text()
    print(f"traversal: {len(ROUTES)} routes, {len(targets)} targets x 3 methods = {requests} requests: "
          f"0 canary bytes, statuses {sorted(statuses)}")


def test_the_library_shows_neither_the_sibling_folder_nor_what_a_symlink_points_to(server: Server) -> None:
    index = server.request("GET", "/")
    assert index.status == 200 and CANARY not in index.body
    assert b"secret" not in index.body and b"basics" in index.body and b"sub/second.organizer" in index.body
    assert b"leak.organizer" in index.body  # listed with its error, never read
    for query in ("?raw", "?import", "?url", "?raw&import", "?path=../canary.txt", "?file=/etc/passwd"):
        for route in ("/", "/preview/basics", "/preview/basics/form", "/preview/basics/print"):
            reply = server.request("GET", route + query)
            assert reply.status == 200 and CANARY not in reply.body


@pytest.mark.parametrize("host", ["attacker.example", "127.attacker.example", "localhost.attacker.example",
                                  "127.0.0.1", "localhost", "127.0.0.1:1", "127.0.0.1:PORT.attacker.example",
                                  "127.0.0.1:PORT@attacker.example", "[::1", "", "0.0.0.0:PORT",
                                  "127.0.0.2:PORT", "x" * 5000])
def test_a_host_that_is_not_this_server_is_refused(server: Server, host: str) -> None:
    reply = server.request("GET", "/", headers={"Host": host.replace("PORT", str(server.port))})
    assert reply.status in (400, 421), reply.status
    assert b"Traceback" not in reply.body


def test_loopback_names_with_the_port_are_served(server: Server) -> None:
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"[::1]:{server.port}",
                 f"LOCALHOST:{server.port}"):
        assert server.request("GET", "/", headers={"Host": host}).status == 200


def test_two_host_headers_are_refused(server: Server) -> None:
    raw = (f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nHost: attacker.example\r\n\r\n").encode()
    assert raw_exchange(server, raw)[:12] in (b"HTTP/1.1 421", b"HTTP/1.1 400")


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:1", "http://localhost",
                                    "http://127.0.0.1:PORT.evil.example", "file://", "http://[::1]:1"])
def test_changes_from_another_origin_are_refused_without_cors(server: Server, origin: str) -> None:
    ident = server.new_organizer()
    reply = server.request("PUT", f"/organizers/{ident}/draft", '{"base_revision": null, "answers": {"x": 1}}',
                           headers={"Origin": origin.replace("PORT", str(server.port)),
                                    "Content-Type": "application/json"})
    assert reply.status == 403
    assert not any(name.startswith("access-control-") for name in reply.headers)
    assert server.request("GET", f"/organizers/{ident}/draft").status == 404  # nothing was saved


def test_a_change_must_prove_it_comes_from_this_server(server: Server) -> None:
    ident = server.new_organizer()
    url, body = f"/organizers/{ident}/draft", '{"base_revision": null, "answers": {"x": 1}}'
    json_type = {"Content-Type": "application/json"}
    assert server.request("PUT", url, body, headers=json_type, origin=False).status == 403
    cross = {**json_type, "Sec-Fetch-Site": "cross-site"}
    assert server.request("PUT", url, body, headers=cross, origin=False).status == 403
    same = {**json_type, "Sec-Fetch-Site": "same-origin"}
    assert server.request("PUT", url, body, headers=same, origin=False).status == 200


@pytest.mark.parametrize("kind", ["text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                                  "", "application/json-patch+json", "text/json"])
def test_json_endpoints_take_json_only(server: Server, kind: str) -> None:
    ident = server.new_organizer()
    headers = {"Content-Type": kind} if kind else {}
    for url in (f"/organizers/{ident}/draft", f"/organizers/{ident}/submit"):
        method = "PUT" if url.endswith("draft") else "POST"
        reply = server.request(method, url, '{"base_revision": null, "answers": {}}', headers=headers)
        assert reply.status == 415, (url, reply.status)


def test_cross_site_reads_and_preflights_get_nothing(server: Server) -> None:
    ident = server.new_organizer()
    for url in (f"/organizers/{ident}/draft", f"/organizers/{ident}/history", "/preview/basics/form"):
        reply = server.request("GET", url, headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"})
        assert reply.status == 403
    navigate = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert server.request("GET", "/", headers=navigate).status == 200
    preflight = server.request("OPTIONS", f"/organizers/{ident}/draft", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"})
    assert preflight.status == 403 and not any(h.startswith("access-control-") for h in preflight.headers)


def test_the_live_reload_stream_checks_the_origin(server: Server) -> None:
    for origin in ("https://evil.example", "null", f"http://127.0.0.1:{server.port + 1}"):
        assert server.request("GET", "/preview/basics/events", headers={"Origin": origin}).status == 403
    raw = (f"GET /preview/basics/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
           "Accept: text/event-stream\r\n\r\n").encode()
    head = raw_exchange(server, raw, until=b"data: ")
    assert head.startswith(b"HTTP/1.1 200") and b"text/event-stream" in head
    assert b'"event": "reload"' in head and CANARY not in head


@pytest.mark.parametrize("raw", [
    b"GET / HTTP/1.1\r\nHost: HOST\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    b"POST /organizers/x/draft HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: HOST\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: HOST\r\n\r\n",
    b"PUT /organizers/x/draft HTTP/1.1\r\nHost: HOST\r\nContent-Length: -5\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: HOST\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: HOST\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: \xff\xfe:1\r\n\r\n",
], ids=["huge-header", "bad-chunk", "nul-in-target", "garbage", "bad-version", "negative-length",
        "length-and-chunked", "huge-target", "non-ascii-host"])
def test_malformed_http_gets_an_error_and_the_server_stays_up(server: Server, raw: bytes) -> None:
    answer = raw_exchange(server, raw.replace(b"HOST", f"127.0.0.1:{server.port}".encode()))
    assert answer == b"" or answer[9:10] in (b"2", b"4"), answer[:100]  # h11 reads HTTP/9.9 as 1.1
    assert b"Traceback" not in answer
    assert server.request("GET", "/").status == 200


def test_errors_never_carry_a_traceback(server: Server) -> None:
    assert "Traceback" not in server.log_text()


def raw_exchange(server: Server, raw: bytes, until: bytes = b"\r\n\r\n") -> bytes:
    """Send bytes as they are; what the server answers up to `until` (or until it closes)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while until not in answer:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            answer += data
        return answer
