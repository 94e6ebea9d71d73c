"""What every autosave store offers, whatever keeps the data: records, errors and the interface."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

#: The states of an organizer (SPEC 7). Saves are accepted only in the open ones.
OPEN_STATES = frozenset(("pending", "in_progress"))
STATES = OPEN_STATES | {"submitted", "sealed", "archived", "deleted"}

#: Lifecycle moves: name -> (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "unsubmit": (frozenset(("submitted",)), "in_progress"),
    "seal": (frozenset(("submitted",)), "sealed"),
    "archive": (frozenset(("pending", "in_progress", "submitted", "sealed")), "archived"),
    "delete": (STATES - {"deleted"}, "deleted"),
}


@dataclass(frozen=True, slots=True)
class Organizer:
    """A template issued to a client: the row every save and lifecycle move updates."""

    id: str
    template_id: str
    template_version: str   # the sha256 of the pinned `organizer.json`
    name: str
    client_id: str | None
    state: str
    revision: int           # 0 until the first save
    created_at: str
    updated_at: str
    submitted_at: str | None


@dataclass(frozen=True, slots=True)
class Draft:
    """The answers of an organizer at one revision."""

    organizer_id: str
    revision: int
    answers: dict[str, Any]
    state: str


@dataclass(frozen=True, slots=True)
class Saved:
    """An acknowledged save; `replayed` when an earlier request with the same key made it."""

    revision: int
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One append-only line of an organizer's history."""

    revision: int
    at: str
    kind: str                 # create | save | submit | unsubmit | seal | archive | delete | file,
                              # and the lifecycle's events (resend | reminder | reminders)
    actor: str
    on_behalf: bool           # staff filling in for the client
    changed: tuple[str, ...]  # answer ids whose value changed, the file's sha256, or an event's details


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An uploaded file: exactly the answer object of a `file` question."""

    name: str
    size: int
    media_type: str
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "media_type": self.media_type, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class UploadRules:
    """The limits of the `file` question a file is uploaded to."""

    accept: tuple[str, ...] = ()  # extensions, lower case; empty accepts every sniffable type
    max_size: int | None = None   # bytes


# --- errors --------------------------------------------------------------------------------------


class StoreError(Exception):
    """Base of every refusal the store makes; the message is for people."""


class NotAStore(StoreError):
    """The file is not an Organizer store (garbage, truncated or another application's)."""


class Unavailable(StoreError):
    """The disk is full or unwritable; nothing was acknowledged. `full` tells the two apart."""

    def __init__(self, message: str, *, full: bool = False) -> None:
        super().__init__(message)
        self.full = full


class NotFound(StoreError):
    """No organizer (or file) with that id."""


class Exists(StoreError):
    """An organizer with that id exists already."""


@dataclass
class Stale(StoreError):
    """The save was based on an older revision; `current` is what the store holds now."""

    current: Draft

    def __str__(self) -> str:
        return f"the answers were saved at revision {self.current.revision} in the meantime"


@dataclass
class Frozen(StoreError):
    """The organizer no longer accepts changes (submitted, sealed, archived or deleted)."""

    current: Draft

    def __str__(self) -> str:
        return f"the organizer is {self.current.state.replace('_', ' ')} and accepts no changes"


@dataclass
class Invalid(StoreError):
    """A submission the template refuses; `problems` are the runtime's, as JSON."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    reason: str = "the answers are not valid"

    def __str__(self) -> str:
        return self.reason


class KeyReused(Invalid):
    """An idempotency key sent again with another request."""

    def __init__(self) -> None:
        super().__init__(reason="this idempotency key was used for a different request")


@dataclass
class TooLarge(StoreError):
    """An upload over its size limit (HTTP 413)."""

    limit: int

    def __str__(self) -> str:
        return f"the file is larger than {self.limit} bytes"


@dataclass
class Unsupported(StoreError):
    """An upload whose content is not one of the accepted types (HTTP 415)."""

    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass
class NotAllowed(StoreError):
    """A lifecycle move the organizer's state does not allow."""

    move: str
    state: str

    def __str__(self) -> str:
        return f"cannot {self.move} an organizer that is {self.state.replace('_', ' ')}"


class Store(Protocol):
    """The storage interface: SQLite now (`SQLiteStore`), PostgreSQL later."""

    def transaction(self) -> AbstractContextManager[Any]: ...
    def put_template(self, program_json: dict[str, Any]) -> str: ...
    def template_json(self, version: str) -> dict[str, Any]: ...
    def create_organizer(self, *, template_version: str, name: str, client_id: str | None = None,
                         organizer_id: str | None = None, answers: dict[str, Any] | None = None,
                         actor: str = "system") -> Organizer: ...
    def organizer(self, organizer_id: str) -> Organizer: ...
    def organizers(self, *, client_id: str | None = None) -> list[Organizer]: ...
    def draft(self, organizer_id: str) -> Draft: ...
    def submission(self, organizer_id: str) -> dict[str, Any] | None: ...
    def save(self, organizer_id: str, *, base_revision: int | None, answers: dict[str, Any],
             actor: str = "client", on_behalf: bool = False, idempotency_key: str | None = None) -> Saved: ...
    def submit(self, organizer_id: str, *, base_revision: int | None, answers: dict[str, Any],
               problems: list[dict[str, Any]] | None = None, actor: str = "client", on_behalf: bool = False,
               idempotency_key: str | None = None) -> Saved: ...
    def move(self, organizer_id: str, move: str, *, actor: str) -> Organizer: ...
    def log(self, organizer_id: str, kind: str, *, actor: str, details: Sequence[str] = ()) -> None: ...
    def history(self, organizer_id: str) -> list[HistoryEntry]: ...
    def revision_answers(self, organizer_id: str, revision: int) -> dict[str, Any]: ...
    def put_file(self, organizer_id: str, *, question: str, name: str, chunks: Iterable[bytes],
                 rules: UploadRules, actor: str = "client") -> StoredFile: ...
    def files(self, organizer_id: str) -> list[StoredFile]: ...
    def open_file(self, organizer_id: str, sha256: str) -> tuple[StoredFile, Iterator[bytes]]: ...
    def collect_orphans(self, grace_seconds: float = 3600) -> int: ...
