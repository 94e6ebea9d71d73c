"""Helpers of the form tests: compiling fixtures, opening a form, watching a page for what must not
happen (dialogs, page errors, CSP violations), and a small autosave / submit / upload server on
127.0.0.1 (http.server in a thread) that records every request the page makes and answers a
repeated Idempotency-Key with the answer it first gave."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from organizer.compiler.build import compile_source
from organizer.compiler.form import ir_members, render_form
from organizer.dsl.config import find_config, load_config
from organizer.runtime.program import Program
from organizer.runtime.template import Template

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
FIXTURES = Path(__file__).parent / "fixtures"


def compile_fixture(name: str, source: str | None = None) -> Program:
    text = source if source is not None else (FIXTURES / name).read_text(encoding="utf-8")
    result = compile_source(text, name)
    assert result.program is not None, [d.message for d in result.diagnostics]
    return result.program


def compile_path(path: Path) -> tuple[Program, dict[str, Any]]:
    """A source file compiled as the build compiles it (with the nearest organizer.yaml, if any),
    and that library's preview context (empty without one)."""
    found = find_config(path)
    config = load_config(found)[0] if found else None
    result = compile_source(path.read_text(encoding="utf-8"), path.name, config)
    assert result.program is not None, [d.message for d in result.diagnostics]
    return result.program, json.loads(json.dumps(config.preview if config else {}, default=str))


def embedded_program(html: str) -> dict[str, Any]:
    """The IR a page's runtime reads: its `organizer-program` block with the null members that
    compiler/form.py left out put back, as form.js does (`withNulls`)."""
    blocks = dict(re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', html, re.S))
    ir, left_out = json.loads(blocks["organizer-program"]), json.loads(blocks["organizer-data"])["null_members"]
    for member, kind in ir_members(ir):
        for name in left_out.get(kind, ()):
            member.setdefault(name, None)
    return ir


def why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright for Python is not installed (pip install playwright)"
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return "Debian's chromium is not installed (apt-get install -y chromium)"
    return None


class Watch:
    """What a page did that it must not: dialogs, page errors, CSP violations, console errors."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.add_init_script("""
            window.__csp = [];
            document.addEventListener('securitypolicyviolation',
              (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
        """)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def open_form(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#organizer[data-ready]", timeout=10_000)


# --- the test server -------------------------------------------------------------------------------------


class FormServer:
    """Serves rendered forms and the autosave protocol of docs/form.md, recording each request:
    GET/PUT `/autosave/NAME` (409 with the current answers when the base revision is stale),
    POST `/submit/NAME` (422 with the Python runtime's problems), POST `/upload/NAME`. A PUT or
    POST whose Idempotency-Key was seen before gets the first answer again, unprocessed; `lose`
    makes the next PUT or POST of a form be processed and its answer lost (the connection closes)."""

    def __init__(self) -> None:
        self.forms: dict[str, tuple[str, Template, dict[str, Any]]] = {}
        self.saved: dict[str, dict[str, Any]] = {}
        self.puts: list[tuple[str, Any, int, str | None]] = []  # name, body, status, Idempotency-Key
        self.submits: list[tuple[str, Any, str | None]] = []     # name, body, Idempotency-Key
        self.uploads: list[tuple[str, str, int]] = []
        self.answered: dict[str, tuple[int, Any]] = {}  # Idempotency-Key -> (status, body) first answered
        self.losing: set[tuple[str, str]] = set()          # (method, name) whose next answer is lost
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, program: Program, context: dict[str, Any] | None = None, autosave: bool = True) -> str:
        """A new form instance of `program`; returns its page URL."""
        name = uuid.uuid4().hex[:12]
        html = render_form(program, context=context, autosave_url=f"/autosave/{name}" if autosave else None,
                           submit_url=f"/submit/{name}", upload_url=f"/upload/{name}", storage_key=f"test:{name}")
        self.forms[name] = (html, Template(program), context or {})
        return f"{self.url}/form/{name}"

    def name_of(self, url: str) -> str:
        return url.rstrip("/").rsplit("/", 1)[1]

    def store(self, name: str, answers: dict[str, Any]) -> int:
        """Answers saved by someone else (another device): a new revision."""
        with self.lock:
            revision = self.saved.get(name, {"revision": 0})["revision"] + 1
            self.saved[name] = {"revision": revision, "answers": answers}
            return revision

    def lose(self, method: str, name: str) -> None:
        """The next `method` request of form `name` is processed, and its answer never arrives."""
        self.losing.add((method, name))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
                data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _route(self) -> tuple[str, str]:
                parts = self.path.split("?")[0].strip("/").split("/")
                return (parts[0], parts[1]) if len(parts) == 2 else ("", "")

            def _answer(self, name: str, key: str | None, status: int, body: Any) -> None:
                """Remember the answer under its key, then send it (or lose it, as asked)."""
                if key is not None:
                    server.answered[key] = (status, body)
                if (self.command, name) in server.losing:
                    server.losing.discard((self.command, name))
                    self.close_connection = True
                    return
                self._send(status, body)

            def do_GET(self) -> None:  # noqa: N802
                kind, name = self._route()
                if kind == "form" and name in server.forms:
                    self._send(200, server.forms[name][0], "text/html; charset=utf-8")
                elif kind == "autosave" and name in server.saved:
                    self._send(200, server.saved[name])
                else:
                    self._send(404, {"error": "not found"})

            def do_PUT(self) -> None:  # noqa: N802
                kind, name = self._route()
                body = json.loads(self._body())
                key = self.headers.get("Idempotency-Key")
                with server.lock:
                    if key in server.answered:
                        status, answer = server.answered[key]
                    else:
                        current = server.saved.get(name)
                        if current is not None and body.get("base_revision") != current["revision"]:
                            status, answer = 409, current
                        else:
                            revision = (current["revision"] if current else 0) + 1
                            server.saved[name] = {"revision": revision, "answers": body["answers"]}
                            status, answer = 200, {"revision": revision}
                    server.puts.append((name, body, status, key))
                self._answer(name, key, status, answer)

            def do_POST(self) -> None:  # noqa: N802
                kind, name = self._route()
                if kind == "upload":
                    data = self._body()
                    file_name = unquote(self.headers.get("X-File-Name") or "upload")
                    server.uploads.append((name, file_name, len(data)))
                    self._send(201, {"name": file_name, "size": len(data),
                                     "media_type": self.headers.get("Content-Type") or "application/octet-stream",
                                     "sha256": hashlib.sha256(data).hexdigest()})
                    return
                body = json.loads(self._body())
                key = self.headers.get("Idempotency-Key")
                server.submits.append((name, body, key))
                if key in server.answered:
                    self._answer(name, key, *server.answered[key])
                    return
                template, context = server.forms[name][1], server.forms[name][2]
                problems = template.validate(body["answers"], context=context)
                if problems:
                    self._answer(name, key, 422, {"problems": [p.to_json() for p in problems]})
                else:
                    self._answer(name, key, 200, {"ok": True})

        return Handler
