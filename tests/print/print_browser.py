"""Opens a printable page in Debian's Chromium, in a process of its own (the form tests hold the
session's Playwright, and one process runs one), and reports what the page shows and did as JSON:

    python tests/print/print_browser.py PAGE.html

`look(path)` runs it and returns the report: text, title, links, the elements that must not
exist, the `window.__xss*` flags that were set, dialogs, page errors and CSP violations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "form"))

from formkit import ARGS, CHROMIUM, Watch  # noqa: E402

FORBIDDEN = "script, img, svg, iframe, object, embed, link, form, base, style:not(head > style), [style]"
REPORT = """() => ({
  text: document.body.innerText,
  title: document.title,
  links: [...document.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.innerText]),
  forbidden: document.querySelectorAll(%s).length,
  executed: Object.keys(window).filter((k) => k.startsWith('__xss') || k === '__ssti'),
  csp: window.__csp,
  h2_border: getComputedStyle(document.querySelector('h2')).borderBottomStyle,
})"""


def look(path: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, str(path)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main(path: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        watch = Watch(page)
        page.goto(Path(path).as_uri())
        page.wait_for_timeout(300)
        report = page.evaluate(REPORT % json.dumps(FORBIDDEN))
        report.update(dialogs=watch.dialogs, errors=watch.errors)
        browser.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
