"""Pipelines of ordered stages, jobs moving through them, and the stage automation that
creates an organizer when a job enters its stage."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence

from ..store import SQLiteStore
from .records import Automation, Job, LifecycleError, ReminderSettings, Unknown
from .sending import Sending, send

#: Organizer states that count as answered when deciding whether a job moves on.
DONE_STATES = ("submitted", "sealed", "archived")


def add_pipeline(store: SQLiteStore, pipeline_id: str, name: str, stages: Sequence[str]) -> list[str]:
    """A pipeline with its stages in order; returns the stage ids (`<pipeline>:<position>`)."""
    if not stages:
        raise LifecycleError("a pipeline needs at least one stage")
    ids = [f"{pipeline_id}:{position}" for position in range(1, len(stages) + 1)]
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM pipelines WHERE id = ?", (pipeline_id,)).fetchone():
            raise LifecycleError(f"pipeline {pipeline_id!r} exists already")
        conn.execute("INSERT INTO pipelines VALUES (?, ?)", (pipeline_id, name))
        conn.executemany("INSERT INTO stages VALUES (?, ?, ?, ?)",
                         [(i, pipeline_id, n, s) for n, (i, s) in enumerate(zip(ids, stages), start=1)])
    return ids


def add_automation(store: SQLiteStore, automation: Automation) -> Automation:
    """'Create organizer' on entering a stage."""
    settings = automation.reminders
    with store.transaction() as conn:
        _stage(conn, automation.stage_id)
        if conn.execute("SELECT 1 FROM templates WHERE version = ?", (automation.template_version,)).fetchone() is None:
            raise Unknown(f"no template version {automation.template_version!r} in the store")
        conn.execute("INSERT INTO automations VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (automation.id, automation.stage_id, automation.template_version, automation.name,
                      None if settings is None else int(settings.enabled), None if settings is None else settings.days,
                      None if settings is None else settings.limit))
    return automation


def automations(conn: sqlite3.Connection, stage_id: str) -> list[Automation]:
    rows = conn.execute("SELECT id, stage_id, template_version, name, reminders_on, reminder_days, reminder_limit"
                        " FROM automations WHERE stage_id = ? ORDER BY id", (stage_id,))
    return [Automation(id=r[0], stage_id=r[1], template_version=r[2], name=r[3],
                       reminders=None if r[4] is None else ReminderSettings(bool(r[4]), r[5], r[6])) for r in rows]


def add_job(store: SQLiteStore, job_id: str, client_id: str, name: str, pipeline_id: str) -> Job:
    """A job for a client in a pipeline, in no stage until it is moved."""
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM pipelines WHERE id = ?", (pipeline_id,)).fetchone() is None:
            raise Unknown(f"no pipeline {pipeline_id!r}")
        if conn.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone() is None:
            raise Unknown(f"no client {client_id!r}")
        if conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone():
            raise LifecycleError(f"job {job_id!r} exists already")
        conn.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, NULL, 0, ?)", (job_id, client_id, name, pipeline_id, store.now()))
    return job(store, job_id)


def job(store: SQLiteStore, job_id: str) -> Job:
    row = store.connection().execute("SELECT id, client_id, name, pipeline_id, stage_id, archived FROM jobs WHERE id = ?",
                                (job_id,)).fetchone()
    if row is None:
        raise Unknown(f"no job {job_id!r}")
    return Job(id=row[0], client_id=row[1], name=row[2], pipeline_id=row[3], stage_id=row[4], archived=bool(row[5]))


def _stage(conn: sqlite3.Connection, stage_id: str) -> tuple[str, int]:
    row = conn.execute("SELECT pipeline_id, position FROM stages WHERE id = ?", (stage_id,)).fetchone()
    if row is None:
        raise Unknown(f"no stage {stage_id!r}")
    return row[0], row[1]


def move_job(store: SQLiteStore, job_id: str, stage_id: str, *, skip: Collection[str] = (),
             actor: str = "staff") -> Job:
    """Move a job into a stage and run the stage's automations, except those in `skip` (unticked
    for this move). Moving into the same stage again creates nothing new."""
    with store.transaction() as conn:
        current = job(store, job_id)
        if current.archived:
            raise LifecycleError(f"job {job_id!r} is archived")
        pipeline_id, _ = _stage(conn, stage_id)
        if pipeline_id != current.pipeline_id:
            raise LifecycleError(f"stage {stage_id!r} is not in the pipeline of job {job_id!r}")
        conn.execute("UPDATE jobs SET stage_id = ? WHERE id = ?", (stage_id, job_id))
        for automation in automations(conn, stage_id):
            if automation.id not in skip:
                send(store, Sending(template_version=automation.template_version, name=automation.name,
                                    job_id=job_id, reminders=automation.reminders, actor=actor), [current.client_id])
    return job(store, job_id)


def archive_job(store: SQLiteStore, job_id: str) -> Job:
    """Archive a job: the automatic reminders of its organizers stop."""
    with store.transaction() as conn:
        job(store, job_id)
        conn.execute("UPDATE jobs SET archived = 1 WHERE id = ?", (job_id,))
    return job(store, job_id)


def advance_jobs(store: SQLiteStore, conn: sqlite3.Connection, organizer_id: str) -> list[str]:
    """Move on every job of this organizer whose organizers of its current stage are all answered;
    returns the ids of the jobs that moved."""
    moved = []
    rows = conn.execute("SELECT j.id, j.stage_id FROM jobs j JOIN job_organizers jo ON jo.job_id = j.id"
                        " WHERE jo.organizer_id = ? AND j.archived = 0 AND jo.stage_id IS j.stage_id"
                        " AND j.stage_id IS NOT NULL", (organizer_id,)).fetchall()
    for job_id, stage_id in rows:
        open_count = conn.execute(
            f"SELECT count(*) FROM job_organizers jo JOIN organizers o ON o.id = jo.organizer_id WHERE jo.job_id = ?"
            f" AND jo.stage_id = ? AND o.state NOT IN ({', '.join('?' * len(DONE_STATES))}, 'deleted')",
            (job_id, stage_id, *DONE_STATES)).fetchone()[0]
        pipeline_id, position = _stage(conn, stage_id)
        following = conn.execute("SELECT id FROM stages WHERE pipeline_id = ? AND position = ?",
                                 (pipeline_id, position + 1)).fetchone()
        if open_count == 0 and following is not None:
            move_job(store, job_id, following[0], actor="automation")
            moved.append(job_id)
    return moved
