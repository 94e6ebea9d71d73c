"""`organizer serve` as a command: loopback only unless told, a clear refusal of a file that is
not a store, the `Serving ... on http://127.0.0.1:PORT/` line, the store in DIR/.organizer/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from serverkit import Server, make_library, start_server


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "organizer", "serve", *args], check=False, capture_output=True, text=True,
                          timeout=60)


def test_another_interface_is_refused_without_allow_remote(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "::", "192.0.2.1", "example.com"):
        result = serve(str(tmp_path), "--port", "0", "--host", host)
        assert result.returncode == 2
        assert "--allow-remote" in result.stderr and "Traceback" not in result.stderr


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database at all" * 10)
    result = serve(str(tmp_path), "--port", "0", "--store", str(junk))
    assert result.returncode == 1
    assert "not an Organizer store" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors(tmp_path: Path) -> None:
    assert serve(str(tmp_path / "missing"), "--port", "0").returncode == 2
    assert serve(str(tmp_path), "--port", "70000").returncode == 2
    assert serve(str(tmp_path), "--port", "http").returncode == 2


def test_a_busy_port_is_a_clear_error(server: Server, tmp_path: Path) -> None:
    result = serve(str(tmp_path), "--port", str(server.port))
    assert result.returncode == 1 and "cannot listen" in result.stderr


def test_it_listens_on_loopback_and_keeps_its_store_in_the_library(server: Server) -> None:
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    mine = [fields[1] for fields in listening if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == server.port]
    assert mine == ["0100007F:" + f"{server.port:04X}"]  # 127.0.0.1, listening
    assert server.store_path.is_file()
    assert server.request("GET", "/").body.count(b".organizer/") == 0


def test_an_existing_store_is_reused(tmp_path: Path) -> None:
    library = make_library(tmp_path)
    first = start_server(library, tmp_path / "first.log")
    try:
        ident = first.new_organizer()
        assert first.send_json("PUT", f"/organizers/{ident}/draft", {"base_revision": None, "answers": {"x": 1}}).status == 200
    finally:
        first.stop()
    second = start_server(library, tmp_path / "second.log")
    try:
        assert second.request("GET", f"/organizers/{ident}/draft").json()["answers"] == {"x": 1}
    finally:
        second.stop()
