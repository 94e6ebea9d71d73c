"""L1/L5: a whole season for 200 clients, checked message by message against the rules, also
with dispatchers SIGKILLed right after the server accepted a message."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from organizer.runtime.lifecycle import jobs
from organizer.runtime.lifecycle.dispatch import Dispatcher
from organizer.runtime.lifecycle.export import seal, verify
from organizer.runtime.lifecycle.outbox import counts
from organizer.runtime.lifecycle.reminders import run
from organizer.runtime.lifecycle.states import move, todo
from organizer.runtime.store import SQLiteStore

from .season import DAY, TICK, Season
from .support import Clock, Sink

SIZE = 1000 if os.environ.get("LIFECYCLE_EXTENDED") else 200
ROOT = Path(__file__).resolve().parents[2]
Deliver = Callable[[Season, Sink], None]


def _in_process(season: Season, sink: Sink) -> None:
    Dispatcher(season.store, sink.server).run()


def _play(season: Season, sink: Sink, days: int, deliver: Deliver = _in_process) -> None:
    end = season.clock.now + days * DAY
    while season.clock.now < end:
        season.clock.advance(seconds=TICK.total_seconds())
        while season.events and season.events[0][0] <= season.clock.now:
            _, n, what = season.events.pop(0)
            season.apply(n, what)
        run(season.store)
        deliver(season, sink)
        season.expected.tick(season.clock.now)


@dataclass
class KilledDispatchers:
    """Delivers some ticks' emails with `organizer outbox send` in another process, SIGKILLed
    once the server has accepted its k-th message (before the 250 reaches it); a dispatcher
    started after the lease ran out finishes the job."""

    kills_wanted: int
    rng: random.Random = field(default_factory=lambda: random.Random(3))
    kills: int = 0

    def __call__(self, season: Season, sink: Sink) -> None:
        pending = counts(season.store).pending
        if self.kills >= self.kills_wanted or pending < 5 or self.rng.random() < 0.5:
            _in_process(season, sink)
            return
        left = [self.rng.randrange(1, pending)]
        process = subprocess.Popen(
            [sys.executable, "-m", "organizer", "outbox", "send", "--now", season.clock.now.isoformat(),
             "--smtp", f"127.0.0.1:{sink.server.port}", "--store", str(season.store.path)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def kill_at_kth(_: object) -> None:
            left[0] -= 1
            if left[0] == 0:
                os.kill(process.pid, signal.SIGKILL)

        sink.on_accept = kill_at_kth
        _, err = process.communicate(timeout=120)
        sink.on_accept = None
        assert b"Traceback" not in err
        self.kills += process.returncode == -signal.SIGKILL
        now = season.clock.now
        season.clock.now = now + timedelta(minutes=6)  # past the dead dispatcher's lease
        _in_process(season, sink)
        season.clock.now = now


def _check_season(season: Season, sink: Sink) -> tuple[dict[str, frozenset[str]], int]:
    for organizer_id, model in season.expected.organizers.items():
        if model.state == "submitted":
            seal(season.store, organizer_id, actor="staff")
            move(season.store, organizer_id, "archive", actor="staff")
            assert verify(season.store, organizer_id) == []
    _play(season, sink, days=14)  # nothing more for sealed and archived organizers; limits hold
    delivered = sink.by_id()
    assert {k: frozenset(v[0].recipients) for k, v in delivered.items()} == season.expected.emails
    return season.expected.emails, sum(len(v) - 1 for v in delivered.values())


def test_every_client_gets_exactly_the_emails_the_rules_say(store: SQLiteStore, clock: Clock, version: str,
                                                            sink: Sink) -> None:
    season = Season(store, clock, version, SIZE)
    season.setup()
    season.send_all()
    Dispatcher(store, sink.server).run()
    _play(season, sink, days=21)

    expected, duplicates = _check_season(season, sink)
    assert duplicates == 0
    kinds = Counter(k.split("-")[1] for k in expected)
    assert kinds["invite"] > SIZE // 2 and kinds["reminder"] > SIZE // 4 and kinds["submitted"] > SIZE // 4
    assert kinds["resend"] > 0
    print(f"\nseason: {SIZE} clients, {len(expected)} emails expected, {len(sink.by_id())} delivered, "
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


def test_a_season_with_killed_dispatchers_loses_nothing(store: SQLiteStore, clock: Clock, version: str,
                                                         sink: Sink) -> None:
    season = Season(store, clock, version, SIZE, seed=99)
    season.setup()
    season.send_all()
    killer = KilledDispatchers(kills_wanted=8)
    killer(season, sink)
    _play(season, sink, days=21, deliver=killer)
    expected, duplicates = _check_season(season, sink)
    in_doubt = counts(store).in_doubt
    assert killer.kills >= 4 and duplicates <= in_doubt <= killer.kills
    assert counts(store).pending + counts(store).sending + counts(store).failed == 0
    print(f"\nseason with kills: {SIZE} clients, {killer.kills} kills, {len(expected)} emails expected, "
          f"{len(sink.by_id())} distinct delivered, {duplicates} duplicate deliveries, {in_doubt} in-doubt resends")
