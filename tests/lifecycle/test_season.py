"""L1/L5: a whole season for 200 clients, checked message by message against the rules."""

from __future__ import annotations

import os
from collections import Counter

from organizer.runtime.lifecycle import jobs
from organizer.runtime.lifecycle.dispatch import Dispatcher
from organizer.runtime.lifecycle.export import seal, verify
from organizer.runtime.lifecycle.reminders import run
from organizer.runtime.lifecycle.states import move, todo
from organizer.runtime.store import SQLiteStore

from .season import DAY, TICK, Season
from .support import Clock, Sink

SIZE = 1000 if os.environ.get("LIFECYCLE_EXTENDED") else 200


def _play(season: Season, sink: Sink, days: int) -> None:
    end = season.clock.now + days * DAY
    while season.clock.now < end:
        season.clock.advance(seconds=TICK.total_seconds())
        while season.events and season.events[0][0] <= season.clock.now:
            _, n, what = season.events.pop(0)
            season.apply(n, what)
        run(season.store)
        Dispatcher(season.store, sink.server).run()
        season.expected.tick(season.clock.now)


def test_every_client_gets_exactly_the_emails_the_rules_say(store: SQLiteStore, clock: Clock, version: str,
                                                            sink: Sink) -> None:
    season = Season(store, clock, version, SIZE)
    season.setup()
    season.send_all()
    Dispatcher(store, sink.server).run()
    _play(season, sink, days=21)

    for organizer_id, model in season.expected.organizers.items():
        if model.state == "submitted":
            seal(store, organizer_id, actor="staff")
            move(store, organizer_id, "archive", actor="staff")
            assert verify(store, organizer_id) == []
    _play(season, sink, days=14)  # nothing more for sealed and archived organizers; limits hold

    delivered = sink.by_id()
    expected = season.expected.emails
    assert {k: frozenset(v[0].recipients) for k, v in delivered.items()} == expected
    assert [k for k, v in delivered.items() if len(v) > 1] == []
    kinds = Counter(k.split("-")[1] for k in expected)
    assert kinds["invite"] > SIZE // 2 and kinds["reminder"] > SIZE // 4 and kinds["submitted"] > SIZE // 4
    assert kinds["resend"] > 0
    print(f"\nseason: {SIZE} clients, {len(expected)} emails expected, {len(delivered)} delivered, "
          f"0 duplicates, by kind {dict(kinds)}")

    for n, organizer_id in season.organizer_of.items():
        state = season.expected.organizers[organizer_id].state
        listed = [item.organizer.id for item in todo(store, season.client_id(n))]
        assert listed == ([organizer_id] if state in ("pending", "in_progress") else [])
        if n >= SIZE * 3 // 4 and n < SIZE - 1:
            job = jobs.job(store, f"job{n}")
            submitted = season.expected.organizers[organizer_id].submits > 0
            assert job.stage_id in (("season:3",) if submitted and not job.archived else
                                    ("season:2", "season:3") if submitted else ("season:2",))


def test_a_run_days_late_sends_one_reminder_per_organizer(store: SQLiteStore, clock: Clock, version: str,
                                                          sink: Sink) -> None:
    season = Season(store, clock, version, 20)
    season.setup()
    season.events.clear()
    season.send_all()
    clock.advance(days=10)
    run(store)
    run(store)
    Dispatcher(store, sink.server).run()
    season.expected.tick(clock.now)
    assert {k for k in sink.by_id() if "-reminder-" in k} == {k for k in season.expected.emails if "-reminder-" in k}
    assert all("-reminder-1@" in k for k in sink.by_id() if "-reminder-" in k)
