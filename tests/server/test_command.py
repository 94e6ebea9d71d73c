"""`organizer serve` as a command: loopback only unless told, a clear refusal of a file that is
not a store, the `Serving ... on http://127.0.0.1:PORT/` line, the store in DIR/.organizer/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
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


def test_without_the_server_extra_the_command_says_what_to_install(tmp_path: Path) -> None:
    for missing in ("starlette", "uvicorn", "watchfiles"):
        code = (f"import sys; sys.modules[{missing!r}] = None\n"
                f"from organizer.cli import main; sys.exit(main(['serve', {str(tmp_path)!r}, '--port', '0']))")
        result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and "pip install 'organizer[server]'" in result.stderr
        assert "Traceback" not in result.stderr


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


def test_no_connection_from_another_network_namespace(server: Server) -> None:
    """RELIABILITY D1: a client in a network namespace joined by a veth pair reaches a control
    listener on 0.0.0.0, and never the server."""
    tag = os.getpid() % 10_000
    space, host_end, far_end, net = f"orgsrv{tag}", f"osh{tag}", f"osn{tag}", f"10.231.{tag % 250}"
    setup = [["ip", "netns", "add", space], ["ip", "link", "add", host_end, "type", "veth", "peer", "name", far_end],
             ["ip", "link", "set", far_end, "netns", space], ["ip", "addr", "add", f"{net}.1/24", "dev", host_end],
             ["ip", "link", "set", host_end, "up"],
             ["ip", "netns", "exec", space, "ip", "addr", "add", f"{net}.2/24", "dev", far_end],
             ["ip", "netns", "exec", space, "ip", "link", "set", far_end, "up"]]
    try:
        for command in setup:
            if subprocess.run(command, check=False, capture_output=True).returncode != 0:
                pytest.skip(f"cannot build a network namespace here ({' '.join(command)})")
        with socket.create_server(("0.0.0.0", 0)) as control:
            open_port = control.getsockname()[1]
            attempts = {port: _connect_from(space, f"{net}.1", port) for port in (open_port, server.port)}
        assert attempts == {open_port: "connected", server.port: "refused"}
    finally:
        subprocess.run(["ip", "link", "del", host_end], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "del", space], check=False, capture_output=True)


def _connect_from(space: str, address: str, port: int) -> str:
    code = ("import socket\ntry:\n    socket.create_connection((%r, %d), timeout=5)\n    print('connected')\n"
            "except ConnectionRefusedError:\n    print('refused')\nexcept OSError as e:\n    print(type(e).__name__)")
    result = subprocess.run(["ip", "netns", "exec", space, sys.executable, "-c", code % (address, port)],
                            check=False, capture_output=True, text=True, timeout=60)
    return result.stdout.strip()
