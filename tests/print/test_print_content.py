"""What the printable page shows and omits: visible sections and questions only, option labels,
formatted values per language, files, repeat tables, computed values, page breaks, the header,
and a page that loads and runs nothing (CSP, no script, no URL); plus the static audit of the
print templates (X3)."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import organizer
from organizer.runtime.printout import MAX_TABLE_COLUMNS, client_name, parse_submitted, print_style, render_print

ROOT = Path(__file__).resolve().parents[2]
SOURCE = '''
organizer household "<<year>> Household organizer for <<client.first_name | you>>" {
  section about "About you" {
    text first_name "First name"
    textarea notes "Notes"
    choice status "Filing status" {
      option single "Single"
      option mfj "Married filing jointly"
    }
    if status == "mfj" {
      text spouse "Spouse's name"
    }
    multichoice income "Income" {
      option wages "Wages"
      option interest "Interest"
      option rent "Rent"
    }
    yesno moved "Did you move?"
    date moved_on "Moved on" when moved
    note "Read this **before** you answer."
    group money_group "Money" {
      money wages "Wages of <<first_name | you>>" currency "USD"
      money refund "Refund" currency "CHF"
      integer kids "Children"
      number ratio "Ratio"
      computed total "Wages and refund" = wages + refund
      computed big "Large wages" = wages > 1000
    }
    file docs "Documents"
    text left_blank "Anything else?"
    goto done when status == "single"
  }
  section married "Married" {
    text wedding_place "Where did you marry?"
  }
  section done "Dependents of <<first_name | you>>" {
    repeat dependents "Dependents" {
      text name "Name"
      integer age "Age"
      text school "School" when age < 18
    }
    repeat assets "Assets" {
      text a1 "One"
      text a2 "Two"
      text a3 "Three"
      text a4 "Four"
      text a5 "Five"
      text a6 "Six"
      text a7 "Seven"
    }
    repeat none_yet "Vehicles" {
      text plate "Plate"
    }
  }
  section notes_only "Closing" {
    note "Thank you."
  }
}
'''
CONTEXT = {"year": 2026, "today": "2027-01-20", "client": {"first_name": "Jane", "last_name": "Doe"}}
ANSWERS: dict[str, Any] = {
    "first_name": "Ada", "notes": "line one\nline two", "status": "single", "spouse": "HIDDEN-spouse",
    "income": ["rent", "wages"], "moved": False, "moved_on": "2026-05-01", "wages": 1234.5, "refund": 3,
    "kids": 12345, "ratio": 0.25, "docs": [{"name": "w2.pdf", "size": 20 * 1024 * 1024, "media_type": "application/pdf",
                                           "sha256": "ab" * 32}],
    "wedding_place": "HIDDEN-wedding",
    "dependents": [{"name": "Leo", "age": 7, "school": "Oak"}, {"name": "Mia", "age": 19, "school": "HIDDEN-school"}],
    "assets": [{"a1": "x1", "a7": "x7"}],
}



def _text(value: str) -> str:
    return f'<span class="text">{value}</span>'


FORMATTED = {  # label: the printed answer, per language
    "en": {"Filing status": _text("Single"), "Income": '<ul class="entries"><li>Rent</li><li>Wages</li></ul>',
           "Did you move?": _text("No"), "Wages of Ada": _text("$1,234.50"), "Refund": _text("CHF 3.00"),
           "Children": _text("12,345"), "Ratio": _text("0.25"), "Wages and refund": _text("1,237.5"),
           "Large wages": _text("Yes"), "Documents": '<ul class="entries"><li>w2.pdf (20 MB)</li></ul>'},
    "nl": {"Did you move?": _text("Ja"), "Moved on": _text("1 mei 2026"), "Wages of Ada": _text("$ 1.234,50"),
           "Refund": _text("CHF 3,00"), "Children": _text("12.345"), "Ratio": _text("0,25"),
           "Wages and refund": _text("1.237,5"), "Large wages": _text("Ja"),
           "Documents": '<ul class="entries"><li>w2.pdf (20 MB)</li></ul>',
           "Anything else?": '<span class="text muted">Niet beantwoord</span>'},
}


@pytest.fixture(scope="module")
def household() -> organizer.Template:
    return organizer.compile_source(SOURCE, "household.organizer")


@pytest.fixture(scope="module")
def html(household: organizer.Template) -> str:
    return render_print(household, ANSWERS, CONTEXT)


def cells(html: str, labels: dict[str, str]) -> dict[str, str]:
    return {label: row_of(html, label) for label in labels}


def row_of(html: str, label: str) -> str:
    """The answer cell of the label's row."""
    return re.search(rf"<tr><th scope=\"row\">{re.escape(label)}</th><td>(.*?)</td></tr>", html, re.S).group(1)


