"""Concurrent writers: no lost update, stale saves refused, one winner per race (RELIABILITY A3, A5, A6)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from organizer.runtime.store import Frozen, Invalid, SQLiteStore, Stale

from .conftest import TEMPLATE


def _edit_until_acknowledged(store: SQLiteStore, organizer_id: str, key: str) -> int:
    """One client's edit: read, change one answer, save; on 409 reapply to the newer answers."""
    stale = 0
    draft = store.draft(organizer_id)
    while True:
        try:
            store.save(organizer_id, base_revision=draft.revision, answers={**draft.answers, key: True})
            return stale
        except Stale as refused:
            stale += 1
            draft = refused.current


def test_eight_threads_lose_no_acknowledged_edit(store: SQLiteStore, organizer_id: str) -> None:
    clients, edits, stale = 8, 100, [0] * 8

    def client(number: int) -> None:
        for edit in range(edits):
            stale[number] += _edit_until_acknowledged(store, organizer_id, f"c{number}e{edit}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    draft = store.draft(organizer_id)
    print(f"\nA3: {clients} threads x {edits} edits: {clients * edits - len(draft.answers)} lost, "
          f"{sum(stale)} stale writes refused")
    assert len(draft.answers) == clients * edits
    assert draft.revision == clients * edits


def _process_client(path: str, organizer_id: str, number: int, edits: int, results: Any) -> None:
    store, latencies, stale = SQLiteStore(path), [], 0
    for edit in range(edits):
        started = time.perf_counter()
        stale += _edit_until_acknowledged(store, organizer_id, f"p{number}e{edit}")
        latencies.append(time.perf_counter() - started)
    results.put((stale, sorted(latencies)))


def test_eight_processes_never_see_a_locked_database(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = SQLiteStore(path)
    organizer_id = store.create_organizer(template_version=store.put_template(TEMPLATE), name="Busy").id
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_process_client, args=(str(path), organizer_id, n, 125, results))
               for n in range(8)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0] * 8
    latencies = sorted(x for _, times in outcomes for x in times)
    print(f"\nA5: 8 processes x 125 edits: {sum(s for s, _ in outcomes)} stale writes refused, 0 lock errors; "
          f"edit p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {latencies[int(len(latencies) * .99)] * 1000:.1f} ms")
    assert len(store.draft(organizer_id).answers) == 1000


def test_a_save_racing_a_submit_has_exactly_one_winner(store: SQLiteStore, version: str) -> None:
    winners = []
    for race in range(50):
        organizer_id = store.create_organizer(template_version=version, name=f"Race {race}").id
        store.save(organizer_id, base_revision=None, answers={"a": 1})
        outcomes: list[str] = []
        start = threading.Barrier(2)

        def attempt(kind: str, oid: str = organizer_id, outcomes: list[str] = outcomes,
                    start: threading.Barrier = start) -> None:
            start.wait()
            try:
                if kind == "submit":
                    store.submit(oid, base_revision=1, answers={"a": 1})
                else:
                    store.save(oid, base_revision=1, answers={"a": 2})
                outcomes.append(kind)
            except (Stale, Frozen):
                pass

        threads = [threading.Thread(target=attempt, args=(kind,)) for kind in ("submit", "save")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(outcomes) == 1, outcomes
        winners += outcomes
        assert store.draft(organizer_id).state == ("submitted" if outcomes == ["submit"] else "in_progress")
    print(f"\nA6: 50 races, exactly one winner each ({winners.count('submit')} submits, {winners.count('save')} saves)")


class StoreModel(RuleBasedStateMachine):
    """Clients that read, save from what they read, retry, reload and submit, against a model."""

    @initialize()
    def open_store(self) -> None:
        import tempfile
        self.folder = tempfile.TemporaryDirectory()
        self.store = SQLiteStore(Path(self.folder.name) / "store.sqlite3")
        self.id = self.store.create_organizer(template_version=self.store.put_template(TEMPLATE), name="M").id
        self.acknowledged: list[dict[str, Any]] = [{}]   # answers by revision, as acknowledged
        self.seen = {0: 0, 1: 0}                          # revision each client last read
        self.submitted = False
        self.keys: dict[str, int] = {}

    def teardown(self) -> None:
        self.store.close()
        self.folder.cleanup()

    @rule(client=st.sampled_from([0, 1]), value=st.integers(0, 3), key=st.sampled_from(["k1", "k2", "k3", None]))
    def save(self, client: int, value: int, key: str | None) -> None:
        base = self.seen[client]
        answers = {**self.acknowledged[base], f"q{client}": value}
        replay = key is not None and key in self.keys
        try:
            saved = self.store.save(self.id, base_revision=base, answers=answers, idempotency_key=key)
        except Stale as refused:
            assert not self.submitted and base != len(self.acknowledged) - 1
            assert refused.current.revision == len(self.acknowledged) - 1
            assert refused.current.answers == self.acknowledged[-1]
            return
        except Frozen:
            assert self.submitted and not replay
            return
        except Invalid as error:  # the same key with another request
            assert replay, error
            return
        if replay:
            assert saved.replayed and saved.revision == self.keys[key]  # type: ignore[index]
            return
        assert not self.submitted and base == len(self.acknowledged) - 1
        self.acknowledged.append(answers)
        self.seen[client] = saved.revision
        if key is not None:
            self.keys[key] = saved.revision

    @rule(client=st.sampled_from([0, 1]))
    def reload(self, client: int) -> None:
        self.seen[client] = self.store.draft(self.id).revision

    @rule(client=st.sampled_from([0, 1]))
    def submit(self, client: int) -> None:
        base = self.seen[client]
        try:
            self.store.submit(self.id, base_revision=base, answers=self.acknowledged[base])
        except (Stale, Frozen):
            assert self.submitted or base != len(self.acknowledged) - 1
            return
        self.submitted = True
        self.acknowledged.append(self.acknowledged[base])

    @invariant()
    def store_equals_the_model(self) -> None:
        if not hasattr(self, "store"):
            return
        draft = self.store.draft(self.id)
        assert draft.revision == len(self.acknowledged) - 1
        if not self.submitted:
            assert draft.answers == self.acknowledged[-1]
        assert draft.state == ("submitted" if self.submitted else "in_progress" if draft.revision else "pending")


TestStoreModel = StoreModel.TestCase
TestStoreModel.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)


def test_retries_after_dropped_responses_make_no_new_revision(store: SQLiteStore, organizer_id: str) -> None:
    """A4: each save's answer is lost and the client sends it again with the same key."""
    spurious, duplicates, revision = 0, 0, 0
    for number in range(1000):
        request = {"base_revision": revision, "answers": {"n": number}, "idempotency_key": f"save-{number}"}
        first = store.save(organizer_id, **request)  # committed; the response never reaches the client
        try:
            retried = store.save(organizer_id, **request)
        except Stale:
            spurious += 1
            continue
        duplicates += retried.revision != first.revision or not retried.replayed
        revision = retried.revision
    print(f"\nA4: 1,000 dropped responses: {duplicates} duplicate revisions, {spurious} spurious 409s")
    assert (duplicates, spurious, store.draft(organizer_id).revision) == (0, 0, 1000)
