"""Who hears about an organizer, and the outbox rows that tell them (inside the caller's transaction)."""

from __future__ import annotations

import sqlite3

from ..store import SQLiteStore
from .clients import firm as firm_settings
from .emails import enqueue, render


def notify_client(conn: sqlite3.Connection, store: SQLiteStore, organizer_id: str, kind: str, seq: int) -> bool:
    """Email an invite, resend or reminder to the client's contacts with notify on.

    Offline clients (not invited yet) get no email; False when nothing was queued."""
    row = conn.execute(
        "SELECT o.name, c.name, c.status, c.id FROM organizers o JOIN issued i ON i.organizer_id = o.id"
        " JOIN clients c ON c.id = i.client_id WHERE o.id = ?", (organizer_id,)).fetchone()
    if row is None or row[2] != "active":
        return False
    organizer, client_name, _, client_id = row
    recipients = [(r[0], r[1]) for r in conn.execute(
        "SELECT name, email FROM contacts WHERE client_id = ? AND notify = 1 ORDER BY rowid", (client_id,))]
    firm = firm_settings(store)
    email = render(kind, firm, organizer=organizer, organizer_id=organizer_id, client_name=client_name)
    return enqueue(conn, firm, organizer_id=organizer_id, kind=kind, seq=seq, recipients=recipients, email=email,
                   now=store.now())


def notify_firm(conn: sqlite3.Connection, store: SQLiteStore, organizer_id: str, seq: int, *,
                actor: str, on_behalf: bool) -> bool:
    """Email the firm that a client submitted (the `seq`-th submission of this organizer)."""
    row = conn.execute("SELECT o.name, c.name FROM organizers o JOIN issued i ON i.organizer_id = o.id"
                       " JOIN clients c ON c.id = i.client_id WHERE o.id = ?", (organizer_id,)).fetchone()
    if row is None:
        return False
    firm = firm_settings(store)
    email = render("submitted", firm, organizer=row[0], organizer_id=organizer_id, client_name=row[1],
                   on_behalf=on_behalf, actor=actor)
    return enqueue(conn, firm, organizer_id=organizer_id, kind="submitted", seq=seq,
                   recipients=[(firm.name, firm.email)], email=email, now=store.now())
