"""PDF of the printable page, with the `[pdf]` extra (WeasyPrint 70 or later).

WeasyPrint runs in a child process (`python -m organizer.pdf`) under a CPU-time and an
address-space limit and a wall-clock timeout, so a huge organizer cannot hang or exhaust the
caller. Its URL fetcher refuses every URL but `data:`: the page references no file and no host
(RELIABILITY E4), and nothing the page says can make the renderer read one.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from typing import Any

CPU_SECONDS = 120
MEMORY_BYTES = 2 * 1024**3
WALL_SECONDS = 180


class PdfError(RuntimeError):
    """No PDF: the extra is not installed, or rendering failed or passed a limit."""


def why_no_pdf() -> str | None:
    """Why PDF output is unavailable here, or None when it is available."""
    if importlib.util.find_spec("weasyprint") is None:
        return "PDF output needs the pdf extra: pip install 'organizer[pdf]'"
    return None


def render_pdf(html: str, *, cpu_seconds: int = CPU_SECONDS, memory_bytes: int = MEMORY_BYTES,
               wall_seconds: float = WALL_SECONDS) -> bytes:
    """The PDF of a printable page (`render_print`'s HTML); raises PdfError."""
    reason = why_no_pdf()
    if reason is not None:
        raise PdfError(reason)
    command = [sys.executable, "-m", "organizer.pdf", str(cpu_seconds), str(memory_bytes)]
    try:
        done = subprocess.run(command, input=html.encode("utf-8"), capture_output=True, timeout=wall_seconds,
                              check=False)
    except subprocess.TimeoutExpired:
        raise PdfError(f"rendering the PDF took longer than {wall_seconds:g} s") from None
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PdfError(f"rendering the PDF failed: {lines[-1] if lines else f'exit status {done.returncode}'}")
    return done.stdout


def data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL except `data:`, and never follows redirects."""
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lower().startswith("data:"):
                raise ValueError(f"refused to fetch {url[:100]!r}: the printable page loads nothing")
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


def _write_pdf(cpu_seconds: int, memory_bytes: int) -> None:
    """The child process: limits first, then the page from stdin and the PDF to stdout."""
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from weasyprint import HTML

    html = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(HTML(string=html, url_fetcher=data_only_fetcher()).write_pdf())


if __name__ == "__main__":
    _write_pdf(int(sys.argv[1]), int(sys.argv[2]))