def test_only_visible_sections_and_questions_are_printed(html: str) -> None:
    assert "HIDDEN-" not in html
    assert re.findall(r'id="section-([a-z_]+)"', html) == ["about", "done"]  # married skipped, notes only
    assert "Spouse&#39;s name" not in html and "Where did you marry?" not in html
    assert "Moved on" not in html  # hidden while moved is false
    assert "School" in html and "Oak" in html  # shown in Leo's row only


def test_notes_and_help_are_not_printed(html: str) -> None:
    assert "Read this" not in html and "Thank you." not in html


def test_values_are_formatted(html: str) -> None:
    assert cells(html, FORMATTED["en"]) == FORMATTED["en"]
    assert row_of(html, "Notes") == '<span class="text">line one\nline two</span>'
    assert ".text { white-space: pre-wrap; }" in html


def test_an_unanswered_visible_question_says_so(html: str) -> None:
    assert row_of(html, "Anything else?") == '<span class="text muted">Not answered</span>'


def test_shortcodes_are_resolved_in_the_name_and_labels(html: str) -> None:
    assert "<h1>2026 Household organizer for Jane</h1>" in html
    assert "<title>2026 Household organizer for Jane</title>" in html
    assert "<h2>Dependents of Ada</h2>" in html
    assert '<p class="client"><span class="label">Client</span> Jane Doe</p>' in html


def test_a_narrow_repeat_is_a_table_with_a_column_per_visible_field(html: str) -> None:
    dependents = re.search(r"<h3>Dependents</h3>\s*<table class=\"rows\">(.*?)</table>", html, re.S).group(1)
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', dependents)
    assert headers == ["Row", "Name", "Age", "School"]
    rows = re.findall(r"<tr><th scope=\"row\" class=\"number\">(\d+)</th>(.*?)</tr>", dependents)
    assert [number for number, _ in rows] == ["1", "2"]
    cells = re.findall(r"<td>(.*?)</td>", rows[1][1])
    assert cells == ['<span class="text">Mia</span>', '<span class="text">19</span>', ""]  # school: hidden, blank


def test_a_wide_repeat_prints_each_row_as_its_own_table(html: str) -> None:
    assets = re.search(r"<h3>Assets</h3>(.*?)</div>", html, re.S).group(1)
    assert MAX_TABLE_COLUMNS == 6 and 'class="rows"' not in assets
    assert "<caption>Row 1</caption>" in assets
    labels = re.findall(r'<th scope="row">(.*?)</th>', assets)
    assert labels == ["One", "Two", "Three", "Four", "Five", "Six", "Seven"]
    assert assets.count('<span class="text muted">—</span>') == 5


def test_a_repeat_without_rows_says_so(html: str) -> None:
    assert re.search(r"<h3>Vehicles</h3>\s*<p class=\"muted\">No rows</p>", html)


def test_every_section_but_the_first_starts_a_page(html: str) -> None:
    assert "section.page + section.page { break-before: page; }" in html
    assert "tr { break-inside: avoid; }" in html


