"""Notification emails: subject and bodies rendered from templates/*.j2, queued in the outbox.

One Environment with `autoescape=True` renders every part. The plain-text part and the subject
are the same rendering with the escapes undone (`html.unescape` inverts `markupsafe.escape`
exactly), so values are inserted as text in both and never evaluated as templates.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from .records import Firm

MAX_SUBJECT_LENGTH = 250
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")

_ENVIRONMENT = Environment(loader=PackageLoader("organizer.runtime.lifecycle", "templates"), autoescape=True,
                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True, slots=True)
class Email:
    """The words of one notification."""

    subject: str
    text: str
    html: str


def render(kind: str, firm: Firm, *, organizer: str, organizer_id: str, client_name: str,
           on_behalf: bool = False, actor: str = "", language: str = "en") -> Email:
    link = f"{firm.portal_url.rstrip('/')}/organizers/{organizer_id}" if firm.portal_url else ""
    values: dict[str, Any] = {"firm": firm, "organizer": organizer, "organizer_id": organizer_id,
                              "client_name": client_name, "link": link, "on_behalf": on_behalf, "actor": actor,
                              "language": language}
    subject = " ".join(_plain(f"{kind}.subject.j2", values).split())[:MAX_SUBJECT_LENGTH]
    return Email(subject, _plain(f"{kind}.txt.j2", values),
                 _ENVIRONMENT.get_template(f"{kind}.html.j2").render(values, subject=subject))


def _plain(name: str, values: dict[str, Any]) -> str:
    return html.unescape(_ENVIRONMENT.get_template(name).render(values))


def message_id(firm: Firm, organizer_id: str, kind: str, seq: int) -> str:
    """The Message-ID of a notification: the same for every delivery attempt of it."""
    return f"<{organizer_id}-{kind}-{seq}@{firm.host}>"


def enqueue(conn: sqlite3.Connection, firm: Firm, *, organizer_id: str, kind: str, seq: int,
            recipients: list[tuple[str, str]], email: Email, now: str) -> bool:
    """Queue a notification inside the caller's transaction; False when (organizer, kind, seq) is
    already queued or there is nobody to send it to."""
    if not recipients:
        return False
    cursor = conn.execute(
        "INSERT OR IGNORE INTO outbox (organizer_id, kind, seq, message_id, sender, recipients, subject, text_body,"
        " html_body, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (organizer_id, kind, seq, message_id(firm, organizer_id, kind, seq), json.dumps([firm.name, firm.email]),
         json.dumps(recipients), email.subject, email.text, email.html, now, now))
    return cursor.rowcount == 1


def single_line(text: str) -> str:
    """Text for a header: line breaks and other controls become spaces."""
    return " ".join(_LINE_BREAKS.sub(" ", text).split())
