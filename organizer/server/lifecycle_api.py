"""The lifecycle's HTTP API, mounted by the dev server under `/lifecycle/`: clients, sending,
resends, reminder settings, the firm's moves, to-do lists and export (docs/lifecycle.md, "API").

Bodies are JSON (`application/json` only) and go through the server's security middleware like
every route: Host, Origin and same-origin checks. Refusals are JSON errors, never tracebacks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial, wraps
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from organizer.runtime.lifecycle.clients import client as load_client
from organizer.runtime.lifecycle.clients import clients, put_client
from organizer.runtime.lifecycle.export import export_zip, seal
from organizer.runtime.lifecycle.records import (
    Client,
    LifecycleError,
    ReminderSettings,
    Unknown,
    WrongState,
)
from organizer.runtime.lifecycle.schema import install
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.lifecycle.states import (
    Listed,
    fill_on_behalf,
    issued,
    move,
    organizers,
    record_submissions,
    resend,
    set_reminders,
    todo,
)
from organizer.runtime.lifecycle.table import FORMATS, export_answers
from organizer.runtime.lifecycle.templates import latest_version
from organizer.runtime.store import STATES, SQLiteStore

from .bodies import HTTPRefusal, read_json
from .errors import NO_STORE, JSONAnswer
from .services import Services, organizer_id

MAX_CLIENTS_PER_SEND = 10_000
MOVES = ("unsubmit", "archive", "delete", "seal")
Handler = Callable[[Request], Awaitable[Response]]


def _refusals(handler: Handler) -> Handler:
    """The lifecycle's refusals as JSON errors: 404 for an unknown id, 409 for a move the state does
    not allow, else 422."""
    @wraps(handler)
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except Unknown as error:
            raise HTTPRefusal(404, "not-found", str(error)) from None
        except WrongState as error:
            raise HTTPRefusal(409, "not-allowed", str(error)) from None
        except LifecycleError as error:
            raise HTTPRefusal(422, "refused", str(error)) from None
    return run


def _json(value: Any, status: int = 200) -> JSONAnswer:
    return JSONAnswer(value, status_code=status, headers=NO_STORE)


async def _object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise HTTPRefusal(400, "bad-body", "the body must be a JSON object")
    return body


def _field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    """`body[name]` (`default` when absent), 400 unless it is a `kind`; a whole-number float counts
    as an int (JSON has one number type: `3.0` is 3)."""
    value = body.get(name, default)
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is not default and (not isinstance(value, kind) or isinstance(value, bool) and kind is int):
        raise HTTPRefusal(400, "bad-body", f"`{name}` has the wrong type")
    return value


def _listed(item: Listed) -> dict[str, Any]:
    o, i = item.organizer, item.issued
    return {"id": o.id, "name": o.name, "client_id": i.client_id, "state": o.state, "period": i.period,
            "template_id": o.template_id, "template_version": o.template_version, "revision": o.revision,
            "submitted_at": o.submitted_at, "notified_at": i.notified_at, "resends": i.resends,
            "reminders": {"enabled": i.reminders.enabled, "days": i.reminders.days, "limit": i.reminders.limit,
                          "sent": i.reminders_sent}}


def _client(value: Client) -> dict[str, Any]:
    return {"id": value.id, "name": value.name, "first_name": value.first_name, "last_name": value.last_name,
            "email": value.email, "company": value.company, "status": value.status, "fields": value.fields}


def _settings(body: dict[str, Any], current: ReminderSettings) -> ReminderSettings:
    return ReminderSettings(_field(body, "enabled", bool, current.enabled), _field(body, "days", int, current.days),
                            _field(body, "limit", int, current.limit))


def routes(found: Services) -> list[BaseRoute]:
    """The lifecycle's routes over the server's store (its tables are installed on the first call).
    A submission through the autosave API notifies the firm and moves jobs on in its own transaction."""
    if not isinstance(found.store, SQLiteStore):
        return []
    lifecycle = install(found.store)

    def submitted(conn: Any, ident: str) -> None:
        record_submissions(lifecycle, conn, ident)
    found.submit_hooks.append(submitted)

    @_refusals
    async def list_clients(request: Request) -> Response:
        return _json({"clients": [_client(c) for c in await run_in_threadpool(clients, lifecycle)]})

    @_refusals
    async def save_client(request: Request) -> Response:
        body = await _object(request)
        strings = {name: _field(body, name, str, "") for name in ("first_name", "last_name", "email", "company")}
        fields = _field(body, "fields", dict, {})
        if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in fields.values()):
            raise HTTPRefusal(400, "bad-body", "`fields` holds strings and numbers only")
        new = Client(id=_field(body, "id", str, ""), name=_field(body, "name", str, ""),
                     status=_field(body, "status", str, "active"), fields=fields, **strings)
        saved = await run_in_threadpool(put_client, lifecycle, new, notify=_field(body, "notify", bool, True))
        return _json(_client(saved), 201)

    async def clients_route(request: Request) -> Response:
        return await (save_client if request.method == "POST" else list_clients)(request)

    @_refusals
    async def client_todo(request: Request) -> Response:
        ident = request.path_params["client_id"]
        await run_in_threadpool(load_client, lifecycle, ident)
        return _json({"organizers": [_listed(i) for i in await run_in_threadpool(todo, lifecycle, ident)]})

    @_refusals
    async def list_organizers(request: Request) -> Response:
        states = tuple(request.query_params.getlist("state"))
        if not set(states) <= STATES:
            raise HTTPRefusal(400, "bad-query", f"a state is one of {', '.join(sorted(STATES))}")
        found = await run_in_threadpool(lambda: organizers(lifecycle, client_id=request.query_params.get("client"),
                                                           states=states))
        return _json({"organizers": [_listed(i) for i in found]})

    @_refusals
    async def send_organizers(request: Request) -> Response:
        body = await _object(request)
        targets = _field(body, "clients", list, [])
        if not targets or len(targets) > MAX_CLIENTS_PER_SEND or not all(isinstance(t, str) for t in targets):
            raise HTTPRefusal(400, "bad-body", f"`clients` is a list of 1 to {MAX_CLIENTS_PER_SEND} client ids")
        reminders = _field(body, "reminders", dict)
        version = _field(body, "template_version", str) or await run_in_threadpool(
            latest_version, lifecycle, _field(body, "template", str, ""))
        sending = Sending(template_version=version, name=_field(body, "name", str), job_id=_field(body, "job", str),
                          year=_field(body, "year", int),
                          reminders=None if reminders is None else _settings(reminders, ReminderSettings()))
        sent = await run_in_threadpool(send, lifecycle, sending, targets)
        return _json({"sent": [{"client_id": s.client_id, "organizer_id": s.organizer_id, "created": s.created}
                               for s in sent]}, 201 if any(s.created for s in sent) else 200)

    @_refusals
    async def resend_organizer(request: Request) -> Response:
        ident = organizer_id(request)
        await _object(request)
        return _json({"resend": await run_in_threadpool(resend, lifecycle, ident)})

    @_refusals
    async def get_reminders(request: Request) -> Response:
        found = await run_in_threadpool(issued, lifecycle, organizer_id(request))
        return _json({"enabled": found.reminders.enabled, "days": found.reminders.days,
                      "limit": found.reminders.limit, "sent": found.reminders_sent})

    @_refusals
    async def put_reminders(request: Request) -> Response:
        ident = organizer_id(request)
        body = await _object(request)
        current = await run_in_threadpool(issued, lifecycle, ident)
        updated = await run_in_threadpool(set_reminders, lifecycle, ident, _settings(body, current.reminders))
        return _json({"enabled": updated.reminders.enabled, "days": updated.reminders.days,
                      "limit": updated.reminders.limit, "sent": updated.reminders_sent})

    async def reminders_route(request: Request) -> Response:
        return await (put_reminders if request.method == "PUT" else get_reminders)(request)

    def firm_move(name: str) -> Handler:
        """The route of one of the firm's `MOVES`."""
        @_refusals
        async def run(request: Request) -> Response:
            ident = organizer_id(request)
            actor = _field(await _object(request), "actor", str, "staff")
            if name == "seal":
                manifest = await run_in_threadpool(lambda: seal(lifecycle, ident, actor=actor))
                return _json({"state": "sealed", "seal": manifest})
            moved = await run_in_threadpool(lambda: move(lifecycle, ident, name, actor=actor))
            return _json({"state": moved.state})
        return run

    @_refusals
    async def on_behalf(request: Request) -> Response:
        ident = organizer_id(request)
        body = await _object(request)
        answers, base = _field(body, "answers", dict), _field(body, "base_revision", int)
        actor = _field(body, "actor", str)
        if answers is None or not actor:
            raise HTTPRefusal(400, "bad-body", 'the body must be {"actor": "...", "base_revision": N, "answers": {...}}')
        saved = await run_in_threadpool(lambda: fill_on_behalf(lifecycle, ident, answers=answers, base_revision=base,
                                                               actor=f"staff:{actor}"))
        return _json({"revision": saved.revision})

    @_refusals
    async def export(request: Request) -> Response:
        ident = organizer_id(request)
        data = await run_in_threadpool(export_zip, lifecycle, ident)
        return Response(data, media_type="application/zip", headers={
            **NO_STORE, "content-disposition": f'attachment; filename="organizer-{ident}.zip"'})

    @_refusals
    async def answers(request: Request) -> Response:
        template_id, query = request.path_params["template_id"], request.query_params
        chosen = query.get("format", "csv")
        if chosen not in FORMATS:
            raise HTTPRefusal(400, "bad-query", "`format` is csv or xlsx")
        data = await run_in_threadpool(partial(export_answers, lifecycle, template_id, format=chosen,
                                               period=query.get("period"), repeat=query.get("repeat")))
        name = f"{template_id}-{query.get('repeat') or 'answers'}.{chosen}"
        return Response(data, media_type=FORMATS[chosen], headers={
            **NO_STORE, "content-disposition": f'attachment; filename="{name}"'})

    return [
        Route("/lifecycle/clients", clients_route, methods=["GET", "POST"]),
        Route("/lifecycle/clients/{client_id}/todo", client_todo, methods=["GET"]),
        Route("/lifecycle/organizers", list_organizers, methods=["GET"]),
        Route("/lifecycle/send", send_organizers, methods=["POST"]),
        Route("/lifecycle/organizers/{organizer_id}/resend", resend_organizer, methods=["POST"]),
        Route("/lifecycle/organizers/{organizer_id}/reminders", reminders_route, methods=["GET", "PUT"]),
        Route("/lifecycle/organizers/{organizer_id}/on-behalf", on_behalf, methods=["PUT"]),
        Route("/lifecycle/organizers/{organizer_id}/export", export, methods=["GET"]),
        Route("/lifecycle/templates/{template_id}/answers", answers, methods=["GET"]),
        *(Route(f"/lifecycle/organizers/{{organizer_id}}/{name}", firm_move(name), methods=["POST"])
          for name in MOVES),
    ]
