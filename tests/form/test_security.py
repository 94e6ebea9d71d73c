"""RELIABILITY X1-X5 and P6 for form.html: markup, script, markdown-link and template-injection
payloads in every text slot of a template, in the shortcode context, in answers piped into later
texts and shown on the review page, and in uploaded file names are shown as text, and nothing runs
in Chromium (a `window.__xss_*` flag per payload, a dialog handler, CSP violation events). The CSP
is tested as a second wall by a page whose escaping was deliberately broken (X2); the JSON data
blocks survive `</script>`, `<!--` and U+2028 byte for byte (X4); a static audit finds no DOM sink,
no unescaped Jinja2 environment and no `from_string` (X3)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from formkit import Watch, compile_fixture, embedded_program, open_form

from organizer.compiler.form import render_form
from organizer.runtime.program import program_to_json

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = {
    "img": '<img src=x onerror="window.__xss_img=1">',
    "svg": '"><svg onload="window.__xss_svg=1">',
    "script": "</script><script>window.__xss_script=1</script>",
    "iframe": '<iframe srcdoc="<script>parent.__xss_iframe=1</script>"></iframe>',
    "md": "[click me](javascript:window.__xss_md=1)",
    "md_entity": "[tab](jav&#x09;ascript:window.__xss_md2=1)",
    "anchor": '<a href="jav&#x09;ascript:window.__xss_a=1">a</a>',
    "css": "<style>body{background:url(javascript:window.__xss_css=1)}</style><div style=\"width:expression(window.__xss_css2=1)\">",
    "comment": "<!-- \u2028 \u2029 -->",
    "ssti_jinja": "{{ 7*7 }}",
    "ssti_raw": "{% raw %}",
    "ssti_globals": "{{ cycler.__init__.__globals__ }}",
    "ssti_js": "${7*7} #{7*7} <%= 7*7 %>",
    "ssti_client": "{{constructor.constructor('window.__ssti=1')()}}",
}
PAYLOAD = " | ".join(PAYLOADS.values())
# the text slots of the template: title, description, section, label, help, placeholder, message,
# option (radio and dropdown), note, group, repeat, computed label
SLOTS = ("title", "description", "section", "label", "help", "placeholder", "message", "option", "dropdown option",
         "note", "group", "repeat", "computed")


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # the language's strings take JSON escapes


def hostile_source() -> str:
    p = _string(PAYLOAD)
    return f"""
