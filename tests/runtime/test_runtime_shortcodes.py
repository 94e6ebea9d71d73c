"""Shortcodes: context values, piping, offsets, fallbacks, and escaping of XSS and SSTI payloads."""

from __future__ import annotations

import html as html_module
from typing import Any

import pytest

from organizer.runtime.program import Option
from organizer.runtime.shortcodes import render_html, render_text, shift_years
from organizer.runtime.template import Template

from runtime_builders import CONTEXT, lit, op, options, program, q, ref, section

PIPE = program(section(
    "s",
    q("name", "text"),
    q("status", "choice", options=(Option(id="mfj", label=["Married <<", {"path": ["client", "first_name"],
                                                                          "offset": 0, "fallback": None}, ">>"]),
                                   Option(id="single", label=["Single"]))),
    q("kinds", "multichoice", options=options("a", "b", "c")),
    q("born", "date"),
    q("paid", "money", currency="EUR"),
    q("count", "integer"),
    q("ok", "yesno"),
    q("files", "file"),
    q("secret", "text", visible_when=op("==", ref("ok"), lit(True))),
))


def code(*path: str, offset: int = 0, fallback: str | None = None) -> dict[str, Any]:
    return {"path": list(path), "offset": offset, "fallback": fallback}


def text(parts: list[Any], answers: dict[str, Any] | None = None, language: str = "en",
         context: dict[str, Any] | None = None) -> str:
    return render_text(parts, context or CONTEXT, answers or {}, program=PIPE, language=language)


def test_context_values() -> None:
    assert text(["Hello ", code("client", "first_name"), "!"]) == "Hello Ann!"
    assert text([code("year"), " / ", code("year", offset=-1)]) == "2024 / 2023"
    assert text([code("today")]) == "30 June 2024"
    assert text([code("today")], language="nl") == "30 juni 2024"
    assert text([code("today", offset=-1)]) == "30 June 2023"
    assert text([code("year")], context={"year": 12345}) == "12345"  # years are never grouped


def test_fallbacks() -> None:
    assert text([code("client", "last_name", fallback="there")]) == "there"
    assert text([code("client", "last_name")]) == ""
    assert text([code("name", fallback="you")], {"name": ""}) == "you"
    assert text([code("firm", "name", fallback="x")], context={"firm": {"name": None}}) == "x"
    assert text([code("client", "first_name", "deeper", fallback="f")]) == "f"


def test_piping_answers() -> None:
    answers = {"name": "Bo", "status": "mfj", "kinds": ["a", "c"], "born": "2000-02-29", "paid": 1234.5,
               "count": 1200, "ok": True, "files": [{"name": "w2.pdf"}, {"name": "b.jpg"}]}
    assert text([code("name")], answers) == "Bo"
    assert text([code("status")], answers) == "Married <<Ann>>"
    assert text([code("kinds")], answers) == "A, C"
    assert text([code("born")], answers) == "29 February 2000"
    assert text([code("born", offset=1)], answers) == "28 February 2001"
    assert text([code("paid")], answers) == "€1,234.50"
    assert text([code("paid")], answers, "nl") == "€ 1.234,50"
    assert text([code("count", offset=-1)], answers, "nl") == "1.199"
    assert text([code("ok")], answers, "nl") == "Ja"
    assert text([code("files")], answers) == "w2.pdf, b.jpg"


def test_template_render_pipes_only_visible_answers() -> None:
    template = Template(PIPE)
    parts = ["[", code("secret", fallback="hidden"), "]"]
    assert template.render(parts, {"ok": True, "secret": "s3"}, CONTEXT) == "[s3]"
    assert template.render(parts, {"ok": False, "secret": "s3"}, CONTEXT) == "[hidden]"


XSS = ['<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', "</script><script>alert(1)</script>",
       "<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "'\"&<>"]
SSTI = ["{{7*7}}", "{% raw %}", "{{ cycler.__init__.__globals__ }}", "${7*7}", "#{7*7}", "<%= 7*7 %>",
        "{{constructor.constructor('window.__ssti=1')()}}", "<<year>>", "<<client.first_name>>"]


@pytest.mark.parametrize("payload", XSS + SSTI)
def test_payloads_stay_literal_and_are_escaped(payload: str) -> None:
    answers = {"name": payload, "status": "mfj"}
    context = {**CONTEXT, "client": {"first_name": payload}}
    parts = [payload, code("name"), code("client", "first_name"), code("status")]
    plain = render_text(parts, context, answers, program=PIPE)
    assert plain == payload * 3 + f"Married <<{payload}>>"
    html = render_html(parts, context, answers, program=PIPE)
    assert "<" not in html and ">" not in html and '"' not in html
    assert "49" not in html and "49" not in plain
    assert html_module.unescape(html) == plain


def test_malformed_parts_do_not_crash() -> None:
    assert render_text(None) == ""
    assert render_text("plain <b>") == "plain <b>"
    assert render_html("plain <b>") == "plain &lt;b&gt;"
    assert render_text([1, None, {"path": "x"}, {"path": []}, {"nopath": 1}, "ok"]) == "ok"


def test_shift_years() -> None:
    assert shift_years("2024-02-29", 1) == "2025-02-28"
    assert shift_years("2024-02-29", 4) == "2028-02-29"
    assert shift_years("2024-02-29", -124) == "1900-02-28"
    assert shift_years("9999-01-01", 1) is None
