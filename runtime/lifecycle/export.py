"""Export of a submitted organizer as a ZIP, and its seal.

The ZIP holds `answers.json`, the printable `organizer.html`, every uploaded file the submission
references as `files/NNN-<safe name>`, and for a sealed organizer `seal.json`. Entries come in a
fixed order with a fixed timestamp, so exporting twice gives the same bytes. The seal records the
sha256 of the canonical JSON of the answers (sorted keys, no whitespace, UTF-8) and of every
blob; `verify` recomputes them from the store, `verify_zip` from an exported file.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..printout import render_print
from ..store import Organizer, SQLiteStore, StoredFile, StoreError
from ..store.files import display_name
from .clients import client as load_client
from .clients import firm as firm_settings
from .names import context
from .records import Client, Firm, Issued, LifecycleError, WrongState
from .states import issued
from .templates import pinned

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_ENTRY_NAME = 120
_UNSAFE = re.compile(r"[^\w.() +-]", re.UNICODE)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8", "surrogatepass")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_name(index: int, name: str) -> str:
    """`files/NNN-<name>`: NFC, no separators, controls or other characters a file system or
    archiver reads specially; the number keeps names unique whatever the case folding."""
    safe = _UNSAFE.sub("_", unicodedata.normalize("NFC", display_name(name))).strip(" ._") or "file"
    return f"files/{index:03d}-{safe[:MAX_ENTRY_NAME]}"


@dataclass(frozen=True, slots=True)
class Package:
    """What an export holds, before it is zipped."""

    entries: list[tuple[str, bytes]]
    manifest: dict[str, Any]


#: States whose submission can be exported: a reopened (unsubmitted) or deleted organizer cannot.
EXPORTABLE = frozenset(("submitted", "sealed", "archived"))


def package(store: SQLiteStore, organizer_id: str) -> Package:
    organizer = store.organizer(organizer_id)
    if organizer.state not in EXPORTABLE:
        raise WrongState(f"only a submitted, sealed or archived organizer can be exported; {organizer_id} is "
                         f"{organizer.state.replace('_', ' ')}")
    answers = store.submission(organizer_id)
    if answers is None:
        raise LifecycleError(f"organizer {organizer_id} has no submission to export")
    files = _referenced_files(store, organizer_id, answers)
    entries = [("answers.json", canonical_json(answers)), ("organizer.html", _printout(store, organizer_id, answers))]
    entries += [(entry_name(n, f.name), _blob(store, organizer_id, f)) for n, f in enumerate(files, start=1)]
    manifest = {"organizer": organizer_id, "template_version": organizer.template_version,
                "answers_sha256": sha256(entries[0][1]),
                "files": [{"path": path, "name": f.name, "sha256": f.sha256, "size": f.size}
                          for (path, _), f in zip(entries[2:], files)]}
    return Package(entries, manifest)


def _referenced_files(store: SQLiteStore, organizer_id: str, answers: Any) -> list[StoredFile]:
    uploaded = {f.sha256: f for f in store.files(organizer_id)}
    order: list[str] = []
    stack = [answers]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get("sha256"), str) and value["sha256"] in uploaded and value["sha256"] not in order:
                order.append(value["sha256"])
            stack.extend(reversed([value[k] for k in sorted(value)]))
        elif isinstance(value, list):
            stack.extend(reversed(value))
    return [uploaded[s] for s in order]


def _blob(store: SQLiteStore, organizer_id: str, stored: StoredFile) -> bytes:
    _, chunks = store.open_file(organizer_id, stored.sha256)
    return b"".join(chunks)


def submitted_context(firm: Firm, client: Client, organizer: Organizer, sent: Issued) -> dict[str, Any]:
    """The context a submission is read with: its client, the firm, its period's year, and `today`
    the day it was submitted."""
    submitted = datetime.fromisoformat(organizer.submitted_at or organizer.updated_at)
    return context(firm, client, submitted, int(sent.period) if sent.period.isdigit() else None)


def _printout(store: SQLiteStore, organizer_id: str, answers: dict[str, Any]) -> bytes:
    organizer = store.organizer(organizer_id)
    sent = issued(store, organizer_id)
    client = load_client(store, sent.client_id)
    values = submitted_context(firm_settings(store), client, organizer, sent)
    page = render_print(pinned(store, organizer.template_version), answers, values, name=organizer.name,
                        client=client.name, submitted_at=values["today"])
    return page.encode("utf-8")


def export_zip(store: SQLiteStore, organizer_id: str) -> bytes:
    """The ZIP of a submitted (or sealed) organizer; the same bytes every time."""
    found = package(store, organizer_id)
    seal = sealed_manifest(store, organizer_id)
    entries = found.entries + ([("seal.json", canonical_json(seal))] if seal is not None else [])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return out.getvalue()


def seal(store: SQLiteStore, organizer_id: str, *, actor: str) -> dict[str, Any]:
    """Seal a submitted organizer (read-only from now on) and record what was sealed, including
    the sha256 of its export, which stays byte-identical."""
    state = store.organizer(organizer_id).state
    if state != "submitted":
        raise WrongState(f"only a submitted organizer can be sealed; {organizer_id} is {state.replace('_', ' ')}")
    with store.transaction() as conn:
        manifest = {**package(store, organizer_id).manifest, "sealed_at": store.now(), "sealed_by": actor}
        store.move(organizer_id, "seal", actor=actor)
        conn.execute("INSERT INTO seals VALUES (?, ?, ?, NULL)",
                     (organizer_id, manifest["sealed_at"], canonical_json(manifest).decode("utf-8")))
        conn.execute("UPDATE seals SET export_sha256 = ? WHERE organizer_id = ?",
                     (sha256(export_zip(store, organizer_id)), organizer_id))
    return manifest


def sealed_manifest(store: SQLiteStore, organizer_id: str) -> dict[str, Any] | None:
    row = store.connection().execute("SELECT manifest FROM seals WHERE organizer_id = ?", (organizer_id,)).fetchone()
    return json.loads(row[0]) if row is not None else None


def verify(store: SQLiteStore, organizer_id: str) -> list[str]:
    """What differs from the seal now: the answers or any blob; empty when intact."""
    manifest = sealed_manifest(store, organizer_id)
    if manifest is None:
        raise LifecycleError(f"organizer {organizer_id} is not sealed")
    problems = []
    answers = store.submission(organizer_id)
    if answers is None or sha256(canonical_json(answers)) != manifest["answers_sha256"]:
        problems.append("the answers differ from the sealed answers")
    for entry in manifest["files"]:
        try:
            digest = hashlib.sha256()
            for chunk in store.open_file(organizer_id, entry["sha256"])[1]:
                digest.update(chunk)
            actual = digest.hexdigest()
        except (StoreError, OSError) as error:  # a missing blob is tampering too
            problems.append(f"{entry['path']}: cannot be read: {type(error).__name__}")
            continue
        if actual != entry["sha256"]:
            problems.append(f"{entry['path']}: the file differs from the sealed file")
    return problems


def verify_zip(store: SQLiteStore, organizer_id: str, data: bytes) -> list[str]:
    """What in an exported ZIP differs from the seal; empty when it is the archive exported at sealing."""
    row = store.connection().execute("SELECT manifest, export_sha256 FROM seals WHERE organizer_id = ?",
                                (organizer_id,)).fetchone()
    if row is None:
        raise LifecycleError(f"organizer {organizer_id} is not sealed")
    if sha256(data) == row[1]:
        return []
    manifest = json.loads(row[0])
    expected = {"seal.json": sha256(canonical_json(manifest)), "answers.json": manifest["answers_sha256"],
                **{f["path"]: f["sha256"] for f in manifest["files"]}}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            changed = [f"{path}: differs from the seal" for path, digest in expected.items()
                       if sha256(archive.read(path)) != digest]
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError, EOFError,
            NotImplementedError, RuntimeError) as error:  # (a ZIP version or method it lacks; encrypted)
        return [f"the archive is damaged: {type(error).__name__}: {error}"]
    return changed or ["the archive's bytes differ from the export made at sealing (its sealed contents match)"]
