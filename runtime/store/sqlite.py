"""The autosave store in one SQLite file, with uploaded files beside it.

Durability: WAL with `synchronous=FULL`, so a save is on disk when `save` returns, across a
process crash and, as far as SQLite's guarantee goes, a power loss. Every change runs under
`BEGIN IMMEDIATE`, so writers queue on the database lock (bounded by `busy_timeout`) instead of
failing half-way. Optimistic concurrency: a save names the revision it was based on, and only the
current revision is accepted. The history is append-only: triggers abort any UPDATE or DELETE.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .base import (
    OPEN_STATES,
    TRANSITIONS,
    Draft,
    Exists,
    Frozen,
    HistoryEntry,
    Invalid,
    KeyReused,
    NotAllowed,
    NotAStore,
    NotFound,
    Organizer,
    Saved,
    Stale,
    StoredFile,
    Unavailable,
    UploadRules,
)
from .files import BlobDirectory, display_name

#: `PRAGMA application_id` of an Organizer store ("ORG1").
APPLICATION_ID = 0x4F524731
BUSY_TIMEOUT_MS = 30_000

CORE_SCHEMA = """
CREATE TABLE templates (
    version     TEXT PRIMARY KEY,
    template_id TEXT NOT NULL,
    ir          TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE organizers (
    id               TEXT PRIMARY KEY,
    template_id      TEXT NOT NULL,
    template_version TEXT NOT NULL REFERENCES templates(version),
    name             TEXT NOT NULL,
    client_id        TEXT,
    state            TEXT NOT NULL CHECK (state IN
                         ('pending', 'in_progress', 'submitted', 'sealed', 'archived', 'deleted')),
    revision         INTEGER NOT NULL DEFAULT 0,
    answers          TEXT NOT NULL DEFAULT '{}',
    submission       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    submitted_at     TEXT
);
CREATE INDEX organizers_by_client ON organizers(client_id);
CREATE TABLE history (
    organizer_id    TEXT NOT NULL REFERENCES organizers(id),
    seq             INTEGER NOT NULL,
    revision        INTEGER NOT NULL,
    at              TEXT NOT NULL,
    kind            TEXT NOT NULL,
    actor           TEXT NOT NULL,
    on_behalf       INTEGER NOT NULL,
    changed         TEXT NOT NULL,
    answers         TEXT,
    idempotency_key TEXT,
    request_hash    TEXT,
    PRIMARY KEY (organizer_id, seq)
);
CREATE UNIQUE INDEX history_by_key ON history(organizer_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE TRIGGER history_is_append_only_update BEFORE UPDATE ON history
BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END;
CREATE TRIGGER history_is_append_only_delete BEFORE DELETE ON history
BEGIN SELECT RAISE(ABORT, 'the history is append-only'); END;
CREATE TABLE files (
    organizer_id TEXT NOT NULL REFERENCES organizers(id),
    sha256       TEXT NOT NULL,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    media_type   TEXT NOT NULL,
    question     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (organizer_id, sha256)
);
"""

_ORGANIZER_COLUMNS = ("id, template_id, template_version, name, client_id, state, revision, created_at, "
                      "updated_at, submitted_at")
_FILE_KEYS = frozenset(("name", "size", "media_type", "sha256"))


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode(value: Any) -> str:
    """Answers as stored: JSON, no NaN or infinities, non-ASCII escaped (lone surrogates survive)."""
    try:
        return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError) as error:
        raise Invalid(reason=f"the answers are not JSON: {error}") from None


def _request_hash(kind: str, base_revision: int | None, answers: Any) -> str:
    return hashlib.sha256(encode([kind, base_revision, answers]).encode()).hexdigest()


def split_statements(script: str) -> list[str]:
    """A SQL script as single statements (triggers keep their inner semicolons)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:60]}")
    return statements


