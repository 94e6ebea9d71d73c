"""Helpers of the server tests: a temporary library with hostile neighbours (a canary file outside
it, a symlink pointing out, a sibling folder sharing its name's prefix), the real `organizer serve`
started as a subprocess on 127.0.0.1 port 0, and a raw HTTP client (http.client, request targets
sent as written)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from organizer.compiler.build import compile_source
from organizer.dsl.config import load_config
from organizer.runtime.program import program_to_json
from organizer.runtime.store import SQLiteStore

LIBRARY = Path(__file__).parent / "library"
CANARY = b"CANARY-" + uuid.uuid4().hex.encode() + b"-DO-NOT-SERVE"
STARTUP_SECONDS = 90
TIMEOUT_MS = 30_000  # what a browser test waits for one step, generous for a loaded 2-core machine


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def make_library(base: Path) -> Path:
    """`base/library` (a copy of tests/server/library) beside the planted canaries."""
    library = base / "library"
    shutil.copytree(LIBRARY, library)
    (base / "canary.txt").write_bytes(CANARY)
    secret = base / "library-secret"
    secret.mkdir()
    (secret / "secret.organizer").write_bytes(CANARY)
    (secret / "canary.txt").write_bytes(CANARY)
    (library / "leak.organizer").symlink_to(base / "canary.txt")
    (library / "linked").symlink_to(secret, target_is_directory=True)
    return library


@dataclass
class Server:
    """A running `organizer serve` and a client for it."""

    process: subprocess.Popen[bytes]
    port: int
    library: Path
    log: Path
    store_path: Path
    _store: SQLiteStore | None = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, target: str, body: bytes | str | None = None, *,
                headers: dict[str, str] | None = None, origin: bool = True, timeout: float = 60) -> Reply:
        """One request on a fresh connection; `target` is sent exactly as given."""
        sent = {"Host": f"127.0.0.1:{self.port}"}
        if origin and method not in ("GET", "HEAD"):
            sent["Origin"] = self.origin
        if isinstance(body, str):
            body = body.encode()
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k in sent):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            data = response.read()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            connection.close()

    def send_json(self, method: str, target: str, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return self.request(method, target, json.dumps(data),
                            headers={"Content-Type": "application/json", **(headers or {})})

    @property
    def store(self) -> SQLiteStore:
        """The server's store, opened by this process too (SQLite WAL: both may write)."""
        if self._store is None:
            self._store = SQLiteStore(self.store_path)
        return self._store

    def new_organizer(self, source: str = "basics.organizer") -> str:
        """A fresh organizer of a library template, created straight in the store."""
        path = self.library / source
        config, _ = load_config(self.library / "organizer.yaml")
        result = compile_source(path.read_text(encoding="utf-8"), source, config)
        assert result.program is not None
        version = self.store.put_template(program_to_json(result.program))
        return self.store.create_organizer(template_version=version, name="test").id

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self._store is not None:
            self._store.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(library: Path, log: Path, *extra: str) -> Server:
    """`organizer serve LIBRARY --port 0`, waiting for its `Serving ... on http://127.0.0.1:PORT/` line."""
    store_path = library / ".organizer" / "store.sqlite3"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "organizer", "serve", str(library), "--port", "0", *extra],
                                   stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = re.search(r"Serving .* on http://127\.0\.0\.1:(\d+)/", log.read_text(errors="replace"))
        if found:
            return Server(process, int(found.group(1)), library, log, store_path)
        if process.poll() is not None:
            raise RuntimeError(f"organizer serve exited with {process.returncode}: {log.read_text()}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"organizer serve did not start in {STARTUP_SECONDS} s: {log.read_text()}")


def save_like_an_editor(path: Path, text: str) -> None:
    """Write a temporary file and rename it over the template (how most editors save)."""
    temporary = path.with_name("." + path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
