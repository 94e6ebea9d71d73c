"""L6: random sequences of the lifecycle's actions keep its invariants."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from organizer.runtime.lifecycle import jobs
from organizer.runtime.lifecycle.clients import put_client
from organizer.runtime.lifecycle.export import seal
from organizer.runtime.lifecycle.records import Automation, Client
from organizer.runtime.lifecycle.reminders import run
from organizer.runtime.lifecycle.schema import install
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.lifecycle.states import (
    fill_on_behalf,
    move,
    resend,
    submit,
    todo,
)
from organizer.runtime.store import OPEN_STATES, Frozen, NotAllowed, SQLiteStore

from .support import Clock, template_json

CLIENTS = ("a", "b")
TEMPLATE = template_json()


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp()
        self.clock = Clock()
        self.store = install(SQLiteStore(Path(self.folder) / "store.sqlite3", clock=self.clock))
        self.version = self.store.put_template(TEMPLATE)
        stages = jobs.add_pipeline(self.store, "p", "Season", ["Intake", "Organizer", "Done"])
        jobs.add_automation(self.store, Automation(id="auto", stage_id=stages[1], template_version=self.version))
        self.stages = stages
        for client in CLIENTS:
            put_client(self.store, Client(id=client, name=client.upper(), email=f"{client}@clients.example"))
            jobs.add_job(self.store, f"job-{client}", client, "Return", "p")
        self.pinned: dict[str, str] = {}
        self.allowed: dict[str, bool] = {}  # organizer -> may it get a reminder at the next run

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _organizers(self) -> list[str]:
        return sorted(self.pinned)

    @rule(client=st.sampled_from(CLIENTS), skip=st.booleans())
    def move_job_in(self, client: str, skip: bool) -> None:
        if jobs.job(self.store, f"job-{client}").archived:
            return
        jobs.move_job(self.store, f"job-{client}", self.stages[1], skip=("auto",) if skip else ())
        for organizer in self.store.organizers(client_id=client):
            self.pinned.setdefault(organizer.id, organizer.template_version)

    @rule(client=st.sampled_from(CLIENTS), year=st.sampled_from([2026, 2027]))
    def send(self, client: str, year: int) -> None:
        (sent,) = send(self.store, Sending(template_version=self.version, year=year), [client])
        self.pinned.setdefault(sent.organizer_id, self.version)

    @rule(hours=st.integers(1, 24 * 5))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @precondition(lambda self: self.pinned)
    @rule(data=st.data(), on_behalf=st.booleans())
    def save(self, data: st.DataObject, on_behalf: bool) -> None:
        organizer_id = data.draw(st.sampled_from(self._organizers()))
        draft = self.store.draft(organizer_id)
        try:
            if on_behalf:
                fill_on_behalf(self.store, organizer_id, answers={"moved": True}, base_revision=draft.revision,
                               actor="staff:ann")
                assert self.store.history(organizer_id)[-1].on_behalf
            else:
                self.store.save(organizer_id, base_revision=draft.revision, answers={"moved": False})
        except Frozen:
            assert draft.state not in OPEN_STATES

    @precondition(lambda self: self.pinned)
    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        organizer_id = data.draw(st.sampled_from(self._organizers()))
        draft = self.store.draft(organizer_id)
        try:
            submit(self.store, organizer_id, answers={"first_name": "X", "moved": True}, base_revision=draft.revision)
        except Frozen:
            assert draft.state not in OPEN_STATES

    @precondition(lambda self: self.pinned)
    @rule(data=st.data(), action=st.sampled_from(["unsubmit", "archive", "delete", "seal", "resend"]))
    def firm_moves(self, data: st.DataObject, action: str) -> None:
        organizer_id = data.draw(st.sampled_from(self._organizers()))
        before = self.store.organizer(organizer_id).state
        try:
            if action == "seal":
                seal(self.store, organizer_id, actor="staff")
            elif action == "resend":
                resend(self.store, organizer_id)
            else:
                move(self.store, organizer_id, action, actor="staff")
        except NotAllowed:
            assert before not in OPEN_STATES or action != "resend"
        except Exception as error:  # noqa: BLE001 - only the seal of an unsubmitted organizer may refuse
            assert action == "seal" and before != "submitted", error

    @rule(client=st.sampled_from(CLIENTS))
    def archive_job(self, client: str) -> None:
        jobs.archive_job(self.store, f"job-{client}")

    @rule()
    def reminders_run(self) -> None:
        before = self._reminders()
        allowed = {o: self._may_be_reminded(o) for o in self.pinned}
        run(self.store)
        for organizer_id, count in self._reminders().items():
            if count > before.get(organizer_id, 0):
                assert allowed[organizer_id], organizer_id
                assert count == before.get(organizer_id, 0) + 1

    def _reminders(self) -> dict[str, int]:
        return dict(self.store.connection().execute("SELECT organizer_id, reminders_sent FROM issued").fetchall())

    def _may_be_reminded(self, organizer_id: str) -> bool:
        state = self.store.organizer(organizer_id).state
        row = self.store.connection().execute(
            "SELECT i.reminders_sent < i.reminder_limit, coalesce(max(j.archived), 0) FROM issued i LEFT JOIN"
            " job_organizers jo ON jo.organizer_id = i.organizer_id LEFT JOIN jobs j ON j.id = jo.job_id"
            " WHERE i.organizer_id = ?",
            (organizer_id,)).fetchone()
        return state in OPEN_STATES and bool(row[0]) and not row[1]

    @invariant()
    def pinned_versions_never_change(self) -> None:
        for organizer_id, version in self.pinned.items():
            assert self.store.organizer(organizer_id).template_version == version

    @invariant()
    def the_todo_list_shows_open_organizers_newest_notified_first(self) -> None:
        for client in CLIENTS:
            listed = todo(self.store, client)
            assert all(item.organizer.state in OPEN_STATES for item in listed)
            stamps = [item.issued.notified_at for item in listed]
            assert stamps == sorted(stamps, reverse=True)
            open_ids = {o.id for o in self.store.organizers(client_id=client) if o.state in OPEN_STATES}
            assert {item.organizer.id for item in listed} == open_ids

    @invariant()
    def reminders_never_pass_the_limit(self) -> None:
        rows = self.store.connection().execute(
            "SELECT i.reminder_limit, (SELECT count(*) FROM outbox WHERE organizer_id = i.organizer_id"
            " AND kind = 'reminder') FROM issued i").fetchall()
        assert all(sent <= limit for limit, sent in rows)


Lifecycle.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
test_lifecycle_state_machine = Lifecycle.TestCase
