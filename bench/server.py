"""The dev server's speed: autosaves per second and their latency through the HTTP API with 1 and
8 concurrent clients (each client saving its own organizer over a kept-alive connection, so every
save is a real revision with `synchronous=FULL`), and the time from saving a template on disk to
the reloaded preview, measured twice: by the arrival of the live-reload event (SSE) and by the new
title showing in the preview's frame in headless Chromium.

    python bench/server.py [--saves 200] [--runs 3] [--reloads 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchlib import machine_line, median, percentile, table
from organizer.compiler.build import compile_source
from organizer.dsl.config import load_config
from organizer.runtime.program import program_to_json
from organizer.runtime.store import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "tests" / "server" / "library"
ANSWERS = {"first_name": "Ada", "children": 2, "has_income": True, "notes": "x" * 800,
           "accounts": [{"bank": f"Bank {n}"} for n in range(5)]}
CHROMIUM = "/usr/bin/chromium"


class Server:
    """`organizer serve` on a temporary copy of the test library, port 0."""

    def __init__(self, base: Path) -> None:
        self.library = base / "library"
        shutil.copytree(LIBRARY, self.library)
        self.log = base / "server.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "organizer", "serve", str(self.library),
                                             "--port", "0"], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/", self.log.read_text())):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(self.log.read_text())
            time.sleep(0.05)
        self.port = int(found.group(1))
        self.store = SQLiteStore(self.library / ".organizer" / "store.sqlite3")

    def organizer(self) -> str:
        config, _ = load_config(self.library / "organizer.yaml")
        program = compile_source((self.library / "basics.organizer").read_text(), "basics.organizer", config).program
        assert program is not None
        version = self.store.put_template(program_to_json(program))
        return self.store.create_organizer(template_version=version, name="bench").id

    def stop(self) -> None:
        self.store.close()
        self.process.terminate()
        self.process.wait(30)


def save_loop(server: Server, ident: str, saves: int, latencies: list[float]) -> None:
    """One client: `saves` PUTs of the draft, each based on the revision the last one returned."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Host": f"127.0.0.1:{server.port}", "Origin": f"http://127.0.0.1:{server.port}",
               "Content-Type": "application/json"}
    revision = None
    for n in range(saves):
        body = json.dumps({"base_revision": revision, "answers": {**ANSWERS, "children": n % 20}})
        start = time.perf_counter()
        connection.request("PUT", f"/organizers/{ident}/draft", body, headers)
        response = connection.getresponse()
        data = response.read()
        latencies.append(time.perf_counter() - start)
        assert response.status == 200, data
        revision = json.loads(data)["revision"]
    connection.close()


def throughput(server: Server, clients: int, saves: int) -> tuple[float, list[float]]:
    """(saves per second, every save's latency) of one run."""
    latencies: list[float] = []
    organizers = [server.organizer() for _ in range(clients)]
    threads = [threading.Thread(target=save_loop, args=(server, ident, saves, latencies)) for ident in organizers]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients * saves / (time.perf_counter() - start), latencies


def save_template(path: Path, n: int) -> None:
    text = re.sub(r'organizer basics "[^"]*"', f'organizer basics "Reload {n}"', path.read_text())
    temporary = path.with_name(".bench.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def reload_by_events(server: Server, reloads: int) -> list[float]:
    """Seconds from each save on disk to the `reload` event arriving on the preview's stream."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    sock.sendall(f"GET /preview/basics/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    stream = sock.makefile("rb")
    seen: set[str] = set()

    def next_version() -> str:
        while True:
            line = stream.readline()
            if line.startswith(b"data: "):
                version = str(json.loads(line[6:])["version"])
                if version not in seen:
                    seen.add(version)
                    return version

    next_version()
    times = []
    for n in range(reloads):
        start = time.perf_counter()
        save_template(server.library / "basics.organizer", n)
        next_version()
        times.append(time.perf_counter() - start)
        time.sleep(0.1)
    sock.close()
    return times


def reload_in_chromium(server: Server, reloads: int) -> list[float] | None:
    """Seconds from each save on disk to the new title showing in the preview's frame."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.port}/preview/basics")
        frame = page.frame_locator("#frame")
        frame.locator("#organizer[data-ready]").wait_for(timeout=60_000)
        for n in range(1000, 1000 + reloads):
            start = time.perf_counter()
            save_template(server.library / "basics.organizer", n)
            frame.locator("#title", has_text=f"Reload {n}").wait_for(timeout=60_000)
            times.append(time.perf_counter() - start)
            frame.locator("#organizer[data-ready]").wait_for(timeout=60_000)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200, help="saves per client per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reloads", type=int, default=20)
    args = parser.parse_args()
    print(machine_line(("starlette", "uvicorn", "watchfiles", "h11")))
    with tempfile.TemporaryDirectory() as base:
        server = Server(Path(base))
        try:
            rows = []
            for clients in (1, 8):
                runs = [throughput(server, clients, args.saves) for _ in range(args.runs)]
                middle = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
                rows.append([f"{clients} client{'s' * (clients > 1)} x {args.saves} saves",
                             f"{median([r[0] for r in runs]):.0f}", f"{percentile(middle[1], 50) * 1000:.1f}",
                             f"{percentile(middle[1], 99) * 1000:.1f}"])
            print(f"\nAutosave through the HTTP API (median of {args.runs} runs; latency of the median run)\n")
            print(table(["load", "saves/s", "p50 ms", "p99 ms"], rows))
            reload_rows = []
            for what, times in (("reload event (SSE) arrives", reload_by_events(server, args.reloads)),
                                ("new title shown in Chromium", reload_in_chromium(server, args.reloads))):
                if times:
                    reload_rows.append([what, len(times), f"{percentile(times, 50) * 1000:.0f}",
                                        f"{percentile(times, 99) * 1000:.0f}"])
            print("\nSave a template on disk -> reloaded preview\n")
            print(table(["measured at", "saves", "p50 ms", "p99 ms"], reload_rows))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
