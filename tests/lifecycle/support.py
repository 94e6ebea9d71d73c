"""Test doubles for the lifecycle: a settable clock, a recording SMTP server, a sample template."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import SMTP as SMTP_POLICY
from typing import Any

from aiosmtpd.controller import Controller
from organizer.runtime.lifecycle.dispatch import SMTPServer
from organizer.runtime.program import program_to_json

import organizer

SOURCE = '''organizer season_tax "<<year>> Tax Organizer for <<client.name>>" {
  reminders after 3 days limit 2
  section about "About you" {
    text first_name "First name" required prefill client.first_name
    yesno moved "Did you move in <<year>>?" required
    text old_city "Previous city" prefill previous.old_city
    file w2 "W-2" accept "pdf", "txt" max 5
  }
}
'''


def template_json(source: str = SOURCE) -> dict[str, Any]:
    return program_to_json(organizer.compile_source(source).program)


class Clock:
    """An injectable clock that only moves when told."""

    def __init__(self, start: datetime = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: str
    recipients: tuple[str, ...]
    subject: str
    raw: bytes


#: What the sink does with one message: None accepts it (250); a string such as "451 busy" is
#: the answer; "drop" closes the connection without an answer; ("stall", seconds) waits first.
Policy = Callable[[str], Any]


@dataclass
class Sink:
    """An aiosmtpd server on 127.0.0.1 that records every accepted message."""

    policy: Policy = lambda message_id: None
    on_accept: Callable[[Delivered], None] | None = None
    messages: list[Delivered] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)  # (Message-ID, answer) of every DATA
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: SMTPServer = field(default_factory=SMTPServer)  # where it listens, once started

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=SMTP_POLICY)
        message_id = str(parsed["Message-ID"])
        action = self.policy(message_id)
        if isinstance(action, tuple) and action[0] == "stall":
            await asyncio.sleep(action[1])
            action = None
        with self.lock:
            self.answers.append((message_id, str(action or "250")))
        if action == "drop":
            server.transport.close()
            return "421 closing"
        if action is not None:
            return str(action)
        delivered = Delivered(message_id, tuple(envelope.rcpt_tos), str(parsed["Subject"]), envelope.content)
        with self.lock:
            self.messages.append(delivered)
        if self.on_accept is not None:
            self.on_accept(delivered)
        return "250 OK"

    def by_id(self) -> dict[str, list[Delivered]]:
        found: dict[str, list[Delivered]] = {}
        with self.lock:
            for message in self.messages:
                found.setdefault(message.message_id, []).append(message)
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_sink(sink: Sink) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    sink.server = SMTPServer("127.0.0.1", controller.port, timeout=5)
    return controller