organizer hostile {p} {{
  description {p}
  section first {p} {{
    text name {p} required help {p} placeholder {p} message {p} min 3
    choice pick {p} {{
      option a {p}
      option b "Plain"
    }}
    choice drop {p} as dropdown {{
      option a {p}
    }}
    note {p}
    group g {p} {{
      text inner {p}
    }}
    repeat rows {p} {{
      text cell {p}
    }}
    number amount "Amount"
    computed plus {p} = amount + 1
    file docs "Files"
  }}
  section second "Piped <<name>> <<client.first_name>> <<firm.name>>" {{
    note "Piped: <<name>> / <<client.first_name>> / <<firm.name>> / <<pick>> / <<docs>>"
    text other "About <<name>> and <<client.company>>" help "<<drop | none>>"
  }}
}}
"""


CONTEXT = {"client": {"first_name": PAYLOAD, "company": PAYLOAD}, "firm": {"name": PAYLOAD}, "year": 2026,
           "today": "2027-01-20"}
FILE_NAMES = ['<img src=x onerror="window.__xss_file=1">.pdf', '"><svg onload="window.__xss_file2=1">.pdf']


def executed(page: Any) -> list[str]:
    return page.evaluate("Object.keys(window).filter((k) => k.startsWith('__xss') || k === '__ssti')")


def assert_nothing_ran(page: Any) -> None:
    assert executed(page) == []
    assert page.watch.dialogs == []
    assert page.watch.errors == []


def test_payloads_in_every_slot_are_shown_as_text(page: Any, tmp_path: Path) -> None:
    program = compile_fixture("hostile.organizer", hostile_source())
    html = render_form(program, context=CONTEXT)
    markup = html[html.index("<body>"):html.index('<script type="application/json"')]
    assert "{{ 7*7 }}" in markup and "49" not in markup  # P6: nothing was evaluated while rendering
    file = tmp_path / "form.html"
    file.write_text(html, encoding="utf-8")
    open_form(page, file.as_uri())
    renders = 0
    text = page.locator("body").inner_text()
    for payload in PAYLOADS.values():
        if "\u2028" not in payload:
            assert payload in text or payload.replace("  ", " ") in text, payload
    assert "{{ 7*7 }}" in text and "49" not in text
    assert page.title().startswith(PAYLOADS["img"])
    expect_label = page.locator("label[for='q-name']")
    assert PAYLOADS["script"] in expect_label.inner_text()
    assert page.locator("#q-name").get_attribute("placeholder").startswith(PAYLOADS["img"])
    assert page.locator("a[href^='javascript'], a[href*='ascript']").count() == 0
    renders += len(PAYLOADS) * len(SLOTS)
    assert_nothing_ran(page)
    # answers: typed, piped into later texts, shown again on the review page; file names
    page.get_by_label("Amount").fill("1")
    page.locator("#q-name").fill(PAYLOAD)
    page.locator("#q-pick-o0").check()
    page.locator("#q-drop").select_option("a")
    page.locator("#q-docs").set_input_files([{"name": n, "mimeType": "application/pdf", "buffer": b"%PDF"}
                                             for n in FILE_NAMES])
    from playwright.sync_api import expect

    for name in FILE_NAMES:
        expect(page.get_by_text(name, exact=True)).to_have_count(1)
    page.get_by_role("button", name="Next").click()
    second = page.locator("section[data-section='second']")
    second.wait_for()
    piped = second.inner_text()
    assert piped.count(PAYLOADS["svg"]) >= 6 and FILE_NAMES[0] in piped
    renders += len(PAYLOADS) * 4 + len(FILE_NAMES)
    assert_nothing_ran(page)
    page.get_by_role("button", name="Next").click()
    review = page.locator("#review")
    review.wait_for()
    assert PAYLOADS["iframe"] in review.inner_text() and FILE_NAMES[1] in review.inner_text()
    renders += len(PAYLOADS) * 2 + len(FILE_NAMES)
    page.reload()  # resume: the answers come back from localStorage into the controls
    page.wait_for_selector("#organizer[data-ready]")
    renders += len(PAYLOADS) * 2
    assert_nothing_ran(page)
    assert page.evaluate("window.__csp") == []
    print(f"\nX1: {len(PAYLOADS)} payloads, {renders} renders in Chromium, 0 executed")


def test_csp_blocks_payloads_when_escaping_is_broken(page: Any, tmp_path: Path) -> None:
    """X2, a mutation test of the second wall: markup injected into the page as if autoescaping
    had failed must still not run."""
    program = compile_fixture("household.organizer")
    html = render_form(program)
    injected = ('<img src=x onerror="window.__xss_csp_img=1"><script>window.__xss_csp_script=1</script>'
                '<a id="csp-link" href="javascript:window.__xss_csp_link=1">link</a>'
                '<iframe srcdoc="<script>parent.__xss_csp_iframe=1</script>"></iframe>'
                '<div style="background:url(javascript:window.__xss_csp_css=1)">styled</div>')
    broken = html.replace('<h1 id="title">', '<h1 id="title">' + injected, 1)
    assert broken != html
    file = tmp_path / "broken.html"
    file.write_text(broken, encoding="utf-8")
    open_form(page, file.as_uri())
    page.locator("#csp-link").click()
    page.wait_for_timeout(300)
    assert executed(page) == [] and page.watch.dialogs == []
    violations = page.evaluate("window.__csp")
    assert any(v.startswith("script-src") for v in violations), violations
    assert page.evaluate("document.readyState") == "complete"


def test_json_data_blocks_round_trip_hostile_text(page: Any, tmp_path: Path) -> None:
    """X4: `</script>`, `<!--` and U+2028 in labels and context neither break out of the data
    blocks nor change on the way: the page parses exactly the IR and context that were embedded."""
    program = compile_fixture("hostile.organizer", hostile_source())
    html = render_form(program, context=CONTEXT)
    blocks = dict(re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', html, re.S))
    assert set(blocks) == {"organizer-program", "organizer-data"}
    for text in blocks.values():
        assert "<" not in text and "\u2028" not in text and "\u2029" not in text
    assert embedded_program(html) == program_to_json(program)
    assert json.loads(blocks["organizer-data"])["context"] == CONTEXT
    file = tmp_path / "form.html"
    file.write_text(html, encoding="utf-8")
    open_form(page, file.as_uri())
    in_page = page.evaluate("JSON.stringify(JSON.parse(document.getElementById('organizer-program').textContent))")
    assert json.loads(in_page) == json.loads(blocks["organizer-program"])
    assert page.evaluate("JSON.parse(document.getElementById('organizer-data').textContent).context") == CONTEXT


def test_markdown_links_are_only_http_https_and_mailto(page: Any, tmp_path: Path) -> None:
    """X5: in notes, only http(s) and mailto links, with rel="noopener noreferrer"; raw HTML and
    piped answers stay text (an answer `[a](https://x)` is not turned into a link)."""
    source = '''
organizer links "Links" {
  section s "S" {
    text answer "Answer"
    note "[ok](https://example.com/a) [mail](mailto:desk@example.com) [js](javascript:alert(1)) [rel](/x) [data](data:text/html,x) <b>bold</b> **strong** <<answer>>"
  }
}
'''
    program = compile_fixture("links.organizer", source)
    file = tmp_path / "form.html"
    file.write_text(render_form(program), encoding="utf-8")
    open_form(page, file.as_uri())
    page.get_by_role("textbox", name="Answer", exact=True).fill("[piped](https://evil.example) **not bold**")
    note = page.locator(".note")
    links = note.get_by_role("link")
    assert links.count() == 2
    assert [links.nth(i).get_attribute("href") for i in range(2)] == ["https://example.com/a", "mailto:desk@example.com"]
    assert all(links.nth(i).get_attribute("rel") == "noopener noreferrer" for i in range(2))
    text = note.inner_text()
    assert "[js](javascript:alert(1))" in text and "<b>bold</b>" in text and "[rel](/x)" in text
    assert "[piped](https://evil.example) **not bold**" in text
    assert note.locator("strong").count() == 1
    assert_nothing_ran(page)


# --- the static audit (X3, P6) ------------------------------------------------------------------------------

SINKS = re.compile(r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\s*\(|new\s+Function|"
                   r"setTimeout\s*\(\s*['\"]|setInterval\s*\(\s*['\"]|srcdoc|javascript:)")


def test_no_dom_sinks_in_the_page_script() -> None:
    for path in sorted((ROOT / "compiler" / "static").glob("*.js")):
        code = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        code = re.sub(r"//[^\n]*", "", code)
        assert SINKS.findall(code) == [], path.name


def test_jinja_is_always_autoescaped_and_never_fed_author_text() -> None:
    found_environments = 0
    for folder in ("compiler", "runtime", "organizer", "dsl"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr == "from_string":
                    pytest.fail(f"{path}: from_string")
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Environment":
                    found_environments += 1
                    keywords = {k.arg: k.value for k in node.keywords}
                    assert isinstance(keywords.get("autoescape"), ast.Constant) and keywords["autoescape"].value is True, path
    assert found_environments >= 1
    for template in (ROOT / "compiler" / "templates").glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, template.name


def test_markup_is_used_only_in_the_reviewed_places() -> None:
    """Every `Markup(` of the compiler: the JSON blocks (escaped by script_json) and our own
    static script and style."""
    uses = []
    for path in sorted((ROOT / "compiler").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "Markup(" in line:
                uses.append((path.name, line.strip()))
    assert uses == [
        ("form.py", "return Markup(text)  # noqa: S704 - reviewed: escaped above"),
        ("form.py", '"script": Markup(script), "style": Markup(style),  # noqa: S704 - reviewed: our own static files'),
    ]


def test_watch_is_wired(page: Any) -> None:
    """The detectors themselves work: a dialog and a flag are seen (so 0 means 0)."""
    page.set_content("<p>x</p>")
    page.evaluate("() => { window.__xss_probe = 1; alert('probe'); }")
    assert executed(page) == ["__xss_probe"] and page.watch.dialogs == ["probe"]
    assert isinstance(page.watch, Watch)