def test_submitted_or_draft(household: organizer.Template) -> None:
    assert '<p class="status draft">Draft — not submitted</p>' in render_print(household, {}, CONTEXT)
    assert "Submitted on 20 January 2027</p>" in render_print(household, {}, CONTEXT, submitted_at="2027-01-20")
    timed = render_print(household, {}, CONTEXT, submitted_at=parse_submitted("2027-01-20T09:30:00+00:00"))
    assert "Submitted on 20 January 2027 at 09:30 UTC</p>" in timed
    with pytest.raises(ValueError, match="not an ISO date"):
        render_print(household, {}, CONTEXT, submitted_at="20/01/2027")


def test_a_custom_name_and_client_are_text(household: organizer.Template) -> None:
    page = render_print(household, {}, CONTEXT, name="<<year>> & <b>Ada</b>", client="Doe & Co")
    assert "<h1>&lt;&lt;year&gt;&gt; &amp; &lt;b&gt;Ada&lt;/b&gt;</h1>" in page
    assert "</span> Doe &amp; Co</p>" in page


def test_client_name_from_the_context() -> None:
    assert client_name({"client": {"name": "Jane Q. Doe", "first_name": "Jane"}}) == "Jane Q. Doe"
    assert client_name({"client": {"first_name": "Jane", "last_name": "Doe"}}) == "Jane Doe"
    assert client_name({"client": {"company": "Doe LLC"}}) == "Doe LLC"
    assert client_name({"client": {"first_name": 7}}) is None and client_name({}) is None


def test_dutch_words_and_formats() -> None:
    source = SOURCE.replace('organizer household "<<year>> Household organizer for <<client.first_name | you>>" {',
                            'organizer household "Organizer <<year>>" {\n  language nl')
    page = render_print(organizer.compile_source(source, "nl.organizer"), {**ANSWERS, "moved": True},
                        CONTEXT, submitted_at="2027-01-20T09:30:00")
    assert '<html lang="nl">' in page
    assert "Ingediend op 20 januari 2027 om 09:30</p>" in page
    assert '<span class="label">Klant</span>' in page
    assert cells(page, FORMATTED["nl"]) == FORMATTED["nl"]
    assert '<th scope="col" class="number">Rij</th>' in page and "<caption>Rij 1</caption>" in page
    assert "Geen rijen" in page and "Concept" not in page


def test_file_sizes_per_language(household: organizer.Template) -> None:
    files = [{"name": "a.pdf", "size": 1536, "media_type": "application/pdf", "sha256": "ab" * 32},
             {"name": "b.pdf", "size": 1_234_567, "media_type": "application/pdf", "sha256": "ab" * 32},
             {"name": "c.pdf", "media_type": "application/pdf"}, "not a file"]
    page = render_print(household, {"docs": files}, CONTEXT)
    assert row_of(page, "Documents") == \
        '<ul class="entries"><li>a.pdf (1.5 KB)</li><li>b.pdf (1.2 MB)</li><li>c.pdf</li></ul>'


def test_files_are_linked_only_through_file_url(household: organizer.Template) -> None:
    file = {"name": 'scan"1"<2>.pdf', "size": 10, "media_type": "application/pdf", "sha256": "cd" * 32}
    plain = render_print(household, {"docs": [file]}, CONTEXT)
    assert "<a " not in plain and "href" not in plain
    seen: list[tuple[str, Any]] = []

    def file_url(pointer: str, entry: Any) -> str:
        seen.append((pointer, entry["sha256"]))
        return f"/files/{entry['sha256']}?name={entry['name']}&x=1"

    linked = render_print(household, {"docs": [file]}, CONTEXT, file_url=file_url)
    assert seen == [("/docs/0", "cd" * 32)]
    assert (f'<a href="/files/{"cd" * 32}?name=scan&#34;1&#34;&lt;2&gt;.pdf&amp;x=1">'
            "scan&#34;1&#34;&lt;2&gt;.pdf (10 B)</a>") in linked


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                 "java\tscript:alert(1)", "\x01javascript:x", "data:text/html,x", "//evil.example/x",
                                 "///evil.example", "/\\evil.example", "vbscript:x", "file:///etc/passwd", ""])
