"""The lifecycle's data as the store keeps it: the firm, clients, contacts, issued organizers, jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Automatic reminders when neither the sender nor the template says otherwise (SPEC 7).
DEFAULT_REMINDER_DAYS = 3
DEFAULT_REMINDER_LIMIT = 1


class LifecycleError(Exception):
    """A request the lifecycle refuses; the message is for people."""


class Unknown(LifecycleError):
    """No client, job, pipeline, stage, template or organizer with that id."""


class WrongState(LifecycleError):
    """A move the organizer's state does not allow (HTTP 409, as the store's `NotAllowed`)."""


@dataclass(frozen=True, slots=True)
class Firm:
    """The sender of every email; `host` names the Message-IDs, `timezone` decides `year` and `today`."""

    name: str
    email: str
    phone: str
    host: str
    timezone: str
    portal_url: str

    def context(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "phone": self.phone}


@dataclass(frozen=True, slots=True, kw_only=True)
class Client:
    """A client of the firm: `active`, or `offline` (not invited yet: no emails)."""

    id: str
    name: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    company: str = ""
    status: str = "active"
    fields: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        texts = [self.id, self.name, self.first_name, self.last_name, self.email, self.company, *self.fields]
        texts += [value for value in self.fields.values() if isinstance(value, str)]
        if not all(_unicode(text) for text in texts):
            raise LifecycleError("a client's texts must be Unicode text (one holds an unpaired surrogate)")

    def context(self) -> dict[str, Any]:
        """`client.*` for shortcodes and prefill: the built-in fields over the custom ones."""
        return {**self.fields, "id": self.id, "name": self.name, "first_name": self.first_name,
                "last_name": self.last_name, "email": self.email, "company": self.company}


def _unicode(text: str) -> bool:
    """Whether `text` can be stored and mailed: no lone surrogate halves."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Contact:
    """A person at a client; emails go to the contacts with `notify` on."""

    client_id: str
    email: str
    name: str
    notify: bool


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """Automatic reminders of one organizer: after `days` × 24 h of inactivity, at most `limit`."""

    enabled: bool = True
    days: int = DEFAULT_REMINDER_DAYS
    limit: int = DEFAULT_REMINDER_LIMIT

    def __post_init__(self) -> None:
        if not isinstance(self.days, int) or isinstance(self.days, bool) or not 1 <= self.days <= 365:
            raise LifecycleError("reminders come after 1 to 365 days of inactivity")
        if not isinstance(self.limit, int) or isinstance(self.limit, bool) or not 0 <= self.limit <= 100:
            raise LifecycleError("the reminder limit is a whole number from 0 to 100")


@dataclass(frozen=True, slots=True, kw_only=True)
class Issued:
    """What the lifecycle knows about an organizer beyond the store: whose, which period, reminders."""

    organizer_id: str
    template_id: str
    client_id: str
    period: str
    reminders: ReminderSettings
    reminders_sent: int
    resends: int
    notified_at: str  # the last time it was sent, resent or reminded (UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """A piece of work for a client that moves through the stages of a pipeline."""

    id: str
    client_id: str
    name: str
    pipeline_id: str
    stage_id: str | None
    archived: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Automation:
    """'Create organizer' when a job enters a stage: a pinned template, a name, reminder settings."""

    id: str
    stage_id: str
    template_version: str
    name: str | None = None
    reminders: ReminderSettings | None = None
