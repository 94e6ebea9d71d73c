"""L3 poison rows and header injection, L4 SMTP failure modes: every row ends sent or failed."""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from email.policy import SMTP as SMTP_POLICY

import pytest
from organizer.runtime.lifecycle.clients import put_client
from organizer.runtime.lifecycle.dispatch import Dispatcher, SMTPServer
from organizer.runtime.lifecycle.outbox import (
    MAX_ATTEMPTS,
    Outcome,
    claim,
    counts,
    settle,
)
from organizer.runtime.lifecycle.records import Client
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.store import SQLiteStore

from .support import Clock, Sink

POISON_SIZE = 1000 if os.environ.get("LIFECYCLE_EXTENDED") else 400
POISON_ADDRESSES = [
    "a@b.example\r\nBcc: victim@evil.example", "nul\x00@b.example", "<angle@b.example>", '"quoted"@b.example',
    "no-at-sign", "x" * 300 + "@b.example", "sp ace@b.example", "\u202eevil@b.example", "a@b.example\n", "",
]
HOSTILE_NAMES = [
    "Ann\r\nBcc: victim@evil.example", "Bob\x00Nul", '"Quoted" <x@evil.example>', "Zoë " + "ü" * 400,
    "Eve\u202egnp.exe", "=?utf-8?q?injected?=", "Line\u2028Separator", "<script>alert(1)</script>",
]


def test_poison_rows_fail_with_a_reason_and_the_rest_go_out(store: SQLiteStore, version: str, sink: Sink) -> None:
    size = POISON_SIZE
    poison = {n for n in range(size) if n % 20 == 7}
    for n in range(size):
        email = POISON_ADDRESSES[n % len(POISON_ADDRESSES)] if n in poison else f"c{n}@clients.example"
        put_client(store, Client(id=f"c{n}", name=HOSTILE_NAMES[n % len(HOSTILE_NAMES)], email=email or "x"))
    send(store, Sending(template_version=version, name="<<client.name>>: <<year>>"), [f"c{n}" for n in range(size)])
    report = Dispatcher(store, sink.server).run()

    assert (report.sent, report.failed, counts(store).failed) == (size - len(poison), len(poison), len(poison))
    reasons = store.connection().execute("SELECT reason FROM outbox WHERE state = 'failed'").fetchall()
    assert all(r[0].startswith("poison: no deliverable address") for r in reasons)
    assert len(sink.messages) == size - len(poison)
    for message in sink.messages:
        parsed = message_from_bytes(message.raw, policy=SMTP_POLICY)
        assert parsed["Bcc"] is None and "victim@evil.example" not in message.recipients
        assert "\n" not in str(parsed["Subject"]) and "\n" not in str(parsed["To"])
        assert len(message.recipients) == 1 and message.recipients[0].endswith("@clients.example")
    print(f"\npoison: {len(poison)} poison rows among {size}: {report.sent} delivered, {report.failed} failed with a"
          " reason, 0 dispatcher crashes")


def _terminal_after(store: SQLiteStore, clock: Clock, server: SMTPServer, rounds: int = 3 * MAX_ATTEMPTS) -> int:
    """Dispatch, let the backoff pass, again, until nothing is pending; returns the rounds used."""
    for used in range(1, rounds + 1):
        Dispatcher(store, server).run()
        if counts(store).pending + counts(store).sending == 0:
            return used
        clock.advance(hours=3)
    raise AssertionError("rows still pending: an endless retry")


def _one_client(store: SQLiteStore, version: str) -> str:
    put_client(store, Client(id="c", name="Client", email="c@clients.example"))
    return send(store, Sending(template_version=version), ["c"])[0].organizer_id


