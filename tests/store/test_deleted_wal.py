"""RELIABILITY A8: the `-wal` file deleted while the store is open.

The open connections go on writing to the unlinked file, so without care a crash takes every
save acknowledged since the last checkpoint with it, before the deletion as well as after. A forked writer saves, the `-wal` is deleted, it
saves more and reports each acknowledgement, then dies without closing (`os._exit`). The parent
reopens the store: every acknowledged revision must be there. The control runs the same writer
with the store's safeguard switched off and must lose saves, so the harness can see a loss.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from organizer.runtime.store import SQLiteStore

from .conftest import TEMPLATE

BEFORE, AFTER = 5, 20


def _crashing_writer(path: Path, organizer_id: str, write_end: int, safeguard: bool) -> None:
    if not safeguard:
        SQLiteStore._keep_deleted_wal = lambda self, conn: None  # type: ignore[method-assign]
    store, revision = SQLiteStore(path), 0
    with os.fdopen(write_end, "w") as acks:
        for n in range(BEFORE + AFTER):
            if n == BEFORE:
                os.unlink(f"{path}-wal")
            revision = store.save(organizer_id, base_revision=revision, answers={"n": n}).revision
            acks.write(json.dumps(revision) + "\n")
            acks.flush()
    os._exit(0)  # a crash: no close, no checkpoint at exit


def _after_a_crash(tmp_path: Path, safeguard: bool) -> tuple[list[int], SQLiteStore, str]:
    path = tmp_path / "store.sqlite3"
    store = SQLiteStore(path)
    organizer_id = store.create_organizer(template_version=store.put_template(TEMPLATE), name="Sample").id
    store.close()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            _crashing_writer(path, organizer_id, write_end, safeguard)
        finally:
            os._exit(1)
    os.close(write_end)
    with os.fdopen(read_end) as acks:
        acknowledged = [json.loads(line) for line in acks]
    os.waitpid(pid, 0)
    return acknowledged, SQLiteStore(path), organizer_id


def test_saves_acknowledged_after_the_wal_was_deleted_survive_a_crash(tmp_path: Path) -> None:
    acknowledged, reopened, organizer_id = _after_a_crash(tmp_path, safeguard=True)
    assert acknowledged == list(range(1, BEFORE + AFTER + 1))
    assert reopened.connection().execute("PRAGMA integrity_check").fetchone() == ("ok",)
    draft = reopened.draft(organizer_id)
    assert (draft.revision, draft.answers) == (acknowledged[-1], {"n": BEFORE + AFTER - 1})
    assert [h.revision for h in reopened.history(organizer_id)] == [0, *acknowledged]


def test_the_control_without_the_safeguard_loses_them(tmp_path: Path) -> None:
    acknowledged, reopened, organizer_id = _after_a_crash(tmp_path, safeguard=False)
    assert len(acknowledged) == BEFORE + AFTER
    lost = acknowledged[-1] - reopened.draft(organizer_id).revision
    print(f"\nA8 control: {lost} of {BEFORE + AFTER} acknowledged saves lost without the safeguard")
    assert lost == BEFORE + AFTER  # the ones before the deletion too: they were in the unlinked file


def test_another_process_meanwhile_loses_nothing_acknowledged(tmp_path: Path) -> None:
    """A second store opened after the deletion starts a new `-wal`; what either one acknowledged
    is in the file afterwards, which stays intact (the first one's later operations may fail)."""
    first = SQLiteStore(tmp_path / "store.sqlite3")
    organizer_id = first.create_organizer(template_version=first.put_template(TEMPLATE), name="Sample").id
    revision = first.save(organizer_id, base_revision=0, answers={"by": "first"}).revision
    os.unlink(tmp_path / "store.sqlite3-wal")
    acknowledged = [first.save(organizer_id, base_revision=revision, answers={"by": "first, after"}).revision]
    second = SQLiteStore(tmp_path / "store.sqlite3")
    for n, store in enumerate([second, first, second, first]):
        try:
            current = store.draft(organizer_id).revision
            acknowledged.append(store.save(organizer_id, base_revision=current, answers={"n": n}).revision)
        except Exception as error:  # noqa: BLE001 - the orphaned connection may fail; it must not ack
            assert store is first, error
    first.close()
    second.close()
    reopened = SQLiteStore(tmp_path / "store.sqlite3")
    assert reopened.connection().execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert set(acknowledged) <= {h.revision for h in reopened.history(organizer_id)}
    assert reopened.draft(organizer_id).revision == max(acknowledged)

