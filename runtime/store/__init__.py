"""The autosave store: drafts with revisions, the history of saves, uploaded files, submissions.

`SQLiteStore` is the default backend; `Store` is the interface another backend implements.
"""

from .base import (
    OPEN_STATES,
    STATES,
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
    Store,
    StoredFile,
    StoreError,
    TooLarge,
    Unavailable,
    Unsupported,
    UploadRules,
)
from .files import display_name, sniff
from .sqlite import SQLiteStore

__all__ = [
    "OPEN_STATES",
    "STATES",
    "TRANSITIONS",
    "Draft",
    "Exists",
    "Frozen",
    "HistoryEntry",
    "Invalid",
    "KeyReused",
    "NotAStore",
    "NotAllowed",
    "NotFound",
    "Organizer",
    "SQLiteStore",
    "Saved",
    "Stale",
    "Store",
    "StoreError",
    "StoredFile",
    "TooLarge",
    "Unavailable",
    "Unsupported",
    "UploadRules",
    "display_name",
    "sniff",
]
