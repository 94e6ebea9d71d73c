"""An outbox row as an RFC 5322 message, with every header value sanitised first.

Display names and subjects lose line breaks and other control characters; an address must be a
plain ASCII `local@domain` (no quotes, angle brackets, spaces or controls). A row that still
cannot be composed is poison: `Poison` says why, and the dispatcher marks it failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from .emails import single_line
from .outbox import Outgoing

MAX_ADDRESS_LENGTH = 254
MAX_DISPLAY_NAME = 120
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class Poison(Exception):
    """A row that can never be sent as it is; the message is the reason recorded."""


@dataclass(frozen=True, slots=True)
class Composed:
    message: bytes
    sender: str
    recipients: list[str]
    skipped: list[str]  # addresses left out as undeliverable


def deliverable(address: str) -> bool:
    return len(address) <= MAX_ADDRESS_LENGTH and _ADDRESS.fullmatch(address) is not None


def display_name(name: str) -> str:
    return _INVISIBLE.sub("", single_line(name))[:MAX_DISPLAY_NAME].strip()


def compose(row: Outgoing, now: datetime) -> Composed:
    """The message bytes and envelope of a row; raises Poison."""
    try:
        return _compose(row, now)
    except Poison:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the email package refuses is this row's defect
        raise Poison(f"cannot compose the message: {type(error).__name__}: {error}") from None


def _compose(row: Outgoing, now: datetime) -> Composed:
    if not _MESSAGE_ID.fullmatch(row.message_id):
        raise Poison(f"the Message-ID {row.message_id[:100]!r} is malformed")
    sender_name, sender = row.sender
    if not deliverable(sender):
        raise Poison(f"the firm's address {sender[:100]!r} is not deliverable")
    to = [(display_name(name), address) for name, address in row.recipients if deliverable(address)]
    skipped = [address for _, address in row.recipients if not deliverable(address)]
    if not to:
        raise Poison(f"no deliverable address among {[a[:100] for a in skipped]!r}")
    message = EmailMessage(policy=SMTP)
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(now)
    message["From"] = Address(display_name(sender_name), addr_spec=sender)
    message["To"] = [Address(name, addr_spec=address) for name, address in to]
    message["Subject"] = single_line(row.subject)
    if row.kind == "reminder":
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(_utf8(row.text))
    message.add_alternative(_utf8(row.html), subtype="html")
    return Composed(message.as_bytes(), sender, [address for _, address in to], skipped)


def _utf8(text: str) -> str:
    """Text that encodes as UTF-8 (a lone surrogate becomes U+FFFD)."""
    return _SURROGATE.sub("\ufffd", text)
