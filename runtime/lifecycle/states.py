"""Organizer states seen from the lifecycle: submit (the firm is told, jobs move on), the firm's
moves, resends, reminder settings, filling in on a client's behalf, and the lists staff and
clients see."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from ..store import OPEN_STATES, NotAllowed, Organizer, Saved, SQLiteStore
from .clients import client as load_client
from .clients import firm as firm_settings
from .jobs import advance_jobs
from .names import context
from .notify import notify_client, notify_firm
from .records import Issued, LifecycleError, ReminderSettings, Unknown
from .templates import pinned

_ISSUED_COLUMNS = ("organizer_id, template_id, client_id, period, reminders_on, reminder_days, reminder_limit,"
                   " reminders_sent, resends, notified_at")


def _issued(row: tuple[Any, ...]) -> Issued:
    return Issued(organizer_id=row[0], template_id=row[1], client_id=row[2], period=row[3],
                  reminders=ReminderSettings(bool(row[4]), row[5], row[6]), reminders_sent=row[7], resends=row[8],
                  notified_at=row[9])


def issued(store: SQLiteStore, organizer_id: str) -> Issued:
    row = store.connection().execute(f"SELECT {_ISSUED_COLUMNS} FROM issued WHERE organizer_id = ?",
                                (organizer_id,)).fetchone()
    if row is None:
        raise Unknown(f"no organizer {organizer_id!r} was sent to a client")
    return _issued(row)


def organizer_context(store: SQLiteStore, organizer_id: str) -> dict[str, Any]:
    """The context an organizer is evaluated with: its client, the firm, its period's year."""
    sent = issued(store, organizer_id)
    year = int(sent.period) if sent.period.isdigit() else None
    return context(firm_settings(store), load_client(store, sent.client_id), store.clock(), year)


def submit(store: SQLiteStore, organizer_id: str, *, answers: dict[str, Any], base_revision: int | None,
           actor: str = "client", on_behalf: bool = False) -> Saved:
    """Validate and submit; in the same transaction the firm's email is queued and jobs move on."""
    organizer = store.organizer(organizer_id)
    template = pinned(store, organizer.template_version)
    values = organizer_context(store, organizer_id)
    submission = template.submission(answers, values)
    problems = [p.to_json() for p in template.validate(submission, draft=False, context=values)]
    with store.transaction() as conn:
        saved = store.submit(organizer_id, base_revision=base_revision, answers=submission, problems=problems,
                             actor=actor, on_behalf=on_behalf)
        record_submissions(store, conn, organizer_id)
    return saved


def record_submissions(store: SQLiteStore, conn: sqlite3.Connection, organizer_id: str) -> int:
    """Notify the firm of every submission of this organizer not notified yet (also those made
    through the store directly), and move its jobs on; returns how many were new."""
    submits = conn.execute("SELECT actor, on_behalf FROM history WHERE organizer_id = ? AND kind = 'submit'"
                           " ORDER BY seq", (organizer_id,)).fetchall()
    seen = conn.execute("SELECT submits_seen FROM issued WHERE organizer_id = ?", (organizer_id,)).fetchone()
    if seen is None or seen[0] >= len(submits):
        return 0
    for seq in range(seen[0] + 1, len(submits) + 1):
        actor, on_behalf = submits[seq - 1]
        notify_firm(conn, store, organizer_id, seq, actor=actor, on_behalf=bool(on_behalf))
    conn.execute("UPDATE issued SET submits_seen = ? WHERE organizer_id = ?", (len(submits), organizer_id))
    if store.organizer(organizer_id).state == "submitted":
        advance_jobs(store, conn, organizer_id)
    return len(submits) - int(seen[0])


def fill_on_behalf(store: SQLiteStore, organizer_id: str, *, answers: dict[str, Any], base_revision: int | None,
                   actor: str) -> Saved:
    """Staff saving answers for the client; the history records it as on their behalf."""
    return store.save(organizer_id, base_revision=base_revision, answers=answers, actor=actor, on_behalf=True)


def move(store: SQLiteStore, organizer_id: str, name: str, *, actor: str) -> Organizer:
    """`unsubmit` (back at the top of the client's to-do list), `archive` or `delete`; `seal` is in export."""
    if name == "seal":
        raise LifecycleError("seal with export.seal, which records what was sealed")
    with store.transaction() as conn:
        moved = store.move(organizer_id, name, actor=actor)
        if name == "unsubmit":
            conn.execute("UPDATE issued SET notified_at = ? WHERE organizer_id = ?", (store.now(), organizer_id))
    return moved


def resend(store: SQLiteStore, organizer_id: str) -> int:
    """Email the organizer again and put it at the top of the client's to-do list; returns the
    resend's number."""
    with store.transaction() as conn:
        state = store.organizer(organizer_id).state
        if state not in OPEN_STATES:
            raise NotAllowed("resend", state)
        count = issued(store, organizer_id).resends + 1
        conn.execute("UPDATE issued SET resends = ?, notified_at = ? WHERE organizer_id = ?",
                     (count, store.now(), organizer_id))
        notify_client(conn, store, organizer_id, "resend", count)
        store.log(organizer_id, "resend", actor="staff", details=[str(count)])
    return count


def set_reminders(store: SQLiteStore, organizer_id: str, settings: ReminderSettings) -> Issued:
    """Switch automatic reminders on or off or change them, while the organizer is open."""
    with store.transaction() as conn:
        state = store.organizer(organizer_id).state
        if state not in OPEN_STATES:
            raise NotAllowed("change the reminders of", state)
        issued(store, organizer_id)
        conn.execute("UPDATE issued SET reminders_on = ?, reminder_days = ?, reminder_limit = ? WHERE organizer_id = ?",
                     (int(settings.enabled), settings.days, settings.limit, organizer_id))
        store.log(organizer_id, "reminders", actor="staff", details=[
            "on" if settings.enabled else "off", f"after {settings.days} days", f"limit {settings.limit}"])
    return issued(store, organizer_id)


@dataclass(frozen=True, slots=True)
class Listed:
    """An organizer in a list: the store's record and the lifecycle's."""

    organizer: Organizer
    issued: Issued


def _listed(store: SQLiteStore, where: str, args: tuple[Any, ...]) -> list[Listed]:
    rows = store.connection().execute(
        f"SELECT {', '.join('i.' + c.strip() for c in _ISSUED_COLUMNS.split(','))} FROM issued i"
        f" JOIN organizers o ON o.id = i.organizer_id WHERE {where} ORDER BY i.notified_at DESC, o.created_at DESC,"
        " o.id", args).fetchall()
    return [Listed(store.organizer(row[0]), _issued(row)) for row in rows]


def todo(store: SQLiteStore, client_id: str) -> list[Listed]:
    """The client's to-do list: open organizers, the most recently sent, resent or reminded first."""
    return _listed(store, "i.client_id = ? AND o.state IN ('pending', 'in_progress')", (client_id,))


def organizers(store: SQLiteStore, *, client_id: str | None = None, template_id: str | None = None,
               states: tuple[str, ...] = ()) -> list[Listed]:
    """Staff's list: every organizer sent (of one client, of one template, in some states), most
    recently notified first."""
    where, args = ["1"], []
    if client_id is not None:
        where.append("i.client_id = ?")
        args.append(client_id)
    if template_id is not None:
        where.append("i.template_id = ?")
        args.append(template_id)
    if states:
        where.append(f"o.state IN ({', '.join('?' * len(states))})")
        args += states
    return _listed(store, " AND ".join(where), tuple(args))
