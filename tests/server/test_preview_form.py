"""The form inside a preview, driven in Chromium: its real requests (autosave with an
Idempotency-Key, upload, submit) pass the server's Origin and content-type rules and reach the store;
hostile text in titles, file names and diagnostics stays text on the dev-server pages (X1)."""

from __future__ import annotations

import hashlib
from typing import Any

from serverkit import TIMEOUT_MS, Server

PDF = b"%PDF-1.4 statement"
PAYLOADS = ['<img src=x onerror="window.__xss_img=1">', '"><svg onload="window.__xss_svg=1">',
            "</script><script>window.__xss_script=1</script>", "<iframe srcdoc='<script>parent.__xss_frame=1</script>'>"]


def test_the_preview_form_saves_uploads_and_submits_through_the_api(own_server: Server, browser: Any) -> None:
    server = own_server
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server.origin}/preview/basics")
        frame = page.frame_locator("#frame")
        frame.locator("#organizer[data-ready]").wait_for(timeout=TIMEOUT_MS)
        assert frame.get_by_label("First name").input_value() == "Pat"  # prefilled from the preview context
        frame.get_by_role("group", name="Did you have income?").get_by_label("Yes").check()
        frame.get_by_label("Statements").set_input_files(
            [{"name": "march <b>.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        frame.get_by_text("march <b>.pdf").wait_for(timeout=TIMEOUT_MS)
        frame.get_by_role("button", name="Next").click()
        frame.get_by_role("button", name="Next").click()
        frame.get_by_role("button", name="Submit").click()
        frame.get_by_role("heading", name="Thank you. Your answers have been sent.").wait_for(timeout=TIMEOUT_MS)
        organizer = next(o for o in server.store.organizers() if o.id.startswith("preview-basics-"))
        assert server.store.organizer(organizer.id).state == "submitted"
        submitted = server.store.submission(organizer.id)
        assert submitted is not None and submitted["first_name"] == "Pat" and submitted["has_income"] is True
        assert submitted["statements"] == [{"name": "march <b>.pdf", "size": len(PDF), "media_type": "application/pdf",
                                            "sha256": hashlib.sha256(PDF).hexdigest()}]
        printed = server.request("GET", "/preview/basics/print").body
        assert b"march &lt;b&gt;.pdf" in printed and hashlib.sha256(PDF).hexdigest().encode() in printed
    finally:
        context.close()


def test_hostile_titles_file_names_and_sources_stay_text(own_server: Server, browser: Any) -> None:
    server = own_server
    for n, payload in enumerate(PAYLOADS):
        title = payload.replace("\\", "\\\\").replace('"', '\\"')
        (server.library / f"p{n}{payload[:8].replace('/', '_')}.organizer").write_text(
            f'organizer hostile{n} "{title}" {{\n  section s "{title}" {{\n    text q "{title}"\n  }}\n}}\n',
            encoding="utf-8")
        (server.library / f"broken{n}.organizer").write_text(
            f'organizer broken{n} "x" {{\n  {payload}\n}}\n', encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    executed = "Object.keys(window).filter(k => k.startsWith('__xss'))"
    try:
        page.goto(f"{server.origin}/")
        for n, payload in enumerate(PAYLOADS):
            assert payload in page.locator(f"tr[data-key=hostile{n}]").inner_text()
        assert page.evaluate(executed) == []
        for n in range(len(PAYLOADS)):
            page.goto(f"{server.origin}/preview/hostile{n}")
            frame = page.frame_locator("#frame")
            frame.locator("#organizer[data-ready]").wait_for(timeout=TIMEOUT_MS)
            assert PAYLOADS[n] in page.locator("h1").inner_text()
            assert frame.locator("body").evaluate(executed) == [] and page.evaluate(executed) == []
            page.goto(f"{server.origin}/preview/broken{n}")
            assert PAYLOADS[n] in page.locator("#diagnostics").inner_text()
            assert page.evaluate(executed) == []
        assert dialogs == []
    finally:
        context.close()
