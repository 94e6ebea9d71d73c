"""The HTML pages: the library index, a template's preview (its form in a frame, with live reload),
the form itself, and the print view of an organizer.

Pages come from the Jinja2 templates in `templates/` (always autoescaped) with a hash-based CSP:
only this package's own inline script and style run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, StreamingResponse
from starlette.routing import Route

from organizer.compiler.form import render_form
from organizer.runtime.printout import render_print
from organizer.runtime.store import Organizer

from .bodies import HTTPRefusal
from .events import event_of
from .library import Entry
from .services import Services, organizer_id, services
from .uploads import SHA256

HERE = Path(__file__).parent
FORM_FRAME_CSP = "frame-ancestors 'self'"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
PRINT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
             "frame-ancestors 'self'")  # the page's own meta CSP narrows styles to its hash


class Page(HTMLResponse):
    """An HTML page in UTF-8; a lone surrogate (answers may hold them, docs/form.md), which UTF-8
    cannot encode, is shown as U+FFFD."""

    def render(self, content: Any) -> bytes:
        return LONE_SURROGATE.sub("\ufffd", content).encode("utf-8")


@cache
def environment() -> Environment:
    """The one Jinja2 environment of the server's pages: always autoescaped, strict."""
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


@cache
def static_text(name: str) -> Markup:
    """A file of `static/`, inlined into pages (reviewed Markup: our own code, no closing tags)."""
    text = (HERE / "static" / name).read_text(encoding="utf-8")
    assert "</" not in text, f"{name} must not contain </"
    return Markup(text)  # reviewed: the package's own static files, checked above


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page_csp(*, script: bool) -> str:
    parts = ["default-src 'none'", f"style-src {csp_hash(static_text('server.css'))}", "img-src data:",
             "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]
    if script:
        parts += [f"script-src {csp_hash(static_text('preview.js'))}", "connect-src 'self'", "frame-src 'self'",
                  "require-trusted-types-for 'script'"]
    return "; ".join(parts)


def html(template: str, csp: str, **data: Any) -> Page:
    body = environment().get_template(template).render(style=static_text("server.css"), **data)
    return Page(body, headers={"content-security-policy": csp, "cache-control": "no-store"})


async def current_entry(request: Request) -> tuple[Services, Entry]:
    """The library entry of the URL's `{key}`, after a rescan (keys only: never a path)."""
    found = services(request)
    entries = await run_in_threadpool(found.library.refresh)
    entry = entries.get(request.path_params["key"])
    if entry is None:
        raise HTTPRefusal(404, "not-found", "no template with this id in the library")
    return found, entry


async def index(request: Request) -> Page:
    found = services(request)
    await run_in_threadpool(found.library.refresh)
    rows = [{"key": e.key, "title": e.title, "file": e.file, "state": e.state, "state_text": _state_text(e),
             "printable": e.template is not None} for e in found.library.entries()]
    return html("index.html.j2", page_csp(script=False), root=found.library.root, entries=rows)


def _state_text(entry: Entry) -> str:
    if entry.state == "clean":
        return "clean"
    counts = [f"{entry.errors} error{'s' * (entry.errors != 1)}"] if entry.errors else []
    counts += [f"{entry.warnings} warning{'s' * (entry.warnings != 1)}"] if entry.warnings else []
    return ", ".join(counts)


async def preview(request: Request) -> Page:
    _, entry = await current_entry(request)
    state = "form" if entry.template is not None else "diagnostics"
    csp = page_csp(script=True)
    return html("preview.html.j2", csp, key=entry.key, title=entry.title, file=entry.file, state=state,
                version=entry.version, diagnostics=entry.diagnostics_text if state == "diagnostics" else "",
                script=static_text("preview.js"))


async def preview_form(request: Request) -> Page:
    found, entry = await current_entry(request)
    if entry.template is None:
        raise HTTPRefusal(409, "does-not-compile", "the template has errors; its preview page shows them")
    organizer = (await run_in_threadpool(found.previews.current, entry)).organizer
    draft = await run_in_threadpool(found.store.draft, organizer.id)
    base = f"/organizers/{organizer.id}"
    page = render_form(entry.template.program, context=entry.preview, answers=draft.answers if draft.revision else None,
                       revision=draft.revision or None, autosave_url=f"{base}/draft", submit_url=f"{base}/submit",
                       upload_url=f"{base}/files", storage_key=f"organizer-preview:{organizer.id}")
    return Page(page, headers={"content-security-policy": FORM_FRAME_CSP, "x-frame-options": "SAMEORIGIN",
                                       "cache-control": "no-store"})


async def preview_events(request: Request) -> StreamingResponse:
    found = services(request)
    key = request.path_params["key"]
    entry = found.library.entry(key)
    if entry is None:
        raise HTTPRefusal(404, "not-found", "no template with this id in the library")
    subscriber = found.hub.subscribe(key, event_of(entry))
    if subscriber is None:
        raise HTTPRefusal(503, "too-many-streams", "too many live-reload connections are open")
    return StreamingResponse(found.hub.stream(subscriber), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})


async def preview_print(request: Request) -> Page:
    found, entry = await current_entry(request)
    if entry.template is None:
        raise HTTPRefusal(409, "does-not-compile", "the template has errors; its preview page shows them")
    organizer = (await run_in_threadpool(found.previews.current, entry)).organizer
    return await run_in_threadpool(print_page, found, organizer)


async def organizer_print(request: Request) -> Page:
    found = services(request)
    organizer = await run_in_threadpool(found.store.organizer, organizer_id(request))
    return await run_in_threadpool(print_page, found, organizer)


def print_page(found: Services, organizer: Organizer) -> Page:
    """The printable view: the submission once submitted, else the draft."""
    template = found.pinned.get(organizer.template_version)
    submission = found.store.submission(organizer.id)
    answers = submission if submission is not None else found.store.draft(organizer.id).answers
    base = f"/organizers/{organizer.id}/files/"

    def file_url(pointer: str, file: Any) -> str | None:
        sha256 = file.get("sha256") if hasattr(file, "get") else None
        return base + sha256 if isinstance(sha256, str) and SHA256.fullmatch(sha256) else None

    page = render_print(template, answers, found.context(organizer), name=organizer.name,
                        submitted_at=organizer.submitted_at if submission is not None else None, file_url=file_url)
    return Page(page, headers={"content-security-policy": PRINT_CSP, "x-frame-options": "SAMEORIGIN",
                                       "cache-control": "no-store"})


ROUTES = [
    Route("/", index, methods=["GET"]),
    Route("/preview/{key}", preview, methods=["GET"]),
    Route("/preview/{key}/form", preview_form, methods=["GET"]),
    Route("/preview/{key}/events", preview_events, methods=["GET"]),
    Route("/preview/{key}/print", preview_print, methods=["GET"]),
    Route("/organizers/{organizer_id}/print", organizer_print, methods=["GET"]),
]
