"""Automatic reminders: who is due at a moment, and a run that queues each due reminder once.

Rule: an open organizer of an active client gets reminder n + 1 (n reminders so far, n < limit)
once `days` × 24 hours have passed since its last activity: the later of the last time it was
sent, resent or reminded and the client's last save or upload (not staff's saves on their behalf).
Hours are elapsed time, so daylight-saving changes in the firm's time zone move nothing.
Reminders stop when the organizer is submitted, sealed, archived or deleted, when the limit is
reached, when they are switched off, and when a job it is linked to is archived.

A run is safe to start from cron, twice at once, or again after a crash: due organizers are
re-checked inside the transaction that queues their reminder, the outbox key (organizer,
'reminder', n) is unique, and queuing a reminder counts as activity, so a run that comes days
late sends one reminder per organizer, not one for every missed day.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..store import SQLiteStore
from ..store.sqlite import timestamp
from .notify import notify_client
from .states import record_submissions

BATCH = 500

_DUE = """
SELECT i.organizer_id, i.reminder_days, i.reminders_sent, i.notified_at,
       (SELECT max(h.at) FROM history h WHERE h.organizer_id = i.organizer_id AND h.kind IN ('save', 'file')
        AND h.on_behalf = 0) AS active_at
FROM issued i JOIN organizers o ON o.id = i.organizer_id JOIN clients c ON c.id = i.client_id
WHERE i.reminders_on = 1 AND i.reminders_sent < i.reminder_limit AND o.state IN ('pending', 'in_progress')
  AND c.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM job_organizers jo JOIN jobs j ON j.id = jo.job_id
                  WHERE jo.organizer_id = i.organizer_id AND j.archived = 1)
"""


@dataclass(frozen=True, slots=True)
class RemindersRun:
    """What one run did."""

    due: int        # organizers found due
    queued: int     # reminders this run queued (others found them queued by a concurrent run)
    submissions: int  # submissions made through the store directly, now notified to the firm


def due(conn: sqlite3.Connection, now: datetime, among: list[str] | None = None) -> list[tuple[str, int]]:
    """(organizer id, next reminder number) of every organizer due at `now`."""
    query = _DUE
    args: tuple[str, ...] = ()
    if among is not None:
        query += f" AND i.organizer_id IN ({', '.join('?' * len(among))})"
        args = tuple(among)
    cutoffs: dict[int, str] = {}
    found = []
    for organizer_id, days, sent, notified_at, active_at in conn.execute(query, args):
        cutoff = cutoffs.get(days) or cutoffs.setdefault(days, timestamp(now - timedelta(hours=24 * days)))
        if max(notified_at, active_at or "") <= cutoff:
            found.append((organizer_id, sent + 1))
    return found


def run(store: SQLiteStore) -> RemindersRun:
    """Queue every reminder due at the store's clock, `BATCH` organizers per transaction."""
    submissions = _catch_up_submissions(store)
    now = store.clock()
    candidates = [organizer_id for organizer_id, _ in due(store.connection(), now)]
    queued = 0
    for start in range(0, len(candidates), BATCH):
        with store.transaction() as conn:
            stamp = store.now()
            for organizer_id, seq in due(conn, now, candidates[start:start + BATCH]):
                conn.execute("UPDATE issued SET reminders_sent = ?, notified_at = ? WHERE organizer_id = ?",
                             (seq, stamp, organizer_id))
                notify_client(conn, store, organizer_id, "reminder", seq)
                store.log(organizer_id, "reminder", actor="system", details=[str(seq)])
                queued += 1
    return RemindersRun(len(candidates), queued, submissions)


def _catch_up_submissions(store: SQLiteStore) -> int:
    rows = store.connection().execute(
        "SELECT i.organizer_id FROM issued i WHERE i.submits_seen < (SELECT count(*) FROM history h"
        " WHERE h.organizer_id = i.organizer_id AND h.kind = 'submit')").fetchall()
    count = 0
    for (organizer_id,) in rows:
        with store.transaction() as conn:
            count += record_submissions(store, conn, organizer_id)
    return count
