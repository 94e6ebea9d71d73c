"""The `form.html` artifact without a browser: deterministic bytes, a CSP whose hashes are those of
the inline script and style, no external resources, every label bound and every referenced id
present, a fitting native control per question type, safe markdown in notes, and the embedded IR,
context and catalogue equal to what the runtimes use."""

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
from formkit import compile_fixture

from organizer.compiler.build import compile_source
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
    result = compile_source(path.read_text(encoding="utf-8"), path.name)
    if result.program is None:  # the standard library needs its organizer.yaml
        from organizer.dsl.config import find_config, load_config

        found = find_config(path)
        result = compile_source(path.read_text(encoding="utf-8"), path.name, load_config(found)[0] if found else None)
    assert result.program is not None
    return render_form(result.program, **options), result.program


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
def test_labels_bound_and_references_resolve(path: Path) -> None:
    html, program = page_of(path)
    page = parsed(html)
    ids = Counter(a["id"] for _, a in page.tags if "id" in a)
    assert [i for i, n in ids.items() if n > 1] == []
    for tag, attributes in page.tags:
        if tag == "label":
            assert attributes.get("for") in ids, attributes
        for name in ("aria-describedby", "aria-labelledby"):
            for ref in attributes.get(name, "").split():
                assert ref in ids, (tag, name, ref)
        if tag in ("input", "select", "textarea"):
            control = attributes["id"]
            labelled = any(t == "label" and a.get("for") == control for t, a in page.tags)
            assert labelled, attributes


def test_each_question_type_gets_a_fitting_native_control() -> None:
    html, _ = page_of(Path(__file__).parent / "fixtures" / "semantics.organizer")
    page = parsed(html)
    by_id = {a["id"]: (t, a) for t, a in page.tags if "id" in a}
    assert by_id["q-a"][1]["inputmode"] == "decimal" and by_id["q-whole"][1]["inputmode"] == "numeric"
    assert by_id["q-m-currency"][0] == "span" and "q-m-currency" in by_id["q-m"][1]["aria-describedby"]
    assert by_id["q-ordered"][0] == "fieldset"  # yesno: a radio group with a legend
    assert [a["type"] for t, a in page.tags if a.get("name") == "q-ordered"] == ["radio", "radio"]
    assert [a["type"] for t, a in page.tags if a.get("name") == "q-picks"] == ["checkbox"] * 3
    assert by_id["q-c"][0] == "select"  # `as dropdown`
    assert by_id["q-d"][1]["type"] == "date" and by_id["q-d"][1]["min"] == "2000-01-01"
    assert "data-max-today" in by_id["q-d"][1]
    assert by_id["q-mail"][1]["type"] == "email" and by_id["q-tel"][1]["type"] == "tel"
    docs = by_id["q-docs"][1]
    assert docs["type"] == "file" and docs["accept"] == ".pdf,.png" and "multiple" in docs
    assert "Upload a file of one of these types: pdf, png." in html and "Upload a file of at most 1,536 KB." in html
    assert by_id["q-ratio"][0] == "output"
    assert by_id["q-rows"][0] == "fieldset" and 'id="q-rows-ROW-amount"' in html  # the row template


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
    assert "<h3>What to have at hand</h3>" in html and "&lt;" not in html.split("<body>")[0]


def test_embedded_data_is_what_the_runtimes_use() -> None:
    path = ROOT / "stdlib_templates" / "nl_inkomstenbelasting.organizer"
    context = {"client": {"first_name": "Anne </script><!--"}, "year": 2026}
    html, program = page_of(path, context=context, answers={"x": "\u2028"}, revision=7)
    blocks = dict(re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', html, re.S))
    assert json.loads(blocks["organizer-program"]) == program_to_json(program)
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
