"""RELIABILITY X1 and X2 for the printable page: the form tests' payloads (imported from
tests/form/test_security.py) in the title and organizer name, client, section titles, labels,
option labels, group, repeat and computed labels, answers piped into later texts and printed, and
file names are shown literally, and nothing runs in Chromium; with escaping deliberately broken,
the CSP still blocks every script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from formkit import compile_fixture, why_no_browser
from print_browser import look
from test_security import CONTEXT, FILE_NAMES, PAYLOAD, PAYLOADS, hostile_source

from organizer.runtime.printout import render_print
from organizer.runtime.template import Template

pytestmark = pytest.mark.skipif(why_no_browser() is not None, reason=why_no_browser() or "")

ANSWERS = {"name": PAYLOAD, "pick": "a", "drop": "a", "inner": PAYLOAD, "rows": [{"cell": PAYLOAD}], "amount": 1,
           "docs": [{"name": n, "size": 1, "media_type": "application/pdf", "sha256": "ab" * 32} for n in FILE_NAMES],
           "other": PAYLOAD}
# Where each payload is printed: the name (the title, or a custom one), the client, the first
# section's title and the second's (piping name, client.first_name and firm.name), the labels of
# name, pick, drop, inner, the group, the repeat, its field, the computed value and other (piping
# name and client.company), the option labels chosen for pick and drop, and the answers name,
# inner, cell and other.
SLOTS = 22


def hostile_page(tmp_path: Path, **options: Any) -> tuple[str, Path]:
    template = Template(compile_fixture("hostile.organizer", hostile_source()))
    html = render_print(template, ANSWERS, CONTEXT, **options)
    file = tmp_path / "print.html"
    file.write_text(html, encoding="utf-8")
    return html, file


def assert_nothing_ran(report: dict[str, Any]) -> None:
    assert report["executed"] == [] and report["dialogs"] == [] and report["errors"] == []


def test_payloads_print_as_text_and_nothing_runs(tmp_path: Path) -> None:
    renders = 0
    for options in ({}, {"name": PAYLOAD, "client": PAYLOAD}):
        html, file = hostile_page(tmp_path, **options)
        assert "{{ 7*7 }}" in html and "49" not in html  # P6: nothing was evaluated while rendering
        report = look(file)
        for payload in PAYLOADS.values():
            if "\u2028" not in payload:
                assert report["text"].count(payload) == SLOTS, payload
        for name in FILE_NAMES:
            assert f"{name} (1 B)" in report["text"]
        assert report["title"].startswith(PAYLOADS["img"])
        assert report["forbidden"] == 0 and report["links"] == []
        assert_nothing_ran(report)
        assert report["csp"] == [] and report["h2_border"] == "solid"  # the page's own style is allowed
        renders += len(PAYLOADS) * SLOTS + len(FILE_NAMES)
    print(f"\nX1 print: {len(PAYLOADS)} payloads, {renders} renders in Chromium, 0 executed")


def test_file_links_carry_hostile_names_as_text(tmp_path: Path) -> None:
    html, file = hostile_page(tmp_path, file_url=lambda pointer, entry: f"/files{pointer}?name={entry['name']}")
    report = look(file)
    assert report["links"] == [[f"/files/docs/{k}?name={name}", f"{name} (1 B)"] for k, name in enumerate(FILE_NAMES)]
    assert_nothing_ran(report)


def test_csp_blocks_scripts_when_escaping_is_broken(tmp_path: Path) -> None:
    """X2, a mutation test: markup injected as if autoescaping had failed still does not run."""
    html, file = hostile_page(tmp_path)
    injected = ('<img src=x onerror="window.__xss_csp_img=1"><script>window.__xss_csp_script=1</script>'
                '<iframe srcdoc="<script>parent.__xss_csp_iframe=1</script>"></iframe>'
                '<div style="background:url(javascript:window.__xss_csp_css=1)">styled</div>')
    file.write_text(html.replace("<main>", "<main>" + injected, 1), encoding="utf-8")
    report = look(file)
    assert report["executed"] == [] and report["dialogs"] == []
    assert any(v.startswith("script-src") for v in report["csp"]), report["csp"]
