"""Page numbers of the printable page: "Page N of M" (Dutch "Pagina N van M") from the catalogue in
the bottom margin of every page WeasyPrint lays out, the catalogue's words escaped for a CSS string,
and the CSP hash of each language's stylesheet. The WeasyPrint tests skip without the `[pdf]` extra."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from markupsafe import escape
from organizer.runtime import printout
from organizer.runtime.printout import (
    css_escape,
    environment,
    page_number,
    print_style,
    render_print,
)
from print_helpers import answers_file, context, template

from organizer.pdf import data_only_fetcher, why_no_pdf

needs_pdf = pytest.mark.skipif(why_no_pdf() is not None, reason=why_no_pdf() or "")
HOSTILE = '"; } body { display: none } \\ </style>\n\'&<b>'


def page_footers(html: str) -> list[str]:
    """The text of each laid-out page's bottom-right margin box, as WeasyPrint renders it for the PDF."""
    from weasyprint import HTML

    footers = []
    for page in HTML(string=html, url_fetcher=data_only_fetcher()).render().pages:
        boxes = [box for box in page._page_box.children if getattr(box, "at_keyword", None) == "@bottom-right"]
        footers.append("".join(text.text for box in boxes for text in box.descendants() if hasattr(text, "text")))
    return footers


@needs_pdf
@pytest.mark.parametrize(("template_id", "words"), [("individual_1040", "Page {n} of {m}"),
                                                   ("nl_inkomstenbelasting", "Pagina {n} van {m}")])
def test_every_page_says_its_number_and_the_count(template_id: str, words: str) -> None:
    html = render_print(template(template_id), answers_file(template_id), context())
    footers = page_footers(html)
    assert len(footers) > 1
    assert footers == [words.format(n=n, m=len(footers)) for n in range(1, len(footers) + 1)]


@needs_pdf
def test_catalogue_words_reach_the_margin_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quotes, backslashes, newlines and markup in the words stay text, in any placeholder order."""
    real_ui = printout.ui

    def ui(key: str, language: str | None = "en", **params: Any) -> str:
        return "{pages}" + HOSTILE + "{page}." if key == "print_page" else real_ui(key, language, **params)

    monkeypatch.setattr(printout, "ui", ui)
    parts = page_number("en")
    assert [counter for _, counter in parts] == ["pages", "page", ""]
    style = environment().get_template("print.css.j2").render(page_number=parts)
    assert "<" not in style and HOSTILE not in style
    page = f'<!DOCTYPE html><style>{style}</style><p>one</p><p style="break-before: page">two</p>'
    shown = HOSTILE.replace("\n", " ")  # the margin box collapses white space, as for any text
    assert page_footers(page) == [f"2{shown}1.", f"2{shown}2."]


def test_css_escape_leaves_no_quote_backslash_newline_or_markup() -> None:
    escaped = css_escape(HOSTILE + "Pagina ü—")
    assert escaped.startswith(r"\22 \3b  \7d  body") and escaped.endswith("Pagina ü\\2014 ")
    assert str(escape(escaped)) == escaped and "\n" not in escaped and "\\\\" not in escaped


@pytest.mark.parametrize("template_id", ["individual_1040", "nl_inkomstenbelasting"])
def test_the_csp_allows_the_style_of_the_page_language(template_id: str) -> None:
    program = template(template_id)
    html = render_print(program, answers_file(template_id), context())
    style = print_style(program.language)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"<style>{style}</style>" in html and f"sha256-{digest}" in html
