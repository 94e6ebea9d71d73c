"""L1/L5 across processes: two `reminders run` at once, runs killed with SIGKILL (also between
the server's 250 and the commit) and restarted, a bulk send killed and run again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from organizer.runtime.lifecycle.clients import put_client
from organizer.runtime.lifecycle.outbox import counts
from organizer.runtime.lifecycle.records import Client
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.store import SQLiteStore

from .support import SOURCE, Clock, Sink

CLIENTS = 120
ROOT = Path(__file__).resolve().parents[2]


def _command(store: SQLiteStore, *args: str) -> list[str]:
    return [sys.executable, "-m", "organizer", *args, "--store", str(store.path)]


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(process: subprocess.Popen[bytes]) -> int:
    _, err = process.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
    return process.returncode


def _season_start(store: SQLiteStore, version: str, clock: Clock) -> list[str]:
    for n in range(CLIENTS):
        put_client(store, Client(id=f"c{n}", name=f"Client {n}", email=f"c{n}@clients.example"))
    sent = send(store, Sending(template_version=version), [f"c{n}" for n in range(CLIENTS)])
    return [s.organizer_id for s in sent]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def test_two_runs_at_once_send_each_reminder_once(store: SQLiteStore, clock: Clock, version: str,
                                                   sink: Sink) -> None:
    organizer_ids = _season_start(store, version, clock)
    smtp = f"127.0.0.1:{sink.server.port}"
    later = _iso(clock.now + timedelta(days=3, minutes=1))
    runs = [_start(_command(store, "reminders", "run", "--now", later, "--smtp", smtp)) for _ in range(2)]
    assert [_finish(p) for p in runs] == [0, 0]
    delivered = Counter(m.message_id for m in sink.messages)
    expected = {f"<{o}-{kind}-1@miller.example>" for o in organizer_ids for kind in ("invite", "reminder")}
    assert set(delivered) == expected
    assert max(delivered.values()) == 1
    assert counts(store).in_doubt == 0


def test_killed_runs_lose_no_reminder_and_duplicate_only_in_doubt(store: SQLiteStore, clock: Clock, version: str,
                                                                   sink: Sink) -> None:
    organizer_ids = _season_start(store, version, clock)
    smtp = f"127.0.0.1:{sink.server.port}"
    rng = random.Random(11)
    running: dict[str, subprocess.Popen[bytes]] = {}
    kill_at = {"count": rng.randrange(5, 40)}

    def kill_after_accept(_: object) -> None:  # SIGKILL once the server has accepted, before the 250 reaches it
        kill_at["count"] -= 1
        if kill_at["count"] == 0 and "run" in running:
            os.kill(running["run"].pid, signal.SIGKILL)

    sink.on_accept = kill_after_accept
    now, kills = clock.now + timedelta(days=3, minutes=1), 0
    for attempt in range(12):
        process = _start(_command(store, "reminders", "run", "--now", _iso(now), "--smtp", smtp))
        running["run"] = process
        timer = None
        if attempt % 2:  # a kill at a random moment, whatever the run is doing
            timer = threading.Timer(rng.uniform(0.3, 1.2), lambda p=process: p.poll() is None and p.kill())
            timer.start()
        code = _finish(process)
        if timer is not None:
            timer.cancel()
        kills += code == -signal.SIGKILL
        kill_at["count"] = rng.randrange(5, 40)
        now += timedelta(minutes=6)  # past the lease of a killed run (10 socket timeouts of 30 s)
        if code == 0 and counts(store).pending + counts(store).sending == 0 and kills >= 4:
            break
    sink.on_accept = None
    assert _finish(_start(_command(store, "reminders", "run", "--now", _iso(now), "--smtp", smtp))) == 0

    delivered = Counter(m.message_id for m in sink.messages)
    expected = {f"<{o}-{kind}-1@miller.example>" for o in organizer_ids for kind in ("invite", "reminder")}
    assert set(delivered) == expected  # none lost, nothing unexpected
    duplicates = sum(n - 1 for n in delivered.values())
    in_doubt = counts(store).in_doubt
    assert duplicates <= in_doubt <= kills
    assert kills >= 2
    assert counts(store).sent == len(expected)
    print(f"\nkills: {kills}; {len(expected)} emails expected, {len(delivered)} distinct delivered; "
          f"{duplicates} duplicate deliveries, {in_doubt} in-doubt resends")


def test_a_bulk_send_killed_and_run_again_creates_no_duplicates(store: SQLiteStore, tmp_path: Path) -> None:
    size = 1500
    rows = "\n".join(f"c{n},Client {n},c{n}@clients.example" for n in range(size))
    (tmp_path / "clients.csv").write_text(f"id,name,email\n{rows}\n", encoding="utf-8")
    (tmp_path / "season.organizer").write_text(SOURCE, encoding="utf-8")
    command = _command(store, "send", str(tmp_path / "season.organizer"), "--clients", str(tmp_path / "clients.csv"))
    process = _start(command)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and store.connection().execute("SELECT count(*) FROM issued").fetchone()[0] < 300:
        time.sleep(0.02)
    process.kill()
    _finish(process)
    done_before = store.connection().execute("SELECT count(*) FROM issued").fetchone()[0]
    assert 0 < done_before < size
    assert _finish(_start(command)) == 0
    issued = store.connection().execute("SELECT count(*), count(DISTINCT client_id) FROM issued").fetchone()
    invites = store.connection().execute("SELECT count(*) FROM outbox WHERE kind = 'invite'").fetchone()[0]
    assert (issued[0], issued[1], len(store.organizers()), invites) == (size, size, size, size)
