"""The PDF of the printable page (the `[pdf]` extra, RELIABILITY E4): WeasyPrint fetches nothing but
`data:` URLs, markup in author text never becomes an element to fetch, and the child process's
limits end a rendering that runs too long or too large. Skipped, with the reason, without the extra."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from print_helpers import answers_file, context, template

import organizer
from organizer.pdf import PdfError, data_only_fetcher, render_pdf, why_no_pdf
from organizer.runtime.printout import render_print

pytestmark = pytest.mark.skipif(why_no_pdf() is not None, reason=why_no_pdf() or "")


def png(tmp_path: Path) -> tuple[Path, str]:
    """A small image as a file and as a data: URL."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    path = tmp_path / "red.png"
    path.write_bytes(buffer.getvalue())
    return path, "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_a_library_printout_becomes_a_pdf() -> None:
    html = render_print(template("nl_inkomstenbelasting"), answers_file("nl_inkomstenbelasting"), context())
    assert render_pdf(html).startswith(b"%PDF-")


def test_the_fetcher_refuses_everything_but_data_urls() -> None:
    fetcher = data_only_fetcher()
    for url in ("file:///etc/hostname", "FILE:///etc/passwd", "http://127.0.0.1:9/x", "https://example.com/",
                "ftp://x/y"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    response = fetcher.fetch("data:text/plain,ok")
    try:
        assert response.read() == b"ok"
    finally:
        response.close()


def test_only_data_images_reach_the_pdf(tmp_path: Path) -> None:
    """End to end: a file: image (as if markup had been injected) is not embedded; a data: one is."""
    path, data_url = png(tmp_path)
    refused = render_pdf(f'<!DOCTYPE html><p>x</p><img src="{path.as_uri()}"><link rel="stylesheet" href="/etc/hosts">')
    embedded = render_pdf(f'<!DOCTYPE html><p>x</p><img src="{data_url}">')
    assert b"/Image" not in refused and b"/Image" in embedded


def test_markup_in_author_text_is_never_an_element() -> None:
    label = '<img src="file:///etc/hostname"> <link rel=stylesheet href="file:///etc/passwd">'
    source = f'organizer t "T" {{\n  section s "S" {{\n    text a {json.dumps(label)}\n  }}\n}}\n'
    html = render_print(organizer.compile_source(source, "t.organizer"), {"a": label}, {})
    assert "<img" not in html and "&lt;img src=&#34;file:///etc/hostname&#34;&gt;" in html
    assert b"/Image" not in render_pdf(html)


def test_limits_end_a_rendering() -> None:
    html = render_print(template("individual_1040"), answers_file("individual_1040"), context())
    with pytest.raises(PdfError, match="longer than"):
        render_pdf(html, wall_seconds=0.05)
    with pytest.raises(PdfError, match="failed"):
        render_pdf(html, memory_bytes=64 * 1024 * 1024)
