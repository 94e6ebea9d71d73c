"""Lifecycle: a bulk send to N clients (organizers created, invites queued in the outbox), one
reminders pass over N open organizers, N submissions, and the answer table of the N submissions
(CSV and XLSX), each in a fresh store, median of a few runs; optionally the delivery of the
queued invites to a local SMTP server (aiosmtpd).

    python bench/lifecycle.py [--clients 10000] [--runs 3] [--deliver]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchlib import ROOT, machine_line, table

sys.path.insert(0, str(ROOT))

from tests.lifecycle.support import Clock, Sink, start_sink, template_json  # noqa: E402

from organizer.runtime.lifecycle.clients import ClientList, import_clients, set_firm  # noqa: E402
from organizer.runtime.lifecycle.dispatch import Dispatcher  # noqa: E402
from organizer.runtime.lifecycle.records import Client  # noqa: E402
from organizer.runtime.lifecycle.reminders import run  # noqa: E402
from organizer.runtime.lifecycle.schema import install  # noqa: E402
from organizer.runtime.lifecycle.sending import Sending, send  # noqa: E402
from organizer.runtime.lifecycle.states import submit  # noqa: E402
from organizer.runtime.lifecycle.table import FORMATS, export_answers  # noqa: E402
from organizer.runtime.store import SQLiteStore  # noqa: E402


def one_run(size: int, deliver: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock(datetime(2027, 1, 11, 9, 0, tzinfo=UTC))
        store = install(SQLiteStore(Path(folder) / "store.sqlite3", clock=clock))
        set_firm(store, name="Miller & Co", email="office@miller.example", host="miller.example")
        version = store.put_template(template_json())
        import_clients(store, ClientList([(Client(id=f"c{n:05d}", name=f"Client {n}", first_name=f"First {n}",
                                                  email=f"c{n}@clients.example"), True) for n in range(size)]))
        ids = [f"c{n:05d}" for n in range(size)]
        times = {}
        start = time.perf_counter()
        sent = send(store, Sending(template_version=version), ids)
        times["bulk send"] = time.perf_counter() - start
        queued = store.connection().execute("SELECT count(*) FROM outbox WHERE kind = 'invite'").fetchone()[0]
        assert sum(s.created for s in sent) == size == queued
        start = time.perf_counter()
        again = send(store, Sending(template_version=version), ids)
        times["bulk send again (all found)"] = time.perf_counter() - start
        assert not any(s.created for s in again)
        if deliver:
            sink = Sink()
            controller = start_sink(sink)
            start = time.perf_counter()
            report = Dispatcher(store, sink.server).run()
            times["deliver invites (SMTP)"] = time.perf_counter() - start
            controller.stop()
            assert report.sent == size == len(sink.messages)
        clock.advance(days=3, minutes=1)
        start = time.perf_counter()
        result = run(store)
        times["reminders pass"] = time.perf_counter() - start
        assert result.queued == size
        clock.advance(minutes=5)
        start = time.perf_counter()
        result = run(store)
        times["reminders pass, none due"] = time.perf_counter() - start
        assert result.queued == 0
        start = time.perf_counter()
        for one in sent:
            submit(store, one.organizer_id, answers={"first_name": "Ann", "moved": False},
                   base_revision=store.draft(one.organizer_id).revision)
        times["submit each (validated)"] = time.perf_counter() - start
        for fmt in FORMATS:
            start = time.perf_counter()
            data = export_answers(store, "season_tax", format=fmt)
            times[f"answer table, {fmt} ({len(data) / 1e6:.1f} MB)"] = time.perf_counter() - start
        store.close()
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--deliver", action="store_true", help="also time delivering the invites over SMTP")
    args = parser.parse_args()
    print(machine_line(["aiosmtpd"]))
    runs = [one_run(args.clients, args.deliver) for _ in range(args.runs)]
    rows = []
    for name in runs[0]:
        values = [r[name] for r in runs]
        per = statistics.median(values) / args.clients * 1e6
        rows.append([name, f"{args.clients:,}", f"{statistics.median(values):.2f} s",
                     f"{min(values):.2f}–{max(values):.2f} s", f"{per:,.0f} µs"])
    print(table(["step", "organizers", f"median of {args.runs}", "range", "per organizer"], rows))


if __name__ == "__main__":
    main()
