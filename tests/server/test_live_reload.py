"""Live reload in headless Chromium: saving a template on disk reloads its open preview, keeping
what the author typed; a broken template shows the diagnostics (escaped) instead; fixing it brings
the form back."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from typing import Any

from serverkit import TIMEOUT_MS, Server, save_like_an_editor, wait_for


def preview_draft(server: Server) -> dict[str, Any]:
    mine = [o for o in server.store.organizers() if o.id.startswith("preview-basics-")]
    newest = max(mine, key=lambda o: o.updated_at)
    return server.store.draft(newest.id).answers


def test_the_preview_follows_edits_breakage_and_the_fix(own_server: Server, browser: Any) -> None:
    server = own_server
    source = server.library / "basics.organizer"
    original = source.read_text(encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append("dialog " + dialog.message), dialog.dismiss()))
    page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                         " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    try:
        page.goto(f"{server.origin}/preview/basics")
        frame = page.frame_locator("#frame")
        frame.locator("#organizer[data-ready]").wait_for(timeout=TIMEOUT_MS)
        assert "2026 Basics for Pat" in frame.locator("#title").inner_text()
        frame.get_by_label("Notes").fill("typed before the edit")
        wait_for(lambda: preview_draft(server).get("notes") == "typed before the edit", "the autosave")

        save_like_an_editor(source, original.replace("Basics for", "Essentials for"))
        frame.locator("#title", has_text="Essentials for Pat").wait_for(timeout=TIMEOUT_MS)
        frame.locator("#organizer[data-ready]").wait_for(timeout=TIMEOUT_MS)
        assert frame.get_by_label("Notes").input_value() == "typed before the edit"

        broken = original.replace('textarea notes "Notes"', 'textarea notes "<img src=x onerror=window.__xss=1>" bogus')
        save_like_an_editor(source, broken)
        page.locator("body[data-state=diagnostics] #diagnostics").wait_for(timeout=TIMEOUT_MS)
        shown = page.locator("#diagnostics").inner_text()
        assert "basics.organizer:" in shown and "error:" in shown and "<img src=x onerror=window.__xss=1>" in shown
        assert page.locator("#frame").is_hidden()
        assert page.evaluate("Object.keys(window).filter(k => k.startsWith('__xss'))") == []

        save_like_an_editor(source, original.replace("Basics for", "Fixed for"))
        page.locator("body[data-state=form]").wait_for(timeout=TIMEOUT_MS)
        frame.locator("#title", has_text="Fixed for Pat").wait_for(timeout=TIMEOUT_MS)
        assert page.locator("#diagnostics").is_hidden()
        assert errors == [] and page.evaluate("window.__csp") == []
    finally:
        context.close()


def test_a_template_that_does_not_compile_opens_on_its_diagnostics(own_server: Server, browser: Any) -> None:
    server = own_server
    (server.library / "broken.organizer").write_text('organizer broken "Broken" {\n  section s "S" {\n'
                                                     '    choice x "X" when y == 1\n  }\n}\n', encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    try:
        index = page.goto(f"{server.origin}/")
        assert index is not None and index.status == 200
        row = page.locator("tr[data-key=broken]")
        assert "error" in row.inner_text()
        page.goto(f"{server.origin}/preview/broken")
        text = page.locator("#diagnostics").inner_text()
        assert text.startswith("broken.organizer:") and "checked 1 file:" in text
    finally:
        context.close()


class EventLog:
    """The live-reload stream of one preview, read in a thread."""

    def __init__(self, server: Server, key: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=120)
        self.sock.sendall(f"GET /preview/{key}/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in self.sock.makefile("rb"):
                if line.startswith(b"data: "):
                    self.events.append(json.loads(line[6:]))

    def close(self) -> None:
        self.sock.close()


def test_a_burst_of_saves_ends_on_the_last_version_and_a_deletion_is_announced(own_server: Server) -> None:
    """RELIABILITY D7: 40 editor-style saves in a row; the last event is the last version (0 stale)."""
    server = own_server
    source = server.library / "basics.organizer"
    original = source.read_text(encoding="utf-8")
    stream = EventLog(server, "basics")
    try:
        wait_for(lambda: len(stream.events) >= 1, "the stream's first event")
        for n in range(40):
            save_like_an_editor(source, original.replace("Basics for", f"Churn {n} for"))

        def settled() -> bool:
            page = server.request("GET", "/preview/basics").body.decode()
            current = re.search(r'data-version="([0-9a-f]+)"', page)
            return bool(current and stream.events and stream.events[-1]["version"] == current.group(1))

        wait_for(settled, "the last version on the stream")
        assert stream.events[-1]["event"] == "reload"
        assert b"Churn 39 for" in server.request("GET", "/preview/basics/form").body
        source.unlink()
        wait_for(lambda: stream.events[-1]["version"] == "gone", "the deletion")
        assert "no longer in the library" in stream.events[-1]["text"]
    finally:
        stream.close()
