"""L2: time. The threshold is 3 × 24 h of elapsed time, so DST changes in the firm's zone move
nothing; leap days; New Year and `<<year>>` on the firm's clock; the exact boundary; a clock
that jumps backwards; a save restarts the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from organizer.runtime.lifecycle.clients import put_client, set_firm
from organizer.runtime.lifecycle.records import Client
from organizer.runtime.lifecycle.reminders import due, run
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.lifecycle.states import issued
from organizer.runtime.store import SQLiteStore

from .support import Clock

NEW_YORK = ZoneInfo("America/New_York")
TICK = timedelta(microseconds=1)


def _send_at(store: SQLiteStore, clock: Clock, version: str, moment: datetime) -> str:
    clock.now = moment
    put_client(store, Client(id="c", name="Client", email="c@clients.example"))
    return send(store, Sending(template_version=version), ["c"])[0].organizer_id


def _due_ids(store: SQLiteStore, moment: datetime) -> list[str]:
    return [organizer_id for organizer_id, _ in due(store.connection(), moment)]


@pytest.mark.parametrize("local_send", [
    datetime(2027, 3, 12, 12, 0, tzinfo=NEW_YORK),   # spring forward on 14 March: 72 h is 13:00 EDT
    datetime(2027, 11, 5, 12, 0, tzinfo=NEW_YORK),   # fall back on 7 November: 72 h is 11:00 EST
    datetime(2028, 2, 27, 10, 0, tzinfo=NEW_YORK),   # across the leap day 29 February
    datetime(2027, 2, 27, 10, 0, tzinfo=NEW_YORK),   # no leap day: 2 March
])
def test_a_reminder_is_due_exactly_72_hours_later(store: SQLiteStore, clock: Clock, version: str,
                                                  local_send: datetime) -> None:
    organizer_id = _send_at(store, clock, version, local_send.astimezone(UTC))
    boundary = local_send.astimezone(UTC) + timedelta(hours=72)
    assert _due_ids(store, boundary - TICK) == []
    assert _due_ids(store, boundary) == [organizer_id]


@pytest.mark.parametrize(("zone", "utc", "year"), [
    ("America/New_York", datetime(2028, 1, 1, 4, 30, tzinfo=UTC), 2027),  # 23:30 on 31 Dec in New York
    ("America/New_York", datetime(2028, 1, 1, 5, 30, tzinfo=UTC), 2028),  # 00:30 on 1 Jan
    ("Europe/Amsterdam", datetime(2027, 12, 31, 23, 30, tzinfo=UTC), 2028),  # 00:30 on 1 Jan
    ("Pacific/Kiritimati", datetime(2027, 12, 31, 10, 0, tzinfo=UTC), 2028),  # UTC+14
])
def test_year_and_period_follow_the_firms_clock_at_new_year(store: SQLiteStore, clock: Clock, version: str,
                                                            zone: str, utc: datetime, year: int) -> None:
    set_firm(store, timezone=zone)
    organizer_id = _send_at(store, clock, version, utc)
    assert store.organizer(organizer_id).name == f"{year} Tax Organizer for Client"
    assert issued(store, organizer_id).period == str(year)


def test_each_new_year_gets_its_own_organizer(store: SQLiteStore, clock: Clock, version: str) -> None:
    first = _send_at(store, clock, version, datetime(2028, 1, 1, 4, 30, tzinfo=UTC))
    clock.now += timedelta(hours=1)
    second = send(store, Sending(template_version=version), ["c"])[0].organizer_id
    clock.now += timedelta(hours=1)
    third = send(store, Sending(template_version=version), ["c"])[0].organizer_id
    assert first != second == third


def test_a_clock_that_jumps_back_sends_nothing_twice(store: SQLiteStore, clock: Clock, version: str) -> None:
    start = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    organizer_id = _send_at(store, clock, version, start)
    clock.now = start + timedelta(days=4)
    assert run(store).queued == 1
    for back in (1, 4, 6):
        clock.now = start + timedelta(days=back)
        assert run(store).queued == 0
    clock.now = start + timedelta(days=7)
    assert run(store).queued == 1  # the template's limit is 2
    clock.now = start + timedelta(days=30)
    assert run(store).queued == 0
    kinds = store.connection().execute("SELECT kind, seq FROM outbox WHERE organizer_id = ? ORDER BY id",
                                  (organizer_id,)).fetchall()
    assert kinds == [("invite", 1), ("reminder", 1), ("reminder", 2)]


def test_a_save_restarts_the_count_but_a_save_on_behalf_does_not(store: SQLiteStore, clock: Clock,
                                                                 version: str) -> None:
    start = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    organizer_id = _send_at(store, clock, version, start)
    clock.now = start + timedelta(days=2)
    store.save(organizer_id, base_revision=store.draft(organizer_id).revision, answers={"moved": True})
    assert _due_ids(store, start + timedelta(days=3)) == []
    assert _due_ids(store, start + timedelta(days=5)) == [organizer_id]
    clock.now = start + timedelta(days=4)
    store.save(organizer_id, base_revision=store.draft(organizer_id).revision, answers={"moved": False},
               actor="staff:ann", on_behalf=True)
    assert _due_ids(store, start + timedelta(days=5)) == [organizer_id]
