"""Reading the store's database outside a write transaction."""

from __future__ import annotations

import sqlite3

from ..store import SQLiteStore


def reader(store: SQLiteStore) -> sqlite3.Connection:
    """The store's connection of this thread, for reads (each statement sees a committed state).

    `SQLiteStore` has no public read accessor yet; this is the one place that reaches for it."""
    return store._connection()
