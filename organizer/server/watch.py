"""The library watcher: on each change under the root, recompile what changed and tell the open
previews (watchfiles, inotify, 50 ms debounce)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import anyio.to_thread
from watchfiles import Change, awatch

from organizer.dsl.config import CONFIG_NAME

from .events import Hub, event_of
from .library import EXTENSION, STATE_FOLDER, Library

log = logging.getLogger("organizer.server")
DEBOUNCE_MS = 50
STEP_MS = 10


def relevant(root: str, store: str | None) -> object:
    """A watchfiles filter: template files, `organizer.yaml` and folders, outside the store (its
    database, journal and uploads all start with the store's path)."""
    hidden = os.path.join(root, STATE_FOLDER) + os.sep

    def keep(change: Change, path: str) -> bool:
        if path.startswith(hidden) or (store and path.startswith(store)):
            return False
        name = os.path.basename(path)
        return name.endswith(EXTENSION) or name == CONFIG_NAME or "." not in name

    return keep


async def refresh(library: Library, hub: Hub, versions: dict[str, str]) -> None:
    """Recompile the library and publish every entry whose version changed (or that went away)."""
    entries = await anyio.to_thread.run_sync(library.refresh)
    for key, entry in entries.items():
        if versions.get(key) != entry.version:
            hub.publish(key, event_of(entry))
    for key in versions.keys() - entries.keys():
        hub.publish(key, event_of(None))
    versions.clear()
    versions.update({key: entry.version for key, entry in entries.items()})


async def watch(library: Library, hub: Hub, store: Path) -> None:
    """Run until the hub closes."""
    versions = {entry.key: entry.version for entry in library.entries()}
    try:
        async for _ in awatch(library.root, watch_filter=relevant(library.root, os.path.realpath(store)),  # type: ignore[arg-type]
                              debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=hub.closing, recursive=True):
            await refresh(library, hub, versions)
    except Exception:  # the server keeps serving without live reload rather than stopping
        log.exception("the library watcher stopped; live reload is off until the server restarts")
