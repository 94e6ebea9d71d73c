"""Sending organizers to clients: one or many at once, idempotent per (template, client, period).

Each client's organizer is created, linked to its job and announced in one transaction, and
clients go in batches, so a bulk send that is killed half-way and run again picks up where it
stopped: the clients done already are found by their key and get no second organizer or email.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..store import SQLiteStore
from ..template import Template
from .clients import client as load_client
from .clients import firm as firm_settings
from .names import context, parse_name, render_name
from .notify import notify_client
from .records import (
    DEFAULT_REMINDER_DAYS,
    DEFAULT_REMINDER_LIMIT,
    ReminderSettings,
    Unknown,
)
from .templates import pinned

BATCH = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Sending:
    """What to send: a pinned template version, and optionally a name, a job, a period, reminders."""

    template_version: str
    name: str | None = None          # may hold shortcodes; default: the template's title
    job_id: str | None = None
    year: int | None = None          # `<<year>>`; default: the year on the firm's clock
    reminders: ReminderSettings | None = None
    actor: str = "staff"


@dataclass(frozen=True, slots=True)
class Sent:
    """One client's organizer: `created` False when the key found an earlier one."""

    client_id: str
    organizer_id: str
    created: bool


def template_reminders(template: Template) -> ReminderSettings:
    """A template's own reminder defaults (`reminders after N days limit N`), else the product's."""
    program = template.program
    return ReminderSettings(True, program.reminders_after_days or DEFAULT_REMINDER_DAYS,
                            DEFAULT_REMINDER_LIMIT if program.reminders_limit is None else program.reminders_limit)


def send(store: SQLiteStore, sending: Sending, client_ids: Sequence[str]) -> list[Sent]:
    """Send to every client (in order, duplicates ignored), `BATCH` clients per transaction."""
    template = pinned(store, sending.template_version)
    custom = parse_name(sending.name) if sending.name is not None else None
    unique = list(dict.fromkeys(client_ids))
    results: list[Sent] = []
    for start in range(0, len(unique), BATCH):
        with store.transaction() as conn:
            results += [_send_one(store, conn, template, custom, sending, client_id)
                        for client_id in unique[start:start + BATCH]]
    return results


def _send_one(store: SQLiteStore, conn: sqlite3.Connection, template: Template, custom: list[Any] | None,
              sending: Sending, client_id: str) -> Sent:
    client = load_client(store, client_id)
    moment: datetime = store.clock()
    values = context(firm_settings(store), client, moment, sending.year)
    period = str(values["year"])
    row = conn.execute("SELECT organizer_id FROM issued WHERE template_id = ? AND client_id = ? AND period = ?",
                       (template.id, client_id, period)).fetchone()
    if row is not None:
        link_job(conn, sending.job_id, row[0])
        return Sent(client_id, row[0], False)
    answers = template.prefill(values, previous_answers(conn, store, template.id, client_id, period))
    organizer = store.create_organizer(template_version=sending.template_version, client_id=client_id,
                                       name=render_name(template, custom, values), answers=answers,
                                       actor=sending.actor)
    reminders = sending.reminders or template_reminders(template)
    conn.execute("INSERT INTO issued (organizer_id, template_id, client_id, period, reminders_on, reminder_days,"
                 " reminder_limit, notified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (organizer.id, template.id, client_id, period, int(reminders.enabled), reminders.days,
                  reminders.limit, store.now()))
    link_job(conn, sending.job_id, organizer.id)
    notify_client(conn, store, organizer.id, "invite", 1)
    return Sent(client_id, organizer.id, True)


def previous_answers(conn: sqlite3.Connection, store: SQLiteStore, template_id: str, client_id: str,
                     period: str) -> dict[str, Any] | None:
    """The submission of the client's latest earlier organizer of the same template, if any."""
    row = conn.execute(
        "SELECT i.organizer_id FROM issued i JOIN organizers o ON o.id = i.organizer_id WHERE i.client_id = ?"
        " AND i.template_id = ? AND i.period < ? AND o.submission IS NOT NULL AND o.state != 'deleted'"
        " ORDER BY i.period DESC LIMIT 1", (client_id, template_id, period)).fetchone()
    return store.submission(row[0]) if row is not None else None


def link_job(conn: sqlite3.Connection, job_id: str | None, organizer_id: str) -> None:
    """Link an organizer to a job (in the job's current stage); nothing when there is no job."""
    if job_id is None:
        return
    job = conn.execute("SELECT stage_id, archived FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if job is None:
        raise Unknown(f"no job {job_id!r}")
    conn.execute("INSERT OR IGNORE INTO job_organizers VALUES (?, ?, ?)", (job_id, organizer_id, job[0]))
