"""The outbox's state machine: pending -> sending (claimed, leased) -> sent | failed, or back to
pending with a later `not_before` after a temporary failure.

A dispatcher claims a few rows at a time under `BEGIN IMMEDIATE`, marking them with its own token
and a lease, and the first of them as `attempting`. Each row's outcome is committed on its own, in
a transaction that also renews the lease of the rows the dispatcher still holds, marks the next
one `attempting` and tells the dispatcher which rows it still holds, so it never sends a row that
another one has claimed in the meantime. A row left in `sending` by a dispatcher that died is
claimed again once its lease runs out. If it was the one being attempted, the dead dispatcher may
have crashed after the server's 250 and before committing `sent`: the claim counts it as
`in_doubt` and it goes out again with the same Message-ID (the one window in which a duplicate is
possible; at most one row per dead dispatcher).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from ..store import SQLiteStore
from ..store.sqlite import timestamp

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
    in_doubt: bool  # a dispatcher died attempting it: it may have been delivered already


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one row: `sent`, `failed`, or `pending` again after `retry_after`."""

    state: str
    reason: str | None = None
    retry_after: timedelta | None = None


def claim(store: SQLiteStore, owner: str, limit: int, lease: timedelta) -> list[Outgoing]:
    """Lease up to `limit` ready rows to `owner`: pending and due, or sending with an expired lease."""
    now = store.clock()
    stamp = timestamp(now)
    with store.transaction() as conn:
        ready = dict(conn.execute(
            "SELECT id, state = 'sending' AND attempting = 1 FROM outbox WHERE (state = 'pending' AND not_before <= ?)"
            " OR (state = 'sending' AND lease_until <= ?) ORDER BY id LIMIT ?", (stamp, stamp, limit)).fetchall())
        rows = conn.execute(
            "UPDATE outbox SET in_doubt = in_doubt + (state = 'sending' AND attempting = 1), state = 'sending',"
            f" attempts = attempts + 1, lease_until = ?, claimed_by = ?, attempting = (id = ?)"
            f" WHERE id IN ({', '.join('?' * len(ready))})"
            " RETURNING id, organizer_id, kind, seq, message_id, sender, recipients, subject, text_body, html_body,"
            " attempts", (timestamp(now + lease), owner, min(ready, default=None), *ready)).fetchall()
    rows.sort(key=lambda r: r[0])
    return [Outgoing(id=r[0], organizer_id=r[1], kind=r[2], seq=r[3], message_id=r[4], sender=tuple(json.loads(r[5])),
                     recipients=[tuple(x) for x in json.loads(r[6])], subject=r[7], text=r[8], html=r[9],
                     attempts=r[10], in_doubt=bool(ready[r[0]])) for r in rows]


def settle(store: SQLiteStore, owner: str, row: Outgoing, outcome: Outcome, holding: Collection[int],
           lease: timedelta) -> set[int]:
    """Record a row's outcome (if `owner` still holds it), renew the lease of the rows in `holding`
    and mark the first of them `attempting`; returns those `owner` still holds."""
    now = store.clock()
    state, reason = outcome.state, outcome.reason
    if state == "pending" and row.attempts >= MAX_ATTEMPTS:
        state, reason = "failed", f"gave up after {row.attempts} attempts: {reason}"
    not_before = timestamp(now + outcome.retry_after) if outcome.retry_after is not None else None
    with store.transaction() as conn:
        conn.execute(
            "UPDATE outbox SET state = ?, reason = ?, lease_until = NULL, claimed_by = NULL, attempting = 0,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, not_before = coalesce(?, not_before)"
            " WHERE id = ? AND state = 'sending' AND claimed_by = ?",
            (state, None if reason is None else reason[:1000], state, timestamp(now), not_before, row.id, owner))
        mine = f"id IN ({', '.join('?' * len(holding))}) AND state = 'sending' AND claimed_by = ?"
        held = conn.execute(
            f"UPDATE outbox SET lease_until = ?, attempting = (id = (SELECT min(id) FROM outbox WHERE {mine}))"
            f" WHERE {mine} RETURNING id", (timestamp(now + lease), *holding, owner, *holding, owner)).fetchall()
    return {r[0] for r in held}


def release(store: SQLiteStore, owner: str, rows: Collection[int]) -> None:
    """Give claimed rows back untried: pending again, the claim's attempt not counted."""
    with store.transaction() as conn:
        conn.execute(f"UPDATE outbox SET state = 'pending', attempts = attempts - 1, lease_until = NULL,"
                     f" claimed_by = NULL, attempting = 0 WHERE id IN ({', '.join('?' * len(rows))})"
                     " AND state = 'sending' AND claimed_by = ?", (*rows, owner))


def backoff(attempts: int, jitter: float) -> timedelta:
    """The wait before attempt `attempts + 1`: 30 s doubling per attempt, capped at 2 h, times
    `jitter` (drawn from [0.5, 1])."""
    wait: timedelta = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1))
    return wait * jitter


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    sending: int
    sent: int
    failed: int
    in_doubt: int  # claims of rows a dispatcher died attempting


def counts(store: SQLiteStore) -> OutboxCounts:
    by_state = dict(store.connection().execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    in_doubt = store.connection().execute("SELECT coalesce(sum(in_doubt), 0) FROM outbox").fetchone()[0]
    return OutboxCounts(by_state.get("pending", 0), by_state.get("sending", 0), by_state.get("sent", 0),
                        by_state.get("failed", 0), in_doubt)
