"""Uploads in the store: size limits while streaming, types by content, safe names (RELIABILITY U1-U3)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from organizer.runtime.store import (
    Invalid,
    NotFound,
    SQLiteStore,
    TooLarge,
    Unavailable,
    Unsupported,
    UploadRules,
    display_name,
    sniff,
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PDF_ONLY = UploadRules(accept=("pdf",), max_size=1000)


def _stored_blobs(store: SQLiteStore) -> list[Path]:
    return [p for p in store.blobs.root.rglob("*") if p.is_file()]


def test_an_accepted_file_is_stored_by_its_sha256(store: SQLiteStore, organizer_id: str) -> None:
    stored = store.put_file(organizer_id, question="/docs", name="W-2 2026.pdf", chunks=[PDF[:5], PDF[5:]],
                            rules=PDF_ONLY)
    assert stored.to_json() == {"name": "W-2 2026.pdf", "size": len(PDF), "media_type": "application/pdf",
                                "sha256": hashlib.sha256(PDF).hexdigest()}
    meta, chunks = store.open_file(organizer_id, stored.sha256)
    assert (meta, b"".join(chunks)) == (stored, PDF)
    assert _stored_blobs(store) == [store.blobs.path(stored.sha256)]


def test_a_file_of_another_organizer_is_not_found(store: SQLiteStore, organizer_id: str, version: str) -> None:
    stored = store.put_file(organizer_id, question="/docs", name="a.pdf", chunks=[PDF], rules=PDF_ONLY)
    other = store.create_organizer(template_version=version, name="Other").id
    with pytest.raises(NotFound):
        store.open_file(other, stored.sha256)
    with pytest.raises(Invalid):
        store.save(other, base_revision=None, answers={"docs": [stored.to_json()]})


def test_an_upload_stops_as_soon_as_it_crosses_the_limit(store: SQLiteStore, organizer_id: str) -> None:
    consumed = 0

    def two_gigabytes() -> Iterator[bytes]:
        nonlocal consumed
        chunk = b"%PDF-" + b"x" * (64 * 1024 - 5)
        for _ in range(2 * 1024 * 1024 * 1024 // len(chunk)):
            consumed += len(chunk)
            yield chunk

    with pytest.raises(TooLarge) as refused:
        store.put_file(organizer_id, question="/docs", name="big.pdf", chunks=two_gigabytes(),
                       rules=UploadRules(accept=("pdf",), max_size=1_000_000))
    assert refused.value.limit == 1_000_000
    assert consumed < 1_000_000 + 64 * 1024
    assert _stored_blobs(store) == [] and store.files(organizer_id) == []


def test_exactly_the_limit_is_accepted_and_one_byte_more_is_not(store: SQLiteStore, organizer_id: str) -> None:
    body = PDF + b"x" * (1000 - len(PDF))
    assert store.put_file(organizer_id, question="/d", name="a.pdf", chunks=[body], rules=PDF_ONLY).size == 1000
    with pytest.raises(TooLarge):
        store.put_file(organizer_id, question="/d", name="a.pdf", chunks=[body, b"x"], rules=PDF_ONLY)


@pytest.mark.parametrize(("content", "accept"), [
    (b"<html><script>window.__xss=1</script></html>", ("pdf",)),
    (b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", ("png",)),
    (b"\xef\xbb\xbf<!doctype html>", ("txt",)),
    (PNG, ("pdf",)),
    (PDF, ("png", "jpg")),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", ("pdf",)),
    (b"\x00\x01\x02binary", ("txt",)),
    (b"", ("pdf",)),
])
def test_content_that_is_not_an_accepted_type_is_refused(store: SQLiteStore, organizer_id: str, content: bytes,
                                                         accept: tuple[str, ...]) -> None:
    with pytest.raises(Unsupported):
        store.put_file(organizer_id, question="/d", name="renamed." + accept[0], chunks=[content],
                       rules=UploadRules(accept=accept))
    assert _stored_blobs(store) == []


def test_polyglots_are_stored_as_the_type_their_first_bytes_say() -> None:
    assert sniff(PDF + b"<html><script>alert(1)</script>").media_type == "application/pdf"  # type: ignore[union-attr]
    assert sniff(b"GIF89a/*\x00*/=1;alert(1)").media_type == "image/gif"  # type: ignore[union-attr]
    assert sniff(b"Name,Amount\nAnn,12\n").extensions == ("txt", "csv", "tsv")  # type: ignore[union-attr]


HOSTILE_NAMES = ["../../etc/passwd", "..\\..\\x", "/abs", "C:\\x", "%2e%2e%2f", "a\x00.pdf", "a\r\nSet-Cookie: x.pdf",
                 'a";b.pdf', "invoice\u202efdp.exe", "CON", "aux.pdf", "x" * 300 + ".pdf", "", ".", "..",
                 "e\u0301.pdf", "\u00e9.pdf", "\u2028.pdf", "\ufeffbom.pdf", "\u0085next.pdf"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_only_ever_become_display_names(store: SQLiteStore, organizer_id: str, name: str) -> None:
    stored = store.put_file(organizer_id, question="/d", name=name, chunks=[PDF], rules=PDF_ONLY)
    assert stored.name == display_name(name)
    assert all(p.name == stored.sha256 for p in _stored_blobs(store))


@given(st.text(st.characters(codec=None, categories=None), max_size=400))
def test_display_names_are_safe_whatever_the_input(name: str) -> None:
    shown = display_name(name)
    assert 1 <= len(shown) <= 255
    assert shown == unicodedata.normalize("NFC", shown) or any(0xD800 <= ord(c) <= 0xDFFF for c in shown)
    assert not any(c in shown for c in "/\\:\r\n\x00\u202e\u2066\u200f\x85\x7f")
    assert not any(ord(c) < 32 for c in shown)
    assert shown not in (".", "..") and not shown.lower().startswith(("con.", "nul.", "aux.", "prn."))
    assert shown not in ("CON", "NUL", "AUX", "PRN")


def test_orphans_left_by_a_crash_are_collected(store: SQLiteStore, organizer_id: str) -> None:
    kept = store.put_file(organizer_id, question="/d", name="a.pdf", chunks=[PDF], rules=PDF_ONLY)
    orphan = store.blobs.path("f" * 64)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"%PDF-orphan")
    (store.blobs.tmp / "upload-half").write_bytes(b"%PDF-half")
    assert store.collect_orphans(grace_seconds=3600) == 0
    assert store.collect_orphans(grace_seconds=-1) == 2
    assert _stored_blobs(store) == [store.blobs.path(kept.sha256)]


def test_an_unwritable_files_folder_refuses_clearly(store: SQLiteStore, organizer_id: str, tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"")  # a file where the folder should be: every write fails (root ignores chmod)
    store.blobs.tmp = blocked
    with pytest.raises(Unavailable, match="cannot write the file"):
        store.put_file(organizer_id, question="/d", name="a.pdf", chunks=[PDF], rules=PDF_ONLY)
    assert store.files(organizer_id) == []
