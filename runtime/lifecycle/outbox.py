"""The outbox's state machine: pending -> sending (leased) -> sent | failed, or back to pending
with a later `not_before` after a temporary failure.

Claims run under `BEGIN IMMEDIATE`, so two dispatchers never hold the same row. A row left in
`sending` by a dispatcher that died is claimed again once its lease runs out; that dispatcher may
have crashed after the server's 250 and before marking the row sent, so the claim counts it as
`in_doubt` and the message goes out again with the same Message-ID (the one window in which a
duplicate is possible).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta

from ..store import SQLiteStore
from ..store.sqlite import timestamp
from .db import reader

LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outgoing:
    """A claimed outbox row, ready to compose and send."""

    id: int
    organizer_id: str
    kind: str
    seq: int
    message_id: str
    sender: tuple[str, str]
    recipients: list[tuple[str, str]]
    subject: str
    text: str
    html: str
    attempts: int   # including this one
    in_doubt: bool  # a dispatcher died holding it: it may have been delivered already


def claim(store: SQLiteStore, limit: int, lease: timedelta = LEASE) -> list[Outgoing]:
    """Lease up to `limit` rows that are ready: pending and due, or sending with an expired lease."""
    now = store.clock()
    stamp = timestamp(now)
    with store.transaction() as conn:
        rows = conn.execute(
            "UPDATE outbox SET in_doubt = in_doubt + (state = 'sending'), state = 'sending', attempts = attempts + 1,"
            " lease_until = ? WHERE id IN (SELECT id FROM outbox WHERE (state = 'pending' AND not_before <= ?)"
            " OR (state = 'sending' AND lease_until <= ?) ORDER BY id LIMIT ?)"
            " RETURNING id, organizer_id, kind, seq, message_id, sender, recipients, subject, text_body, html_body,"
            " attempts, state, lease_until, in_doubt",
            (timestamp(now + lease), stamp, stamp, limit)).fetchall()
    rows.sort(key=lambda r: r[0])
    return [Outgoing(id=r[0], organizer_id=r[1], kind=r[2], seq=r[3], message_id=r[4], sender=tuple(json.loads(r[5])),
                     recipients=[tuple(x) for x in json.loads(r[6])], subject=r[7], text=r[8], html=r[9],
                     attempts=r[10], in_doubt=r[13] > 0) for r in rows]


def mark_sent(store: SQLiteStore, row: Outgoing, note: str | None = None) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE outbox SET state = 'sent', sent_at = ?, lease_until = NULL, reason = ? WHERE id = ?"
                     " AND state = 'sending'", (store.now(), note, row.id))


def mark_failed(store: SQLiteStore, row: Outgoing, reason: str) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE outbox SET state = 'failed', lease_until = NULL, reason = ? WHERE id = ?"
                     " AND state = 'sending'", (reason[:1000], row.id))


def retry_later(store: SQLiteStore, row: Outgoing, reason: str, rng: random.Random) -> bool:
    """Back to pending after an exponential backoff with jitter; failed once the attempts run out.
    Returns True when it will be tried again."""
    if row.attempts >= MAX_ATTEMPTS:
        mark_failed(store, row, f"gave up after {row.attempts} attempts: {reason}")
        return False
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (row.attempts - 1)) * rng.uniform(0.5, 1.0)
    with store.transaction() as conn:
        conn.execute("UPDATE outbox SET state = 'pending', lease_until = NULL, not_before = ?, reason = ? WHERE id = ?"
                     " AND state = 'sending'", (timestamp(store.clock() + delay), reason[:1000], row.id))
    return True


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    sending: int
    sent: int
    failed: int
    in_doubt: int  # claims of rows a dispatcher died holding


def counts(store: SQLiteStore) -> OutboxCounts:
    by_state = dict(reader(store).execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    in_doubt = reader(store).execute("SELECT coalesce(sum(in_doubt), 0) FROM outbox").fetchone()[0]
    return OutboxCounts(by_state.get("pending", 0), by_state.get("sending", 0), by_state.get("sent", 0),
                        by_state.get("failed", 0), in_doubt)
