"""Uploads and downloads of an organizer's files (docs/form.md: `POST upload_url`).

An upload streams into the store, which counts, hashes and sniffs the bytes and refuses them the
moment they cross the question's `max_size` (413) or when their content is not an accepted type
(415). A download is always an attachment, sandboxed, with a content type from an allow-list.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from organizer.runtime.program import Group, Item, Program, Question, Repeat
from organizer.runtime.store import StoredFile, UploadRules
from organizer.runtime.store.files import MAX_UPLOAD_SIZE

from .bodies import HTTPRefusal, blocking_chunks
from .errors import NO_STORE, JSONAnswer
from .services import organizer_id, services

SHA256 = re.compile(r"[0-9a-f]{64}")
FORM_TYPES = ("multipart/", "application/x-www-form-urlencoded")
DOWNLOAD_TYPES = frozenset(("application/pdf", "image/png", "image/jpeg", "image/gif", "image/tiff", "image/heic",
                            "image/heif", "image/webp", "application/zip", "application/x-ole-storage"))


def file_question(program: Program, pointer: str) -> Question | None:
    """The `file` question an answer pointer such as `/w2_forms` or `/dependents/0/documents` names."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]] if pointer[:1] == "/" else []
    items: tuple[Item, ...] = tuple(i for s in program.sections for i in s.items)
    while tokens:
        found = _find(items, tokens.pop(0))
        if isinstance(found, Question):
            return found if found.type == "file" and not tokens else None
        if not isinstance(found, Repeat) or not tokens or not tokens.pop(0).isdigit():
            return None
        items = found.items
    return None


def _find(items: tuple[Item, ...], ident: str) -> Item | None:
    for item in items:
        if isinstance(item, Group):
            inner = _find(item.items, ident)
            if inner is not None:
                return inner
        elif getattr(item, "id", None) == ident:
            return item
    return None


async def upload(request: Request) -> JSONAnswer:
    ident = organizer_id(request)
    kind = request.headers.get("content-type", "").lower()
    if kind.startswith(FORM_TYPES):
        raise HTTPRefusal(415, "raw-body-required", "send the file's bytes as the body, not a form")
    pointer = request.headers.get("x-question")
    if not pointer:
        raise HTTPRefusal(400, "question-required", "name the file question in X-Question (a JSON pointer)")
    found = services(request)
    organizer = await run_in_threadpool(found.store.organizer, ident)
    template = await run_in_threadpool(found.pinned.get, organizer.template_version)
    question = file_question(template.program, pointer)
    if question is None:
        raise HTTPRefusal(422, "not-a-file-question", "X-Question does not name a file question of this organizer")
    rules = UploadRules(question.checks.accept, question.checks.max_size)
    limit = min(rules.max_size or MAX_UPLOAD_SIZE, MAX_UPLOAD_SIZE)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise HTTPRefusal(413, "too-large", f"the file is larger than {limit} bytes", {"limit": limit})
    name = unquote(request.headers.get("x-file-name", ""), errors="replace") or "file"
    chunks = blocking_chunks(request.stream().__aiter__())
    stored: StoredFile = await run_in_threadpool(
        lambda: found.store.put_file(ident, question=pointer, name=name, chunks=chunks, rules=rules))
    claimed = request.headers.get("x-file-sha256")
    if claimed is not None and claimed.lower() != stored.sha256:
        raise HTTPRefusal(422, "sha256-mismatch", "the bytes received do not have the X-File-Sha256 given")
    return JSONAnswer(stored.to_json(), status_code=201, headers=NO_STORE)


async def download(request: Request) -> Response:
    ident, sha256 = organizer_id(request), request.path_params["sha256"]
    if not SHA256.fullmatch(sha256):
        raise HTTPRefusal(404, "not-found", "no such file")
    stored, chunks = await run_in_threadpool(services(request).store.open_file, ident, sha256)
    return StreamingResponse(chunks, media_type=download_type(stored), headers={
        "content-disposition": content_disposition(stored.name), "content-length": str(stored.size),
        "content-security-policy": "sandbox", "cache-control": "private, no-store"})


def download_type(stored: StoredFile) -> str:
    if stored.media_type == "text/plain":
        return "text/plain; charset=utf-8"
    return stored.media_type if stored.media_type in DOWNLOAD_TYPES else "application/octet-stream"


def content_disposition(name: str) -> str:
    """`attachment` with the name as RFC 8187 UTF-8 and an ASCII stand-in for old clients."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", name)[:100] or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name.encode('utf-8', 'replace'), safe='')}"


ROUTES = [
    Route("/organizers/{organizer_id}/files", upload, methods=["POST"]),
    Route("/organizers/{organizer_id}/files/{sha256}", download, methods=["GET"]),
]
