"""Live reload over Server-Sent Events: the watcher publishes each template's state, every open
preview of that template receives it.

A subscriber keeps only the latest state (a burst of saves coalesces into one event), and an event
carries only `reload` (the new version) or `diagnostics` (the text `organizer check` prints) —
never a file's contents beyond what the diagnostics quote.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from .library import Entry

MAX_SUBSCRIBERS = 64
HEARTBEAT_SECONDS = 15.0


def event_of(entry: Entry | None) -> dict[str, Any]:
    """What a preview of `entry` should show now."""
    if entry is None:
        return {"event": "diagnostics", "version": "gone",
                "text": "this template is no longer in the library (deleted, or its id changed)"}
    if entry.template is None:
        return {"event": "diagnostics", "version": entry.version, "text": entry.diagnostics_text}
    return {"event": "reload", "version": entry.version}


@dataclass(eq=False)
class Subscriber:
    key: str
    latest: dict[str, Any] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, event: dict[str, Any]) -> None:
        self.latest = event
        self.wake.set()


@dataclass
class Hub:
    """The open live-reload streams, by template key."""

    subscribers: set[Subscriber] = field(default_factory=set)
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    def subscribe(self, key: str, first: dict[str, Any]) -> Subscriber | None:
        if len(self.subscribers) >= MAX_SUBSCRIBERS:
            return None
        subscriber = Subscriber(key)
        subscriber.offer(first)
        self.subscribers.add(subscriber)
        return subscriber

    def publish(self, key: str, event: dict[str, Any]) -> None:
        for subscriber in list(self.subscribers):
            if subscriber.key == key:
                subscriber.offer(event)

    def close(self) -> None:
        self.closing.set()
        for subscriber in list(self.subscribers):
            subscriber.wake.set()

    async def stream(self, subscriber: Subscriber) -> AsyncIterator[str]:
        """The SSE text of one subscriber until the server stops or the client leaves."""
        try:
            yield "retry: 500\n\n"
            while not self.closing.is_set():
                try:
                    await asyncio.wait_for(subscriber.wake.wait(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": still here\n\n"
                    continue
                subscriber.wake.clear()
                event, subscriber.latest = subscriber.latest, None
                if event is not None:
                    yield f"event: {event['event']}\ndata: {json.dumps(event)}\n\n"
        finally:
            self.subscribers.discard(subscriber)