@pytest.mark.parametrize(("answer", "failures", "state"), [
    ("421 shutting down", 2, "sent"), ("451 try again", 3, "sent"), ("451 try again", 99, "failed"),
    ("550 no such user", 1, "failed"), ("554 rejected", 1, "failed"), ("drop", 2, "sent"),
])
def test_every_smtp_failure_mode_ends_sent_or_failed(store: SQLiteStore, clock: Clock, version: str, sink: Sink,
                                                     answer: str, failures: int, state: str) -> None:
    tries: Counter[str] = Counter()

    def policy(message_id: str) -> str | None:
        tries[message_id] += 1
        return answer if tries[message_id] <= failures else None

    sink.policy = policy
    _one_client(store, version)
    _terminal_after(store, clock, sink.server)
    row = store.connection().execute("SELECT state, attempts, reason FROM outbox").fetchone()
    assert row[0] == state
    assert len(sink.messages) == (1 if state == "sent" else 0)
    if answer.startswith("5"):
        assert row[1] == 1 and row[2].startswith(answer[:3])  # permanent: no retry loop
    if state == "failed" and answer.startswith("4"):
        assert row[1] == MAX_ATTEMPTS and row[2].startswith(f"gave up after {MAX_ATTEMPTS} attempts")


def test_a_stalled_server_times_out_and_the_row_is_retried(store: SQLiteStore, clock: Clock, version: str,
                                                            sink: Sink) -> None:
    stalled: Counter[str] = Counter()

    def policy(message_id: str) -> object:
        stalled[message_id] += 1
        return ("stall", 2.0) if stalled[message_id] == 1 else None

    sink.policy = policy
    _one_client(store, version)
    server = SMTPServer(sink.server.host, sink.server.port, timeout=0.5)
    assert _terminal_after(store, clock, server) >= 2
    assert store.connection().execute("SELECT state FROM outbox").fetchone()[0] == "sent"


def test_an_unreachable_server_stops_the_run_and_backs_off(store: SQLiteStore, clock: Clock, version: str) -> None:
    for n in range(25):
        put_client(store, Client(id=f"c{n}", name=f"Client {n}", email=f"c{n}@clients.example"))
    send(store, Sending(template_version=version), [f"c{n}" for n in range(25)])
    closed = SMTPServer("127.0.0.1", 1, timeout=1)
    waits = []
    for _ in range(4):
        report = Dispatcher(store, closed).run()
        assert report.unreachable and report.retried == 1
        rows = store.connection().execute("SELECT state, attempts, not_before FROM outbox ORDER BY id").fetchall()
        assert all(state == "pending" for state, _, _ in rows)
        waits.append(rows[0][2])
        assert [attempts for _, attempts, _ in rows[1:]] == [0] * 24  # given back untried
        clock.advance(hours=3)
    assert waits == sorted(waits) and len(set(waits)) == 4
    assert store.connection().execute("SELECT attempts FROM outbox ORDER BY id").fetchone()[0] == 4


def test_a_dispatcher_whose_lease_ran_out_sends_nothing_another_claimed(store: SQLiteStore, clock: Clock,
                                                                       version: str) -> None:
    for n in range(3):
        put_client(store, Client(id=f"c{n}", name=f"Client {n}", email=f"c{n}@clients.example"))
    send(store, Sending(template_version=version), ["c0", "c1", "c2"])
    lease = timedelta(seconds=60)
    slow = claim(store, "slow", 10, lease)
    clock.advance(seconds=61)
    fast = claim(store, "fast", 10, lease)
    assert [r.id for r in fast] == [r.id for r in slow]
    assert [r.in_doubt for r in fast] == [True, False, False]  # only the row being attempted
    held = settle(store, "slow", slow[0], Outcome("sent"), {r.id for r in slow[1:]}, lease)
    assert held == set()  # the slow one learns it holds nothing more
    assert store.connection().execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0] == 0
    assert settle(store, "fast", fast[0], Outcome("sent"), {r.id for r in fast[1:]}, lease) == {r.id for r in fast[1:]}
    assert counts(store).sent == 1 and counts(store).in_doubt == 1
