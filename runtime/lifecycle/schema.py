"""The lifecycle's tables in the store's database, installed once by `install`."""

from __future__ import annotations

from ..store import SQLiteStore

MIGRATION = "lifecycle/1"

SCHEMA = """
CREATE TABLE firm (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    name       TEXT NOT NULL DEFAULT 'Our firm',
    email      TEXT NOT NULL DEFAULT 'office@organizer.invalid',
    phone      TEXT NOT NULL DEFAULT '',
    host       TEXT NOT NULL DEFAULT 'organizer.invalid',
    timezone   TEXT NOT NULL DEFAULT 'UTC',
    portal_url TEXT NOT NULL DEFAULT ''
);
INSERT INTO firm (id) VALUES (1);
CREATE TABLE clients (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    company    TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL CHECK (status IN ('active', 'offline')),
    fields     TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE TABLE contacts (
    client_id TEXT NOT NULL REFERENCES clients(id),
    email     TEXT NOT NULL,
    name      TEXT NOT NULL,
    notify    INTEGER NOT NULL,
    PRIMARY KEY (client_id, email)
);
CREATE TABLE pipelines (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE stages (
    id          TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    UNIQUE (pipeline_id, position)
);
CREATE TABLE automations (
    id               TEXT PRIMARY KEY,
    stage_id         TEXT NOT NULL REFERENCES stages(id),
    template_version TEXT NOT NULL REFERENCES templates(version),
    name             TEXT,
    reminders_on     INTEGER,
    reminder_days    INTEGER,
    reminder_limit   INTEGER
);
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients(id),
    name        TEXT NOT NULL,
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id),
    stage_id    TEXT REFERENCES stages(id),
    archived    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE TABLE job_organizers (
    job_id       TEXT NOT NULL REFERENCES jobs(id),
    organizer_id TEXT NOT NULL REFERENCES organizers(id),
    stage_id     TEXT,
    PRIMARY KEY (job_id, organizer_id)
);
CREATE INDEX job_organizers_by_organizer ON job_organizers(organizer_id);
CREATE TABLE issued (
    organizer_id   TEXT PRIMARY KEY REFERENCES organizers(id),
    template_id    TEXT NOT NULL,
    client_id      TEXT NOT NULL REFERENCES clients(id),
    period         TEXT NOT NULL,
    reminders_on   INTEGER NOT NULL,
    reminder_days  INTEGER NOT NULL CHECK (reminder_days >= 1),
    reminder_limit INTEGER NOT NULL CHECK (reminder_limit >= 0),
    reminders_sent INTEGER NOT NULL DEFAULT 0,
    resends        INTEGER NOT NULL DEFAULT 0,
    submits_seen   INTEGER NOT NULL DEFAULT 0,
    notified_at    TEXT NOT NULL,
    UNIQUE (template_id, client_id, period)
);
CREATE INDEX issued_by_client ON issued(client_id, notified_at);
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    organizer_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    sender      TEXT NOT NULL,
    recipients  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    text_body   TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    in_doubt    INTEGER NOT NULL DEFAULT 0,
    attempting  INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,
    lease_until TEXT,
    claimed_by  TEXT,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    reason      TEXT,
    UNIQUE (organizer_id, kind, seq)
);
CREATE INDEX outbox_ready ON outbox(state, not_before);
CREATE TABLE seals (
    organizer_id TEXT PRIMARY KEY REFERENCES organizers(id),
    sealed_at    TEXT NOT NULL,
    manifest     TEXT NOT NULL,
    export_sha256 TEXT
);
"""


def install(store: SQLiteStore) -> SQLiteStore:
    """Create the lifecycle's tables in `store` unless they exist; returns the store."""
    store.migrate(MIGRATION, SCHEMA)
    return store