@contextmanager
def _translated_errors() -> Iterator[None]:
    """sqlite3's failures as the store's: full or unwritable disks, foreign files."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        text = str(error).lower()
        if "not a database" in text or "malformed" in text:
            raise NotAStore(f"not an Organizer store: {error}") from None
        if isinstance(error, sqlite3.OperationalError) and not any(
                word in text for word in ("no such", "syntax error", "already exists")):
            raise Unavailable(f"the store cannot write: {error}", full="full" in text) from None
        raise


def _file_references(value: Any, depth: int = 0) -> Iterator[str]:
    """The sha256 of every file answer object inside some answers."""
    if depth > 32:
        return
    if isinstance(value, dict):
        if value.keys() == _FILE_KEYS and isinstance(value["sha256"], str):
            yield value["sha256"]
            return
        for item in value.values():
            yield from _file_references(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _file_references(item, depth + 1)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(key for key in before.keys() | after.keys() if before.get(key, _changed) != after.get(key, _changed))


class SQLiteStore:
    """An Organizer store in `path`; uploaded files go to `path` + `.files/` unless told otherwise."""

    def __init__(self, path: str | os.PathLike[str], *, files: str | os.PathLike[str] | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.path = Path(path)
        self.clock = clock
        self._local = threading.local()
        _refuse_foreign_file(self.path)
        self.blobs = BlobDirectory(Path(files) if files is not None else Path(f"{self.path}.files"))
        self.migrate("core/1", CORE_SCHEMA)

    # --- connections and transactions --------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        """This thread's connection: for reads outside a transaction, each statement sees a committed state."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            with _translated_errors():
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode != "wal":
                    raise Unavailable(f"the store needs WAL mode, the file system gave {mode!r}")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (`BEGIN IMMEDIATE`); nested calls join the open one."""
        conn = self.connection()
        if conn.in_transaction:
            yield conn
            return
        with _translated_errors():
            conn.execute("BEGIN IMMEDIATE")
        try:
            with _translated_errors():
                yield conn
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        with _translated_errors():
            conn.commit()
            self._keep_deleted_wal(conn)

    def _keep_deleted_wal(self, conn: sqlite3.Connection) -> None:
        """A `-wal` file deleted while the store is open (RELIABILITY A8): the connections go on
        writing to the unlinked file, which a crash would take with it. So after every commit while
        it is missing, the commits are checkpointed into the database file (fsynced) before they are
        acknowledged; a restart then starts a new `-wal`. A store opened meanwhile also starts a new
        one, and this store's connections may then fail, without acknowledging anything."""
        if os.path.exists(f"{self.path}-wal"):
            return
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
        if busy or copied < frames:
            raise Unavailable("the store's -wal file was deleted and its changes could not be copied into the "
                              "database yet; retry")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def migrate(self, name: str, script: str) -> bool:
        """Apply a named schema step once, atomically (a crash leaves the old or the new schema)."""
        with self.transaction() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            if conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                return False
            if name == "core/1":
                _refuse_foreign_schema(conn)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statement in split_statements(script):
                conn.execute(statement)
            conn.execute("INSERT INTO migrations VALUES (?, ?)", (name, self.now()))
            return True

    def now(self) -> str:
        return timestamp(self.clock())

    # --- templates and organizers ------------------------------------------------------------

    def put_template(self, program_json: dict[str, Any]) -> str:
        """Pin a compiled template; its version is the sha256 of its canonical JSON."""
        text = json.dumps(program_json, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
        version = hashlib.sha256(text.encode()).hexdigest()
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO templates VALUES (?, ?, ?, ?)",
                         (version, program_json["id"], text, self.now()))
        return version

    def template_json(self, version: str) -> dict[str, Any]:
        row = self.connection().execute("SELECT ir FROM templates WHERE version = ?", (version,)).fetchone()
        if row is None:
            raise NotFound(f"no template version {version}")
        return json.loads(row[0])  # type: ignore[no-any-return]

    def create_organizer(self, *, template_version: str, name: str, client_id: str | None = None,
                         organizer_id: str | None = None, answers: dict[str, Any] | None = None,
                         actor: str = "system") -> Organizer:
        """A pending organizer; `answers` (prefill) become revision 1 when given."""
        organizer_id = organizer_id or uuid.uuid4().hex
        with self.transaction() as conn:
            row = conn.execute("SELECT template_id FROM templates WHERE version = ?", (template_version,)).fetchone()
            if row is None:
                raise NotFound(f"no template version {template_version}")
            if conn.execute("SELECT 1 FROM organizers WHERE id = ?", (organizer_id,)).fetchone():
                raise Exists(f"an organizer {organizer_id!r} exists already")
            now = self.now()
            revision = 1 if answers else 0
            conn.execute(
                "INSERT INTO organizers (id, template_id, template_version, name, client_id, state, revision, answers,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
                (organizer_id, row[0], template_version, name, client_id, revision, encode(answers or {}), now, now))
            self._record(conn, organizer_id, revision, "create", actor, False, sorted(answers or {}), answers or {})
        return self.organizer(organizer_id)

    def organizer(self, organizer_id: str) -> Organizer:
        row = self.connection().execute(f"SELECT {_ORGANIZER_COLUMNS} FROM organizers WHERE id = ?",
                                         (organizer_id,)).fetchone()
        if row is None:
            raise NotFound(f"no organizer {organizer_id!r}")
        return Organizer(*row)

    def organizers(self, *, client_id: str | None = None) -> list[Organizer]:
        where, args = ("WHERE client_id = ?", (client_id,)) if client_id is not None else ("", ())
        rows = self.connection().execute(
            f"SELECT {_ORGANIZER_COLUMNS} FROM organizers {where} ORDER BY created_at, id", args)
        return [Organizer(*row) for row in rows]

    def draft(self, organizer_id: str) -> Draft:
        return self._draft(self.connection(), organizer_id)

    def _draft(self, conn: sqlite3.Connection, organizer_id: str) -> Draft:
        row = conn.execute("SELECT revision, answers, state FROM organizers WHERE id = ?", (organizer_id,)).fetchone()
        if row is None:
            raise NotFound(f"no organizer {organizer_id!r}")
        return Draft(organizer_id, row[0], json.loads(row[1]), row[2])

    def submission(self, organizer_id: str) -> dict[str, Any] | None:
        row = self.connection().execute("SELECT submission FROM organizers WHERE id = ?", (organizer_id,)).fetchone()
        if row is None:
            raise NotFound(f"no organizer {organizer_id!r}")
        return json.loads(row[0]) if row[0] is not None else None

    # --- saves ---------------------------------------------------------------------------------

    def save(self, organizer_id: str, *, base_revision: int | None, answers: dict[str, Any],
             actor: str = "client", on_behalf: bool = False, idempotency_key: str | None = None) -> Saved:
        """Store a draft based on `base_revision` (None: nothing saved yet) as the next revision."""
        return self._write("save", organizer_id, base_revision, answers, actor, on_behalf, idempotency_key)

    def submit(self, organizer_id: str, *, base_revision: int | None, answers: dict[str, Any],
               problems: list[dict[str, Any]] | None = None, actor: str = "client", on_behalf: bool = False,
               idempotency_key: str | None = None) -> Saved:
        """Freeze a submission the template accepted (`problems` empty, else `Invalid`)."""
        if problems:
            raise Invalid(list(problems))
        return self._write("submit", organizer_id, base_revision, answers, actor, on_behalf, idempotency_key)

    def _write(self, kind: str, organizer_id: str, base_revision: int | None, answers: dict[str, Any],
               actor: str, on_behalf: bool, idempotency_key: str | None) -> Saved:
        if not isinstance(answers, dict):
            raise Invalid(reason="the answers must be a JSON object")
        text = encode(answers)
        request = _request_hash(kind, base_revision, answers) if idempotency_key is not None else None
        with self.transaction() as conn:
            if idempotency_key is not None:
                earlier = conn.execute(
                    "SELECT revision, request_hash FROM history WHERE organizer_id = ? AND idempotency_key = ?",
                    (organizer_id, idempotency_key)).fetchone()
                if earlier is not None:
                    if earlier[1] != request:
                        raise KeyReused()
                    return Saved(earlier[0], replayed=True)
            current = self._draft(conn, organizer_id)
            if current.state not in OPEN_STATES:
                raise Frozen(current)
            if (base_revision or 0) != current.revision:
                raise Stale(current)
            self._check_files(conn, organizer_id, answers)
            revision, now = current.revision + 1, self.now()
            if kind == "submit":
                conn.execute("UPDATE organizers SET revision = ?, state = 'submitted', submission = ?, updated_at = ?,"
                             " submitted_at = ? WHERE id = ?", (revision, text, now, now, organizer_id))
            else:
                conn.execute("UPDATE organizers SET revision = ?, answers = ?, updated_at = ?, state = 'in_progress'"
                             " WHERE id = ?", (revision, text, now, organizer_id))
            self._record(conn, organizer_id, revision, kind, actor, on_behalf, _changed(current.answers, answers),
                         answers, idempotency_key, request)
        return Saved(revision)

    def _check_files(self, conn: sqlite3.Connection, organizer_id: str, answers: dict[str, Any]) -> None:
        for sha256 in set(_file_references(answers)):
            if conn.execute("SELECT 1 FROM files WHERE organizer_id = ? AND sha256 = ?",
                            (organizer_id, sha256)).fetchone() is None:
                raise Invalid(reason=f"no uploaded file with sha256 {sha256[:64]} belongs to this organizer")

    def _record(self, conn: sqlite3.Connection, organizer_id: str, revision: int, kind: str, actor: str,
                on_behalf: bool, changed: list[str], answers: Any = None, idempotency_key: str | None = None,
                request_hash: str | None = None) -> None:
        seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM history WHERE organizer_id = ?",
                           (organizer_id,)).fetchone()[0]
        conn.execute("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (organizer_id, seq, revision, self.now(), kind, actor, int(on_behalf), json.dumps(changed),
                      None if answers is None else encode(answers), idempotency_key, request_hash))

    def move(self, organizer_id: str, move: str, *, actor: str) -> Organizer:
        """A lifecycle move (`unsubmit`, `seal`, `archive`, `delete`), recorded in the history."""
        sources, target = TRANSITIONS[move]
        with self.transaction() as conn:
            current = self._draft(conn, organizer_id)
            if current.state not in sources:
                raise NotAllowed(move, current.state)
            conn.execute("UPDATE organizers SET state = ?, updated_at = ? WHERE id = ?",
                         (target, self.now(), organizer_id))
            self._record(conn, organizer_id, current.revision, move, actor, False, [])
        return self.organizer(organizer_id)

    def log(self, organizer_id: str, kind: str, *, actor: str, details: Sequence[str] = ()) -> None:
        """Append a lifecycle event (a resend, a reminder, changed settings) to the history."""
        with self.transaction() as conn:
            revision = self._draft(conn, organizer_id).revision
            self._record(conn, organizer_id, revision, kind, actor, False, list(details))

    def history(self, organizer_id: str) -> list[HistoryEntry]:
        self.organizer(organizer_id)
        rows = self.connection().execute(
            "SELECT revision, at, kind, actor, on_behalf, changed FROM history WHERE organizer_id = ? ORDER BY seq",
            (organizer_id,))
        return [HistoryEntry(r[0], r[1], r[2], r[3], bool(r[4]), tuple(json.loads(r[5]))) for r in rows]

    def revision_answers(self, organizer_id: str, revision: int) -> dict[str, Any]:
        row = self.connection().execute(
            "SELECT answers FROM history WHERE organizer_id = ? AND revision = ? AND answers IS NOT NULL"
            " ORDER BY seq DESC LIMIT 1", (organizer_id, revision)).fetchone()
        if row is None:
            raise NotFound(f"organizer {organizer_id!r} has no revision {revision}")
        return json.loads(row[0])  # type: ignore[no-any-return]

    # --- files ---------------------------------------------------------------------------------

    def put_file(self, organizer_id: str, *, question: str, name: str, chunks: Iterable[bytes],
                 rules: UploadRules, actor: str = "client") -> StoredFile:
        """Stream an upload into the store; the blob is durable before its row commits."""
        current = self.draft(organizer_id)
        if current.state not in OPEN_STATES:
            raise Frozen(current)
        sha256, size, media_type = self.blobs.write(chunks, rules)
        stored = StoredFile(display_name(name), size, media_type, sha256)
        with self.transaction() as conn:
            current = self._draft(conn, organizer_id)
            if current.state not in OPEN_STATES:
                raise Frozen(current)
            conn.execute("INSERT OR IGNORE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (organizer_id, sha256, stored.name, size, media_type, question, self.now()))
            self._record(conn, organizer_id, current.revision, "file", actor, False, [sha256])
        return stored

    def files(self, organizer_id: str) -> list[StoredFile]:
        rows = self.connection().execute(
            "SELECT name, size, media_type, sha256 FROM files WHERE organizer_id = ? ORDER BY created_at, sha256",
            (organizer_id,))
        return [StoredFile(*row) for row in rows]

    def open_file(self, organizer_id: str, sha256: str) -> tuple[StoredFile, Iterator[bytes]]:
        """A file of this organizer and its bytes; `NotFound` for any other organizer's or none."""
        row = self.connection().execute(
            "SELECT name, size, media_type, sha256 FROM files WHERE organizer_id = ? AND sha256 = ?",
            (organizer_id, sha256)).fetchone()
        if row is None or not self.blobs.exists(sha256):
            raise NotFound("no such file")
        return StoredFile(*row), self.blobs.read(sha256)

    def collect_orphans(self, grace_seconds: float = 3600) -> int:
        """Remove blobs and temporary files no row references (left by a crash mid-upload)."""
        referenced = {row[0] for row in self.connection().execute("SELECT DISTINCT sha256 FROM files")}
        return self.blobs.collect(referenced, grace_seconds)


def _refuse_foreign_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise NotAStore(f"not an Organizer store: {path} is not an SQLite database")


def _refuse_foreign_schema(conn: sqlite3.Connection) -> None:
    application = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE tbl_name != 'migrations'").fetchone()[0]
    if application not in (0, APPLICATION_ID) or tables:
        raise NotAStore("not an Organizer store: the database belongs to another application")