def test_file_links_other_than_http_and_paths_are_dropped(household: organizer.Template, url: str) -> None:
    file = {"name": "a.pdf", "size": 1, "media_type": "application/pdf", "sha256": "ab" * 32}
    page = render_print(household, {"docs": [file]}, CONTEXT, file_url=lambda pointer, entry: url)
    assert "<a " not in page and row_of(page, "Documents") == '<ul class="entries"><li>a.pdf (1 B)</li></ul>'


@pytest.mark.parametrize("url", ["https://files.example/a?b=1", "http://localhost:8000/f/1", "/files/1", "files/1"])
def test_http_and_same_host_links_are_kept(household: organizer.Template, url: str) -> None:
    file = {"name": "a.pdf", "size": 1, "media_type": "application/pdf", "sha256": "ab" * 32}
    page = render_print(household, {"docs": [file]}, CONTEXT, file_url=lambda pointer, entry: url)
    assert f'<a href="{url.replace("&", "&amp;")}">a.pdf (1 B)</a>' in page


def test_repeat_file_pointers(household: organizer.Template) -> None:
    source = SOURCE.replace('text school "School" when age < 18', 'file papers "Papers"')
    template = organizer.compile_source(source, "files.organizer")
    file = {"name": "a.pdf", "size": 1, "media_type": "application/pdf", "sha256": "ab" * 32}
    seen: list[str] = []
    render_print(template, {"status": "single", "dependents": [{"name": "A"}, {"papers": [file, file]}]}, CONTEXT,
                 file_url=lambda pointer, entry: seen.append(pointer))
    assert seen == ["/dependents/1/papers/0", "/dependents/1/papers/1"]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def test_the_page_runs_and_loads_nothing(html: str) -> None:
    found = _Elements()
    found.feed(html)
    assert not {"script", "img", "link", "iframe", "object", "embed", "svg", "form", "base"} & set(found.tags)
    names = {name for name, _ in found.attributes}
    assert not {"src", "srcset", "style", "action", "data"} & names and not any(n.startswith("on") for n in names)
    assert found.comments == [] and "data-" not in html and "url(" not in html and "@import" not in html
    style = print_style("en")
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert (f'content="default-src &#39;none&#39;; style-src &#39;sha256-{digest}&#39;; base-uri &#39;none&#39;; '
            "form-action &#39;none&#39;\">") in html
    assert f"<style>{style}</style>" in html and html.count("<style>") == 1


def test_printing_does_not_change_the_answers(household: organizer.Template) -> None:
    answers = {"first_name": "Ada", "dependents": [{"name": "Leo", "age": 7}]}
    before = repr(answers)
    render_print(household, answers, CONTEXT)
    assert repr(answers) == before


@pytest.mark.parametrize("answers", [None, [], "x", {"income": "wages", "docs": "x", "dependents": [1, None]}])
def test_malformed_answers_print_as_unanswered(household: organizer.Template, answers: Any) -> None:
    page = render_print(household, answers, CONTEXT)
    assert '<h2>About you</h2>' in page and "Not answered" in page


def test_print_templates_are_autoescaped_and_never_fed_author_text() -> None:
    """X3 for the print page: tests/form's audit covers every `Environment(` of runtime/ too; here,
    the print templates themselves use no `|safe`, no `autoescape false` and no `Markup`."""
    for path in (ROOT / "runtime" / "templates").glob("*.j2"):
        text = path.read_text(encoding="utf-8").replace(" ", "")
        assert "|safe" not in text and "autoescapefalse" not in text, path.name
    source = (ROOT / "runtime" / "printout.py").read_text(encoding="utf-8")
    assert "Markup(" not in source and "from_string" not in source and "autoescape=True" in source
