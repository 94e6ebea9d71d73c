"""`organizer serve [DIR]`: open the store, bind the socket, print where the server listens, run it.

The socket is bound and listening before the `Serving ...` line is printed, so a client that reads
the line can connect at once (with `--port 0` the line carries the port the system chose).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from organizer.runtime.store import NotAStore, SQLiteStore, StoreError

from .app import create_app
from .library import STATE_FOLDER

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
LOOPBACK_NAMES = ("localhost",)
MAX_CONNECTIONS = 256


@dataclass(frozen=True, slots=True)
class ServeOptions:
    folder: Path
    port: int = 8000
    host: str = "127.0.0.1"
    store: Path | None = None
    allow_remote: bool = False


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host:port` (`localhost` binds 127.0.0.1)."""
    address = "127.0.0.1" if host.lower() == "localhost" else host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY only then
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError:
        sock.close()
        raise
    sock.listen(MAX_CONNECTIONS)
    return sock


def serve(options: ServeOptions) -> int:
    """Run the dev server until interrupted; the exit status of the command."""
    folder = options.folder
    if not folder.is_dir():
        print(f"organizer: {folder}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    if not is_loopback(options.host):
        if not options.allow_remote:
            print(f"organizer: refusing to listen on {options.host}: the dev server listens on 127.0.0.1 only; "
                  "pass --allow-remote to expose it to other machines (it has no authentication)", file=sys.stderr)
            return EXIT_USAGE
        print(f"organizer: warning: listening on {options.host}: anyone who can reach this machine can read and "
              "change the previews and the store", file=sys.stderr)
    store_path = options.store or folder / STATE_FOLDER / "store.sqlite3"
    try:
        store_path.parent.mkdir(parents=True, exist_ok=True)
        store = SQLiteStore(store_path)
    except NotAStore as exc:
        print(f"organizer: {store_path}: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    except (StoreError, OSError) as exc:
        print(f"organizer: cannot open the store {store_path}: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    try:
        sock = bind(options.host, options.port)
    except OSError as exc:
        print(f"organizer: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERRORS
    port = sock.getsockname()[1]
    shown = f"[{sock.getsockname()[0]}]" if sock.family == socket.AF_INET6 else sock.getsockname()[0]
    extra = () if is_loopback(options.host) else (options.host,)
    app = create_app(folder, store, store_path, port, extra_hosts=extra)
    config = uvicorn.Config(app, log_level="warning", proxy_headers=False, server_header=False,
                            limit_concurrency=MAX_CONNECTIONS, timeout_graceful_shutdown=2, lifespan="on")
    print(f"Serving {folder} on http://{shown}:{port}/", flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    return EXIT_OK
