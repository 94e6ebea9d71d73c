"""Fixtures of the lifecycle tests: a store on a fake clock with the lifecycle installed, the
sample template pinned, and a recording SMTP server. `LIFECYCLE_EXTENDED=1` selects the large
sizes of the season and poison tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from organizer.runtime.lifecycle.clients import set_firm
from organizer.runtime.lifecycle.schema import install
from organizer.runtime.store import SQLiteStore

from .support import Clock, Sink, start_sink, template_json


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[SQLiteStore]:
    opened = install(SQLiteStore(tmp_path / "store.sqlite3", clock=clock))
    set_firm(opened, name="Miller & Co", email="office@miller.example", host="miller.example",
             timezone="America/New_York", portal_url="https://portal.miller.example")
    yield opened
    opened.close()


@pytest.fixture
def version(store: SQLiteStore) -> str:
    return store.put_template(template_json())


@pytest.fixture
def sink() -> Iterator[Sink]:
    recorder = Sink()
    controller = start_sink(recorder)
    yield recorder
    controller.stop()
