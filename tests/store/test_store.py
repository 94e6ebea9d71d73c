"""The autosave store: revisions, stale saves, idempotent retries, submit, moves, history (SPEC 6)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from organizer.runtime.store import (
    Exists,
    Frozen,
    Invalid,
    NotAllowed,
    NotAStore,
    NotFound,
    SQLiteStore,
    Stale,
    Unavailable,
    UploadRules,
)

from .conftest import TEMPLATE


def test_a_new_organizer_has_nothing_saved(store: SQLiteStore, organizer_id: str) -> None:
    draft = store.draft(organizer_id)
    assert (draft.revision, draft.answers, draft.state) == (0, {}, "pending")
    assert store.organizer(organizer_id).template_id == "sample"


def test_each_save_gets_the_next_revision_and_opens_the_organizer(store: SQLiteStore, organizer_id: str) -> None:
    assert store.save(organizer_id, base_revision=None, answers={"a": 1}).revision == 1
    assert store.save(organizer_id, base_revision=1, answers={"a": 2}).revision == 2
    draft = store.draft(organizer_id)
    assert (draft.revision, draft.answers, draft.state) == (2, {"a": 2}, "in_progress")


@pytest.mark.parametrize("base", [None, 0, 1, 3, -1])
def test_a_stale_save_is_refused_with_the_current_answers(store: SQLiteStore, organizer_id: str,
                                                         base: int | None) -> None:
    store.save(organizer_id, base_revision=None, answers={"a": 1})
    store.save(organizer_id, base_revision=1, answers={"a": 2})
    with pytest.raises(Stale) as refused:
        store.save(organizer_id, base_revision=base, answers={"a": "mine"})
    assert (refused.value.current.revision, refused.value.current.answers) == (2, {"a": 2})
    assert store.draft(organizer_id).answers == {"a": 2}


def test_a_retried_save_returns_its_revision_instead_of_a_409(store: SQLiteStore, organizer_id: str) -> None:
    first = store.save(organizer_id, base_revision=None, answers={"a": 1}, idempotency_key="k-1")
    again = store.save(organizer_id, base_revision=None, answers={"a": 1}, idempotency_key="k-1")
    assert (first.revision, first.replayed, again.revision, again.replayed) == (1, False, 1, True)
    assert [h.kind for h in store.history(organizer_id)] == ["create", "save"]
    with pytest.raises(Invalid, match="different request"):
        store.save(organizer_id, base_revision=None, answers={"a": 9}, idempotency_key="k-1")


def test_submit_freezes_the_organizer(store: SQLiteStore, organizer_id: str) -> None:
    store.save(organizer_id, base_revision=None, answers={"a": 1, "hidden": "x"})
    with pytest.raises(Invalid) as invalid:
        store.submit(organizer_id, base_revision=1, answers={}, problems=[{"pointer": "/a", "code": "required"}])
    assert invalid.value.problems[0]["code"] == "required"
    assert store.submit(organizer_id, base_revision=1, answers={"a": 1}).revision == 2
    assert store.submission(organizer_id) == {"a": 1}
    assert store.organizer(organizer_id).submitted_at is not None
    with pytest.raises(Frozen) as frozen:
        store.save(organizer_id, base_revision=2, answers={"a": 3})
    assert frozen.value.current.state == "submitted"
    with pytest.raises(Frozen):
        store.submit(organizer_id, base_revision=2, answers={"a": 1})


def test_moves_follow_the_state_machine(store: SQLiteStore, organizer_id: str) -> None:
    with pytest.raises(NotAllowed):
        store.move(organizer_id, "unsubmit", actor="staff:ann")
    store.submit(organizer_id, base_revision=None, answers={"a": 1})
    assert store.move(organizer_id, "unsubmit", actor="staff:ann").state == "in_progress"
    store.save(organizer_id, base_revision=1, answers={"a": 2})
    with pytest.raises(NotAllowed):
        store.move(organizer_id, "seal", actor="staff:ann")
    store.submit(organizer_id, base_revision=2, answers={"a": 2})
    assert store.move(organizer_id, "seal", actor="staff:ann").state == "sealed"
    with pytest.raises(Frozen):
        store.save(organizer_id, base_revision=3, answers={"a": 3})
    with pytest.raises(Frozen):
        store.put_file(organizer_id, question="/f", name="a.pdf", chunks=[b"%PDF-1"], rules=UploadRules())
    assert store.move(organizer_id, "archive", actor="staff:ann").state == "archived"
    assert store.move(organizer_id, "delete", actor="staff:ann").state == "deleted"
    with pytest.raises(NotAllowed):
        store.move(organizer_id, "delete", actor="staff:ann")


def test_history_says_who_when_and_what_changed(store: SQLiteStore, organizer_id: str) -> None:
    store.save(organizer_id, base_revision=None, answers={"a": 1, "b": 2})
    store.save(organizer_id, base_revision=1, answers={"a": 1, "c": 3}, actor="staff:ann", on_behalf=True)
    entries = store.history(organizer_id)
    assert [(h.kind, h.revision, h.actor, h.on_behalf, h.changed) for h in entries] == [
        ("create", 0, "system", False, ()),
        ("save", 1, "client", False, ("a", "b")),
        ("save", 2, "staff:ann", True, ("b", "c")),
    ]
    assert [h.at for h in entries] == sorted(h.at for h in entries)
    assert store.revision_answers(organizer_id, 1) == {"a": 1, "b": 2}


def test_lifecycle_events_join_the_history(store: SQLiteStore, organizer_id: str) -> None:
    store.save(organizer_id, base_revision=None, answers={"a": 1})
    with store.transaction():
        store.log(organizer_id, "reminder", actor="system", details=["1"])
    assert [(h.kind, h.revision, h.actor, h.changed) for h in store.history(organizer_id)][-1] == (
        "reminder", 1, "system", ("1",))


@pytest.mark.parametrize("statement", ["UPDATE history SET actor = 'x'", "DELETE FROM history"])
def test_the_history_cannot_be_rewritten(store: SQLiteStore, organizer_id: str, statement: str) -> None:
    store.save(organizer_id, base_revision=None, answers={"a": 1})
    raw = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute(statement)
    raw.close()
    assert len(store.history(organizer_id)) == 2


HOSTILE_VALUES = {"nul": "a\x00b", "surrogate": "\ud800x", "big": 2**53 + 1, "negative_zero": -0.0,
                  "float": 0.1 + 0.2, "emoji": "\U0001f9fe\u200d", "rlo": "\u202eabc", "z": 1, "a": [{"y": None}]}


def test_answers_round_trip_exactly(tmp_path: Path, store: SQLiteStore, organizer_id: str) -> None:
    store.save(organizer_id, base_revision=None, answers=HOSTILE_VALUES)
    reopened = SQLiteStore(tmp_path / "store.sqlite3").draft(organizer_id).answers
    assert json.dumps(reopened) == json.dumps(HOSTILE_VALUES)
    assert list(reopened) == list(HOSTILE_VALUES)


@pytest.mark.parametrize("answers", [{"n": float("nan")}, {"n": float("inf")}, ["not", "an", "object"]])
def test_answers_that_are_not_json_objects_are_refused(store: SQLiteStore, organizer_id: str, answers: object) -> None:
    with pytest.raises(Invalid):
        store.save(organizer_id, base_revision=None, answers=answers)  # type: ignore[arg-type]
    assert store.draft(organizer_id).revision == 0


def test_an_answer_cannot_reference_a_file_it_did_not_upload(store: SQLiteStore, organizer_id: str) -> None:
    ghost = {"name": "a.pdf", "size": 1, "media_type": "application/pdf", "sha256": "0" * 64}
    with pytest.raises(Invalid, match="no uploaded file"):
        store.save(organizer_id, base_revision=None, answers={"docs": [ghost]})
    stored = store.put_file(organizer_id, question="/docs", name="a.pdf", chunks=[b"%PDF-1.7"], rules=UploadRules())
    assert store.save(organizer_id, base_revision=None, answers={"docs": [stored.to_json()]}).revision == 1


def test_unknown_ids_are_not_found(store: SQLiteStore) -> None:
    for call in (lambda: store.draft("nope"), lambda: store.history("nope"), lambda: store.template_json("nope"),
                 lambda: store.save("nope", base_revision=None, answers={}),
                 lambda: store.create_organizer(template_version="nope", name="x")):
        with pytest.raises(NotFound):
            call()


def test_prefilled_answers_are_the_first_revision(store: SQLiteStore, version: str) -> None:
    organizer = store.create_organizer(template_version=version, name="x", answers={"a": 1})
    assert (store.draft(organizer.id).revision, store.draft(organizer.id).answers) == (1, {"a": 1})
    assert store.put_template(dict(reversed(list(TEMPLATE.items())))) == version


# --- files that are not stores, full and read-only disks (A8, A9) ------------------------------

@pytest.mark.parametrize("content", [b"garbage" * 100, b"SQLite format 3\x00" + b"\x00" * 50, b"\x00" * 4096])
def test_a_file_that_is_not_a_store_is_named_as_such(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(content)
    with pytest.raises(NotAStore, match="not an Organizer store"):
        SQLiteStore(path)


def test_another_applications_database_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    foreign = sqlite3.connect(path)
    foreign.execute("CREATE TABLE invoices (id INTEGER)")
    foreign.commit()
    foreign.close()
    with pytest.raises(NotAStore, match="another application"):
        SQLiteStore(path)


def test_a_full_disk_acknowledges_nothing_and_recovers(store: SQLiteStore, organizer_id: str) -> None:
    store.save(organizer_id, base_revision=None, answers={"a": 1})
    conn = store.connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(Unavailable) as refused:
        store.save(organizer_id, base_revision=1, answers={"a": "x" * 200_000})
    assert refused.value.full
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.draft(organizer_id).revision == 1
    conn.execute(f"PRAGMA max_page_count = {pages * 1000}")
    assert store.save(organizer_id, base_revision=1, answers={"a": "x" * 200_000}).revision == 2


def test_a_read_only_store_refuses_writes_clearly(tmp_path: Path, store: SQLiteStore, organizer_id: str) -> None:
    store.save(organizer_id, base_revision=None, answers={"a": 1})
    store.close()
    uri = f"file:{tmp_path / 'store.sqlite3'}?mode=ro"
    read_only = SQLiteStore.__new__(SQLiteStore)
    read_only.__dict__.update(store.__dict__)
    read_only._local.conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    read_only._local.pid = __import__("os").getpid()
    with pytest.raises(Unavailable, match="cannot write"):
        read_only.save(organizer_id, base_revision=1, answers={"a": 2})
    assert read_only.draft(organizer_id).revision == 1


def test_an_organizer_id_is_used_once(store: SQLiteStore, version: str) -> None:
    store.create_organizer(template_version=version, name="x", organizer_id="o-1")
    with pytest.raises(Exists):
        store.create_organizer(template_version=version, name="y", organizer_id="o-1")
    assert store.organizer("o-1").name == "x"


def test_organizers_are_listed_oldest_first_and_by_client(store: SQLiteStore, version: str) -> None:
    first = store.create_organizer(template_version=version, name="a", client_id="x").id
    second = store.create_organizer(template_version=version, name="b").id
    assert [o.id for o in store.organizers()] == [first, second]
    assert [o.id for o in store.organizers(client_id="x")] == [first]
