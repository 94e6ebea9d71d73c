"""Every error the server answers, as JSON without a traceback: refusals, store errors, bugs."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from organizer.runtime.store import (
    Exists,
    Frozen,
    Invalid,
    NotAllowed,
    NotAStore,
    NotFound,
    Stale,
    StoreError,
    TooLarge,
    Unavailable,
    Unsupported,
)

from .bodies import HTTPRefusal

NO_STORE = {"cache-control": "no-store"}


class JSONAnswer(JSONResponse):
    """JSON with every non-ASCII character escaped: answers may hold lone surrogates (the store keeps
    them, docs/form.md), which UTF-8 cannot encode but a `\\ud800` escape carries back as sent."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def error(status: int, code: str, message: str, **extra: Any) -> JSONAnswer:
    return JSONAnswer({"error": code, "message": message, **extra}, status_code=status, headers=NO_STORE)


def store_error(exc: StoreError) -> JSONAnswer:
    """A store refusal as its HTTP answer (docs/server.md, "Errors")."""
    match exc:
        case Stale(current=draft):
            return JSONAnswer({"error": "stale", "message": str(exc), "revision": draft.revision,
                               "answers": draft.answers}, status_code=409, headers=NO_STORE)
        case Frozen(current=draft):
            return JSONAnswer({"error": "frozen", "message": str(exc), "revision": draft.revision,
                               "answers": draft.answers, "state": draft.state}, status_code=409, headers=NO_STORE)
        case Invalid(problems=problems) if problems:
            return JSONAnswer({"error": "invalid", "message": str(exc), "problems": problems},
                              status_code=422, headers=NO_STORE)
        case Invalid():
            return error(422, "invalid", str(exc))
        case TooLarge(limit=limit):
            return error(413, "too-large", str(exc), limit=limit)
        case Unsupported():
            return error(415, "unsupported-type", str(exc))
        case NotFound():
            return error(404, "not-found", str(exc))
        case NotAllowed():
            return error(409, "not-allowed", str(exc))
        case Exists():
            return error(409, "exists", str(exc))
        case Unavailable():
            status = 507 if exc.full else 503
            return error(status, "store-unavailable", str(exc))
        case NotAStore():
            return error(503, "not-a-store", str(exc))
    return error(500, "store-error", "the store refused the request")


async def on_store_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StoreError)
    return store_error(exc)


async def on_refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPRefusal)
    return error(exc.status, exc.code, exc.message, **exc.extra)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "refused")
    message = {404: "no such page", 405: "this method is not allowed here"}.get(exc.status_code, "refused")
    response = error(exc.status_code, code, message)
    response.headers.update(exc.headers or {})  # `Allow` of a 405
    return response


async def on_bug(request: Request, exc: Exception) -> Response:
    """A bug of ours: uvicorn logs its traceback on the console; the client never sees it."""
    return error(500, "internal-error", "the server could not answer this request; see its console")


HANDLERS: dict[Any, Any] = {StoreError: on_store_error, HTTPRefusal: on_refusal, HTTPException: on_http_exception,
                            Exception: on_bug}
