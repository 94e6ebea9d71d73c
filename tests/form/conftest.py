"""Fixtures of the form tests: Debian's Chromium driven by Playwright (RELIABILITY 2, item 3), a page
per test in a fresh browser context, and the test server of formkit.py. The browser tests skip,
with the reason, when Playwright or chromium is missing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from formkit import ARGS, CHROMIUM, FormServer, Watch, why_no_browser


@pytest.fixture(scope="module")  # Playwright's loop must be gone before other modules use asyncio
def browser() -> Iterator[Any]:
    reason = why_no_browser()
    if reason is not None:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        launched = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.watch = Watch(page)
    yield page
    context.close()


@pytest.fixture
def server() -> Iterator[FormServer]:
    running = FormServer()
    yield running
    running.close()
