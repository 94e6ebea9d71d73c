"""The autosave API of docs/form.md over the store: the draft, the submission and the history.

Store calls are blocking (SQLite, fsync), so each runs in a worker thread.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from organizer.runtime.store import Frozen, Invalid, Saved, Stale
from organizer.runtime.store.base import OPEN_STATES

from .bodies import HTTPRefusal, read_json
from .errors import NO_STORE, JSONAnswer, error
from .services import Services, organizer_id, services

OPENAPI = Path(__file__).with_name("openapi.json")
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def idempotency_key(request: Request) -> str | None:
    """The `Idempotency-Key` header: a repeated key gets the first request's answer again."""
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        raise HTTPRefusal(400, "bad-idempotency-key", "Idempotency-Key must be 1 to 200 visible ASCII characters")
    return key


def answered(saved: Saved) -> dict[str, str]:
    """Headers of an acknowledged write; `Idempotent-Replayed` when an earlier request made it."""
    return {**NO_STORE, "idempotent-replayed": "true"} if saved.replayed else NO_STORE


async def write_body(request: Request) -> tuple[int | None, dict[str, Any]]:
    """`{"base_revision": N | null, "answers": {...}}`, checked."""
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        raise HTTPRefusal(400, "bad-body", 'the body must be {"base_revision": N or null, "answers": {...}}')
    base = body.get("base_revision")
    if isinstance(base, float) and base.is_integer():
        base = int(base)  # JSON has one number type: `3.0` is revision 3
    if base is not None and (isinstance(base, bool) or not isinstance(base, int) or base < 0):
        raise HTTPRefusal(400, "bad-body", "base_revision must be a whole number or null")
    return base, body["answers"]


async def get_draft(request: Request) -> JSONAnswer:
    draft = await run_in_threadpool(services(request).store.draft, organizer_id(request))
    if draft.revision == 0:
        return error(404, "no-draft", "nothing is saved yet")
    return JSONAnswer({"revision": draft.revision, "answers": draft.answers, "state": draft.state},
                      headers=NO_STORE)


async def draft(request: Request) -> Response:
    """One route for both methods, so a 405 or an OPTIONS names both in `Allow`."""
    return await (get_draft(request) if request.method in ("GET", "HEAD") else put_draft(request))


async def put_draft(request: Request) -> JSONAnswer:
    ident, key = organizer_id(request), idempotency_key(request)
    base, answers = await write_body(request)
    found = services(request)

    def save() -> Saved:
        with found.writes:
            return found.store.save(ident, base_revision=base, answers=answers, idempotency_key=key)

    saved = await run_in_threadpool(save)
    return JSONAnswer({"revision": saved.revision}, headers=answered(saved))


async def submit(request: Request) -> JSONAnswer:
    ident, key = organizer_id(request), idempotency_key(request)
    base, answers = await write_body(request)
    found = services(request)
    saved: Saved = await run_in_threadpool(_submit, found, ident, base, answers, key)
    return JSONAnswer({"revision": saved.revision, "state": "submitted"}, headers=answered(saved))


def _submit(found: Services, ident: str, base: int | None, answers: dict[str, Any], key: str | None) -> Saved:
    """Validate with the organizer's pinned template, then freeze. A stale or frozen organizer
    answers 409 before any validation problem (the client must see the newer answers first)."""
    organizer = found.store.organizer(ident)
    template = found.pinned.get(organizer.template_version)
    problems = [p.to_json() for p in template.validate(answers, draft=False, context=found.context(organizer))]
    if problems:
        draft = found.store.draft(ident)
        if draft.state not in OPEN_STATES:
            raise Frozen(draft)
        if (base or 0) != draft.revision:
            raise Stale(draft)
        raise Invalid(problems)
    with found.writes, found.store.transaction() as conn:
        saved: Saved = found.store.submit(ident, base_revision=base, answers=answers, problems=[],
                                          idempotency_key=key)
        for hook in found.submit_hooks:
            hook(conn, ident)
    return saved


async def history(request: Request) -> JSONAnswer:
    entries = await run_in_threadpool(services(request).store.history, organizer_id(request))
    return JSONAnswer({"history": [{"revision": e.revision, "at": e.at, "kind": e.kind, "actor": e.actor,
                                    "on_behalf": e.on_behalf, "changed": list(e.changed)} for e in entries]},
                      headers=NO_STORE)


async def openapi(request: Request) -> Response:
    """The OpenAPI document of this server's HTTP API."""
    return Response(OPENAPI.read_bytes(), media_type="application/json")


ROUTES = [
    Route("/openapi.json", openapi, methods=["GET"]),
    Route("/organizers/{organizer_id}/draft", draft, methods=["GET", "PUT"]),
    Route("/organizers/{organizer_id}/submit", submit, methods=["POST"]),
    Route("/organizers/{organizer_id}/history", history, methods=["GET"]),
]
