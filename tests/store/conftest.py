"""A real SQLite store in a temporary folder, with one pinned template."""

from __future__ import annotations

from pathlib import Path

import pytest
from organizer.runtime.store import SQLiteStore

TEMPLATE = {"id": "sample", "format": "organizer/1", "sections": []}


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "store.sqlite3")


@pytest.fixture
def version(store: SQLiteStore) -> str:
    return store.put_template(TEMPLATE)


@pytest.fixture
def organizer_id(store: SQLiteStore, version: str) -> str:
    return store.create_organizer(template_version=version, name="Sample", client_id="c-1").id
