"""E1 ZIP entry names, E5 seal integrity: byte-identical re-export, tampering detected; sealed is read-only."""

from __future__ import annotations

import io
import json
import random
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from organizer.runtime.lifecycle.clients import put_client
from organizer.runtime.lifecycle.export import (
    entry_name,
    export_zip,
    seal,
    verify,
    verify_zip,
)
from organizer.runtime.lifecycle.records import Client, LifecycleError
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.lifecycle.states import submit
from organizer.runtime.store import Frozen, SQLiteStore, UploadRules

from .support import template_json

UPLOADS = '''organizer uploads "Uploads for <<client.name>>" {
  section docs "Documents" {
    text note "Note"
    file files "Every document"
  }
}
'''
HOSTILE = ["../../etc/passwd", "..\\..\\x.pdf", "/abs.pdf", "C:\\x.pdf", "%2e%2e%2fup.pdf", "a\x00.pdf", "cr\r\nlf.pdf",
           'quo"te;.pdf', "invoice\u202efdp.exe", "CON", "aux.pdf", "x" * 300 + ".pdf", "Cafe\u0301.pdf", "Caf\u00e9.pdf",
           "", ".", "..", "INVOICE.pdf", "invoice.PDF", "<img src=x onerror=alert(1)>.pdf"]


def _uploaded(store: SQLiteStore, names: list[str]) -> str:
    version = store.put_template(template_json(UPLOADS))
    put_client(store, Client(id="c", name="Client", email="c@clients.example"))
    (sent,) = send(store, Sending(template_version=version), ["c"])
    files = [store.put_file(sent.organizer_id, question="files", name=name, chunks=[b"%PDF-1.4\n", f"{n}".encode()],
                            rules=UploadRules()).to_json() for n, name in enumerate(names)]
    submit(store, sent.organizer_id, answers={"note": "</script><b>x</b>", "files": files},
           base_revision=store.draft(sent.organizer_id).revision)
    return sent.organizer_id


def _safe(name: str) -> bool:
    return (not name.startswith("/") and ".." not in name.split("/") and "\\" not in name
            and not re.match(r"^[A-Za-z]:", name) and "\x00" not in name and name.isprintable())


def test_zip_entry_names_are_safe_and_unique(store: SQLiteStore) -> None:
    organizer_id = _uploaded(store, HOSTILE)
    with zipfile.ZipFile(io.BytesIO(export_zip(store, organizer_id))) as archive:
        names = archive.namelist()
        assert names[:2] == ["answers.json", "organizer.html"]
        assert len(names) == 2 + len(HOSTILE)
        assert all(_safe(n) for n in names)
        folded = {unicodedata.normalize("NFC", n).casefold() for n in names}
        assert len(folded) == len(names)
        assert all(re.fullmatch(r"files/\d{3}-[^/]+", n) for n in names[2:])
        assert json.loads(archive.read("answers.json"))["note"] == "</script><b>x</b>"
        assert b"<b>x</b>" not in archive.read("organizer.html")


@given(st.lists(st.text(st.characters(codec=None, categories=None), max_size=300) |
                st.sampled_from(HOSTILE), min_size=1, max_size=30))
def test_entry_names_hold_the_invariant_for_any_names(names: list[str]) -> None:
    entries = [entry_name(n, name) for n, name in enumerate(names, start=1)]
    assert all(_safe(e) and e.startswith("files/") and len(e.encode("utf-8")) < 600 for e in entries)
    assert len({unicodedata.normalize("NFC", e).casefold() for e in entries}) == len(entries)


def test_a_sealed_export_is_byte_identical_and_read_only(store: SQLiteStore) -> None:
    organizer_id = _uploaded(store, ["w2.pdf", "1099.pdf"])
    seal(store, organizer_id, actor="partner")
    first = export_zip(store, organizer_id)
    assert export_zip(store, organizer_id) == first
    assert verify(store, organizer_id) == [] and verify_zip(store, organizer_id, first) == []
    with pytest.raises(Frozen):
        store.save(organizer_id, base_revision=store.draft(organizer_id).revision, answers={})
    with pytest.raises(LifecycleError):
        seal(store, organizer_id, actor="partner")


def test_every_single_byte_tampering_is_detected(store: SQLiteStore, tmp_path: Path) -> None:
    organizer_id = _uploaded(store, ["w2.pdf", "1099.pdf", "receipts.pdf"])
    seal(store, organizer_id, actor="partner")
    exported = export_zip(store, organizer_id)
    rng = random.Random(5)
    for offset in sorted(rng.sample(range(len(exported)), 150)):
        flipped = bytearray(exported)
        flipped[offset] ^= 1 << rng.randrange(8)
        assert verify_zip(store, organizer_id, bytes(flipped)) != [], offset

    blobs = [store.blobs.path(f.sha256) for f in store.files(organizer_id)]
    detected = 0
    for blob in blobs:
        original = blob.read_bytes()
        for offset in range(len(original)):
            blob.write_bytes(original[:offset] + bytes([original[offset] ^ 0x20]) + original[offset + 1:])
            detected += verify(store, organizer_id) != []
        blob.write_bytes(original)
    assert detected == sum(len(b.read_bytes()) for b in blobs)

    with store.transaction() as conn:
        conn.execute("UPDATE organizers SET submission = replace(submission, '</script>', '</scripT>') WHERE id = ?",
                     (organizer_id,))
    assert verify(store, organizer_id) == ["the answers differ from the sealed answers"]


@pytest.mark.parametrize(("field", "value"), [(6, 0x94), (8, 0x01), (10, 0x63)])
def test_a_zip_that_claims_a_version_encryption_or_method_it_lacks_is_damaged(store: SQLiteStore, field: int,
                                                                             value: int) -> None:
    """The central directory's "version needed" (14.8), "encrypted" flag, and compression method (AES):
    zipfile raises NotImplementedError or RuntimeError for them, which verify reports as damage."""
    organizer_id = _uploaded(store, ["w2.pdf"])
    seal(store, organizer_id, actor="partner")
    damaged = bytearray(export_zip(store, organizer_id))
    damaged[damaged.index(b"PK\x01\x02") + field] = value
    (problem,) = verify_zip(store, organizer_id, bytes(damaged))
    assert problem.startswith("the archive is damaged: ")


def test_only_a_submitted_organizer_can_be_exported_or_sealed(store: SQLiteStore) -> None:
    version = store.put_template(template_json(UPLOADS))
    put_client(store, Client(id="c", name="Client"))
    (sent,) = send(store, Sending(template_version=version), ["c"])
    with pytest.raises(LifecycleError):
        export_zip(store, sent.organizer_id)
    with pytest.raises(LifecycleError):
        seal(store, sent.organizer_id, actor="staff")


@pytest.mark.parametrize("move", ["unsubmit", "delete"])
def test_a_reopened_or_deleted_organizer_is_not_exported(store: SQLiteStore, move: str) -> None:
    from organizer.runtime.lifecycle.states import move as firm_move

    version = store.put_template(template_json(UPLOADS))
    put_client(store, Client(id="c", name="Client"))
    (sent,) = send(store, Sending(template_version=version), ["c"])
    submit(store, sent.organizer_id, answers={}, base_revision=store.draft(sent.organizer_id).revision)
    assert export_zip(store, sent.organizer_id)
    firm_move(store, sent.organizer_id, move, actor="staff")
    with pytest.raises(LifecycleError, match="only a submitted, sealed or archived organizer"):
        export_zip(store, sent.organizer_id)
