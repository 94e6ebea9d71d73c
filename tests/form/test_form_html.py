"""The `form.html` artifact without a browser: deterministic bytes, a CSP whose hashes are those of
the inline script and style, no external resources, a shell without the sections' markup (the page
builds them; test_browser.py checks their controls and labels), safe markdown in notes, and the
embedded IR, context, catalogue and note trees equal to what the runtimes use."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from formkit import compile_fixture, compile_path, embedded_program

from organizer.compiler.form import messages_data, render_form
from organizer.compiler.notes import render_markdown
from organizer.runtime.messages import catalogue
from organizer.runtime.program import program_to_json

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("stdlib_templates/*.organizer"), ROOT / "tests" / "fixtures" / "spec_example.organizer",
                  Path(__file__).parent / "fixtures" / "household.organizer",
                  Path(__file__).parent / "fixtures" / "semantics.organizer"])


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of script and style elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.styles: list[str] = []
        self._open: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag in ("script", "style"):
            self._open = (tag, attributes)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            tag, attributes = self._open
            if tag == "script":
                self.scripts.append((attributes, data))
            else:
                self.styles.append(data)
            self._open = None


def page_of(path: Path, **options: Any) -> tuple[str, Any]:
    program, _ = compile_path(path)
    return render_form(program, **options), program


def parsed(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_csp_hashes_and_no_external_resources(path: Path) -> None:
    html, _ = page_of(path, autosave_url="https://save.example:8443/drafts/1", submit_url="/submit")
    page = parsed(html)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    code = [text for attributes, text in page.scripts if "type" not in attributes]
    assert len(code) == 1 and len(page.styles) == 1
    assert f"script-src {sha(code[0])};" in csp and f"style-src {sha(page.styles[0])};" in csp
    assert "default-src 'none'" in csp and "connect-src 'self' https://save.example:8443;" in csp
    assert "require-trusted-types-for 'script'" in csp and "base-uri 'none'" in csp
    for tag, attributes in page.tags:
        assert "src" not in attributes and tag not in ("link", "img", "iframe", "object", "embed"), (tag, attributes)
        assert not any(k.startswith("on") for k in attributes), (tag, attributes)
        assert "style" not in attributes, (tag, attributes)
    assert "@import" not in page.styles[0] and "url(" not in page.styles[0]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_the_shell_is_labelled_and_holds_no_section(path: Path) -> None:
    html, program = page_of(path)
    page = parsed(html)
    ids = Counter(a["id"] for _, a in page.tags if "id" in a)
    assert [i for i, n in ids.items() if n > 1] == []
    for tag, attributes in page.tags:
        for name in ("aria-describedby", "aria-labelledby"):
            for ref in attributes.get(name, "").split():
                assert ref in ids, (tag, name, ref)
        assert "data-section" not in attributes and tag not in ("input", "select", "textarea", "label")
    data = json.loads(re.search(r'id="organizer-data">(.*?)</script>', html, re.S).group(1))
    assert set(data) == {"context", "answers", "revision", "previous", "shortcodes", "notes", "null_members", "messages",
                         "formats", "storage_key"}
    assert embedded_program(html) == program_to_json(program)  # the IR, once, without its null members


def test_notes_are_safe_markdown() -> None:
    table: list[Any] = []
    blocks = render_markdown(["# Title\n- **a** [x](https://e.example) [y](javascript:alert(1))\n\n<b>raw</b> ",
                              {"path": ["name"], "offset": 0, "fallback": None}],
                             lambda part: table.append(part) or len(table) - 1)
    assert blocks == [
        {"tag": "h3", "children": [{"tag": "text", "text": "Title"}]},
        {"tag": "ul", "items": [[{"tag": "strong", "children": [{"tag": "text", "text": "a"}]},
                                 {"tag": "text", "text": " "},
                                 {"tag": "a", "href": "https://e.example", "children": [{"tag": "text", "text": "x"}]},
                                 {"tag": "text", "text": " [y](javascript:alert(1))"}]]},
        {"tag": "p", "children": [{"tag": "text", "text": "<b>raw</b> "}, {"tag": "sc", "index": 0}]},
    ]
    html, _ = page_of(ROOT / "stdlib_templates" / "individual_1040.organizer")
    assert "<li>Answer for <strong>you and your spouse</strong> if you file jointly.</li>" in html  # the description
    assert "&lt;" not in html.split("<body>")[0]
    notes = json.loads(re.search(r'id="organizer-data">(.*?)</script>', html, re.S).group(1))["notes"]
    assert notes["welcome.note1"][0] == {"tag": "h3", "children": [{"tag": "text", "text": "What to have at hand"}]}


def test_notes_are_named_as_the_runtime_names_them() -> None:
    source = """
organizer n "N" {
  section a "A" {
    note "one"
    group g "G" {
      note "two"
    }
    repeat r "R" {
      note "in a row"
      text t "T"
    }
  }
  section b "B" {
    note "three"
  }
}
"""
    html = render_form(compile_fixture("n.organizer", source))
    notes = json.loads(re.search(r'id="organizer-data">(.*?)</script>', html, re.S).group(1))["notes"]
    assert {key: value[0]["children"][0]["text"] for key, value in notes.items()} == {
        "a.note1": "one", "a.note2": "two", "r.note1": "in a row", "b.note1": "three"}


def test_embedded_data_is_what_the_runtimes_use() -> None:
    path = ROOT / "stdlib_templates" / "nl_inkomstenbelasting.organizer"
    context = {"client": {"first_name": "Anne </script><!--"}, "year": 2026}
    html, program = page_of(path, context=context, answers={"x": "\u2028"}, revision=7)
    blocks = dict(re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', html, re.S))
    assert embedded_program(html) == program_to_json(program)
    data = json.loads(blocks["organizer-data"])
    assert data["context"] == context and data["answers"] == {"x": "\u2028"} and data["revision"] == 7
    assert set(data["messages"]) == {"en", "nl"}
    for language in ("en", "nl"):
        book = catalogue()[language]
        assert data["messages"][language]["problems"] == book["problems"]
        assert data["messages"][language]["ui"] == book["ui"]
    assert set(messages_data("en")) == {"en"}
    assert 'lang="nl"' in html and ">Volgende</button>" in html


def test_the_catalogue_has_the_same_words_in_both_languages() -> None:
    books = catalogue()
    assert set(books["en"]["ui"]) == set(books["nl"]["ui"])
    assert set(books["en"]["problems"]) == set(books["nl"]["problems"])


def test_builds_are_byte_identical_across_hash_seeds_and_time_zones(tmp_path: Path) -> None:
    script = ("import sys, hashlib; from pathlib import Path; from organizer.compiler.build import compile_source;"
              "from organizer.dsl.config import load_config;"
              "p = Path(sys.argv[1]); c = load_config(p.parent / 'organizer.yaml')[0];"
              "print(hashlib.sha256(compile_source(p.read_text(), p.name, c).artifacts['form.html'].encode()).hexdigest())")
    path = str(ROOT / "stdlib_templates" / "individual_1040.organizer")
    digests = set()
    for seed, zone in (("1", "UTC"), ("2", "Pacific/Auckland"), ("3", "America/Los_Angeles")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": zone}
        out = subprocess.run([sys.executable, "-c", script, path], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_household_fixture_compiles() -> None:
    assert compile_fixture("household.organizer").id == "household"
