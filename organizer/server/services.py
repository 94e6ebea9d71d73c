"""What every route of one server shares: the library, the store, previews, live-reload events,
and the pinned templates of organizers (loaded once per version)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from organizer.runtime.store import Organizer, Store
from organizer.runtime.template import Template, load

from .bodies import HTTPRefusal
from .events import Hub
from .library import Library
from .previews import Previews

ORGANIZER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
PINNED_CACHE = 64

#: Run inside a submission's transaction with its connection and the organizer's id (the
#: lifecycle queues the firm's email and moves jobs on), so the two commit together.
SubmitHook = Callable[[Any, str], None]


@dataclass
class PinnedTemplates:
    """The runtime `Template` of each pinned version, most recently used kept."""

    store: Store
    _cache: OrderedDict[str, Template] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, version: str) -> Template:
        with self._lock:
            if version in self._cache:
                self._cache.move_to_end(version)
                return self._cache[version]
        template = load(self.store.template_json(version))
        with self._lock:
            self._cache[version] = template
            while len(self._cache) > PINNED_CACHE:
                self._cache.popitem(last=False)
        return template


@dataclass
class Services:
    library: Library
    store: Store
    previews: Previews
    hub: Hub
    pinned: PinnedTemplates
    #: Saves of this process queue here rather than in SQLite's busy handler, which sleeps in steps
    #: of up to 100 ms between attempts: a lock hands over at once.
    writes: threading.Lock = field(default_factory=threading.Lock)
    submit_hooks: list[SubmitHook] = field(default_factory=list)

    def context(self, organizer: Organizer) -> dict[str, Any] | None:
        """The shortcode context of an organizer: the library's sample context for previews."""
        if not Previews.is_preview(organizer.id):
            return None
        for entry in self.library.entries():
            if organizer.id.startswith(Previews.prefix(entry.key)):
                return entry.preview
        return None


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def organizer_id(request: Request) -> str:
    """The `{organizer_id}` of the URL, checked to be an id before it reaches the store."""
    value = request.path_params["organizer_id"]
    if not ORGANIZER_ID.fullmatch(value):
        raise HTTPRefusal(404, "not-found", "no such organizer")
    return str(value)
