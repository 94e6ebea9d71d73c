#!/usr/bin/env python3
"""Screenshots of a standard-library form for the docs: `docs/form-390.png` (a phone, light) and
`docs/form-1280.png` (a desktop, dark), rendered with the library's preview context and driven in
Debian's Chromium through Playwright, as the browser tests do.

    python scripts/form_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from organizer.compiler.build import compile_source
from organizer.compiler.form import render_form
from organizer.dsl.config import load_config

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(out: Path) -> None:
    library = ROOT / "stdlib_templates"
    config, _ = load_config(library / "organizer.yaml")
    source = library / "individual_1040.organizer"
    result = compile_source(source.read_text(encoding="utf-8"), source.name, config)
    assert result.program is not None
    context = {**json.loads(json.dumps(config.preview, default=str)), "today": "2027-01-20"}
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "form.html"
        page_file.write_text(render_form(result.program, context=context), encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for width, height, scheme in ((390, 1100, "light"), (1280, 1000, "dark")):
                page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
                page.goto(page_file.as_uri())
                page.wait_for_selector("#organizer[data-ready]")
                page.evaluate("() => document.querySelector('#next').click()")  # past the welcome page's checks
                page.get_by_role("group", name="Did Harbor & Vale CPAs prepare your 2025 return?").get_by_label("Yes").check()
                page.get_by_role("group", name=re.compile("^Did anything change")).get_by_label("No").check()
                page.get_by_role("button", name="Next").click()
                page.locator("#q-ssn").fill("123-45-678")
                page.locator("#q-ssn").blur()
                page.locator("#q-occupation").fill("Architect")
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(out / f"form-{width}.png"))
                page.close()
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs")
