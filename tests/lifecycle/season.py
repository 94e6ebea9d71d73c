"""A simulated tax season: clients, contacts, a bulk send, a pipeline automation, clients who
answer promptly, slowly or never, staff resends and setting changes, cron ticks of `reminders run`.

`Season` drives the product; `Expected` is an independent model of the rules that derives, tick
by tick, every email each client and the firm must get.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from organizer.runtime.lifecycle import jobs
from organizer.runtime.lifecycle.clients import put_client, put_contact, set_status
from organizer.runtime.lifecycle.records import (
    Automation,
    Client,
    Contact,
    ReminderSettings,
)
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.lifecycle.states import move, resend, set_reminders, submit
from organizer.runtime.store import SQLiteStore

from .support import Clock

FIRM = "office@miller.example"
HOST = "miller.example"
TICK = timedelta(hours=6)
DAY = timedelta(days=1)


@dataclass
class Model:
    """What the rules need to know about one organizer."""

    client: str
    recipients: frozenset[str]
    active: bool
    notified: datetime
    activity: datetime | None = None
    state: str = "pending"
    on: bool = True
    days: int = 3
    limit: int = 2
    reminders: int = 0
    resends: int = 0
    submits: int = 0
    job_archived: bool = False


@dataclass
class Expected:
    """The emails the rules say must go out: Message-ID -> recipients."""

    organizers: dict[str, Model] = field(default_factory=dict)
    emails: dict[str, frozenset[str]] = field(default_factory=dict)

    def email(self, organizer_id: str, kind: str, seq: int, recipients: frozenset[str]) -> None:
        if recipients:
            self.emails[f"<{organizer_id}-{kind}-{seq}@{HOST}>"] = recipients

    def sent(self, organizer_id: str, model: Model) -> None:
        self.organizers[organizer_id] = model
        if model.active:
            self.email(organizer_id, "invite", 1, model.recipients)

    def tick(self, now: datetime) -> None:
        for organizer_id, m in self.organizers.items():
            anchor = max(m.notified, m.activity or m.notified)
            if (m.state in ("pending", "in_progress") and m.active and m.on and m.reminders < m.limit
                    and not m.job_archived and now - anchor >= timedelta(hours=24 * m.days)):
                m.reminders += 1
                m.notified = now
                self.email(organizer_id, "reminder", m.reminders, m.recipients)


@dataclass
class Season:
    """The product side of the simulation, for `size` clients."""

    store: SQLiteStore
    clock: Clock
    version: str
    size: int
    seed: int = 2027
    expected: Expected = field(default_factory=Expected)
    events: list[tuple[datetime, int, str]] = field(default_factory=list)  # (when, client, what)
    organizer_of: dict[int, str] = field(default_factory=dict)

    def setup(self) -> None:
        rng = random.Random(self.seed)
        start = self.clock.now
        for n in range(self.size):
            put_client(self.store, Client(id=f"c{n:04d}", name=f"Client {n}", first_name=f"First {n}",
                                          email=f"c{n}@clients.example", status="offline" if n % 20 == 3 else "active"),
                       notify=n % 13 != 5)
            if n % 7 == 0:
                put_contact(self.store, Contact(f"c{n:04d}", f"spouse{n}@clients.example", f"Spouse {n}", True))
            if n % 11 == 0:
                put_contact(self.store, Contact(f"c{n:04d}", f"bookkeeper{n}@clients.example", "Quiet", False))
            self._plan(n, rng, start)
        self.events.sort()

    def _plan(self, n: int, rng: random.Random, start: datetime) -> None:
        at = lambda days: start + timedelta(days=days, minutes=rng.randrange(1, 300))
        behaviour = rng.choice(["prompt", "slow", "never", "saver", "late"])
        plans = {"prompt": [(0.5, "save"), (1, "submit")], "slow": [(5, "save"), (11, "submit")], "never": [],
                 "saver": [(2, "save"), (7, "save")], "late": [(15, "submit")]}
        self.events += [(at(day), n, what) for day, what in plans[behaviour]]
        if n % 17 == 0:
            self.events.append((at(1), n, "reminders-off"))
        if n % 19 == 0:
            self.events.append((at(1), n, "reminders-daily"))
        if n % 23 == 0:
            self.events.append((at(4), n, "resend"))
        if n % 20 == 3 and n % 40 == 3:
            self.events.append((at(8), n, "activate"))
        if n == 1:
            self.events += [(start + timedelta(days=3), n, "unsubmit"), (start + timedelta(days=4), n, "submit")]
        if self._by_job(n) and n % 5 == 0:
            self.events.append((at(2), n, "archive-job"))

    def _by_job(self, n: int) -> bool:
        return n >= self.size * 3 // 4

    def client_id(self, n: int) -> str:
        return f"c{n:04d}"

    def send_all(self) -> None:
        bulk = [n for n in range(self.size) if not self._by_job(n)]
        sent = send(self.store, Sending(template_version=self.version), [self.client_id(n) for n in bulk])
        for n, item in zip(bulk, sent):
            self._issued(n, item.organizer_id)
        stages = jobs.add_pipeline(self.store, "season", "Tax season", ["Intake", "Organizer", "Preparation"])
        jobs.add_automation(self.store, Automation(id="organizer", stage_id=stages[1], template_version=self.version))
        for n in range(self.size):
            if not self._by_job(n):
                continue
            jobs.add_job(self.store, f"job{n}", self.client_id(n), "2027 return", "season")
            jobs.move_job(self.store, f"job{n}", stages[0])
            skip = ("organizer",) if n == self.size - 1 else ()
            jobs.move_job(self.store, f"job{n}", stages[1], skip=skip)
            if n % 3 == 0 and not skip:
                jobs.move_job(self.store, f"job{n}", stages[1])  # again: still one organizer
            found = self.store.organizers(client_id=self.client_id(n))
            assert len(found) == (0 if skip else 1)
            if found:
                self._issued(n, found[0].id)

    def _issued(self, n: int, organizer_id: str) -> None:
        recipients = {f"c{n}@clients.example"} if n % 13 != 5 else set()
        if n % 7 == 0:
            recipients.add(f"spouse{n}@clients.example")
        self.organizer_of[n] = organizer_id
        self.expected.sent(organizer_id, Model(self.client_id(n), frozenset(recipients), n % 20 != 3, self.clock.now))

    def apply(self, n: int, what: str) -> None:
        organizer_id = self.organizer_of.get(n)
        if organizer_id is None:
            return
        m = self.expected.organizers[organizer_id]
        now = self.clock.now
        is_open = m.state in ("pending", "in_progress")
        if what == "save" and is_open:
            draft = self.store.draft(organizer_id)
            self.store.save(organizer_id, base_revision=draft.revision, answers={**draft.answers, "moved": False})
            m.state, m.activity = "in_progress", now
        elif what == "submit" and is_open:
            draft = self.store.draft(organizer_id)
            submit(self.store, organizer_id, answers={"first_name": "Ann", "moved": True},
                   base_revision=draft.revision)
            m.state, m.submits = "submitted", m.submits + 1
            self.expected.email(organizer_id, "submitted", m.submits, frozenset({FIRM}))
        elif what == "unsubmit" and m.state == "submitted":
            move(self.store, organizer_id, "unsubmit", actor="staff")
            m.state, m.notified = "in_progress", now
        elif what == "reminders-off" and is_open:
            set_reminders(self.store, organizer_id, ReminderSettings(False, 3, 2))
            m.on = False
        elif what == "reminders-daily" and is_open:
            set_reminders(self.store, organizer_id, ReminderSettings(True, 1, 4))
            m.on, m.days, m.limit = True, 1, 4
        elif what == "resend" and is_open:
            m.resends = resend(self.store, organizer_id)
            m.notified = now
            if m.active:
                self.expected.email(organizer_id, "resend", m.resends, m.recipients)
        elif what == "activate":
            set_status(self.store, self.client_id(n), "active")
            m.active = True
        elif what == "archive-job":
            jobs.archive_job(self.store, f"job{n}")
            m.job_archived = True
