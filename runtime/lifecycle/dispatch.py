"""The outbox dispatcher: claims ready rows and hands them to an SMTP server with `smtplib`.

A row is marked `sent` only after the server's 250. A 4xx answer, a refused or dropped
connection or a timeout puts it back with a backoff and jitter (`outbox.backoff`), up to
`outbox.MAX_ATTEMPTS`; a 5xx answer or a poison row (`compose.Poison`) marks it `failed` with the
reason. Each row is handled on its own, so one bad row never stops the others. When the server
cannot be reached at all, the run stops after one row and gives the rest back untried.
"""

from __future__ import annotations

import random
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from ..store import SQLiteStore
from .compose import Poison, compose
from .outbox import MAX_ATTEMPTS, Outcome, Outgoing, backoff, claim, release, settle

BATCH = 10  # rows claimed per transaction: also the most a killed dispatcher leaves in doubt
#: A lease covers the delivery of one message: this many socket timeouts (connect, greeting,
#: MAIL, RCPT for a few contacts, DATA, the body, the answer), renewed after every message.
LEASE_TIMEOUTS = 10


@dataclass(frozen=True, slots=True)
class SMTPServer:
    host: str = "127.0.0.1"
    port: int = 25
    timeout: float = 30.0


@dataclass(slots=True)
class Dispatched:
    """What one dispatch did."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    in_doubt: int = 0  # rows sent again because a dispatcher died attempting them
    unreachable: bool = False  # the run stopped: no connection to the server
    reasons: list[str] = field(default_factory=list)


class _Temporary(Exception):
    """Worth another try later."""


class _Permanent(Exception):
    """The server refused for good (5xx)."""


class _Unreachable(_Temporary):
    """No connection to the server: the other rows are not tried in this run."""


class Dispatcher:
    """Sends every ready outbox row of a store through one SMTP server."""

    def __init__(self, store: SQLiteStore, server: SMTPServer, *, rng: random.Random | None = None) -> None:
        self.store, self.server = store, server
        self.lease = timedelta(seconds=LEASE_TIMEOUTS * server.timeout)
        self.owner = uuid.uuid4().hex
        self.rng = rng or random.Random()
        self._smtp: smtplib.SMTP | None = None

    def run(self) -> Dispatched:
        """Send until no row is ready, or until the server cannot be reached."""
        report = Dispatched()
        try:
            while not report.unreachable and (rows := claim(self.store, self.owner, BATCH, self.lease)):
                held = {row.id for row in rows}
                for row in rows:
                    if row.id in held:
                        outcome = self._deliver(row, report)
                        held = settle(self.store, self.owner, row, outcome, held - {row.id}, self.lease)
                        if report.unreachable:
                            release(self.store, self.owner, held)
                            break
        finally:
            self._close()
        return report

    def _deliver(self, row: Outgoing, report: Dispatched) -> Outcome:
        report.in_doubt += row.in_doubt
        try:
            composed = compose(row, self.store.clock())
            refused = self._send(composed.sender, composed.recipients, composed.message)
        except Poison as poison:
            outcome = Outcome("failed", f"poison: {poison}")
        except _Permanent as error:
            outcome = Outcome("failed", str(error))
        except _Temporary as error:
            report.unreachable = isinstance(error, _Unreachable)
            outcome = Outcome("pending", str(error), backoff(row.attempts, self.rng.uniform(0.5, 1.0)))
        else:
            skipped = [*composed.skipped, *refused]
            report.sent += 1
            return Outcome("sent", f"not delivered to {', '.join(skipped)}" if skipped else None)
        if outcome.state == "pending" and row.attempts < MAX_ATTEMPTS:
            report.retried += 1
        else:
            report.failed += 1
            report.reasons.append(f"{row.message_id}: {outcome.reason}")
        return outcome

    def _send(self, sender: str, recipients: list[str], message: bytes) -> list[str]:
        """Hand one message over; the addresses the server refused while accepting the rest."""
        try:
            refused = self._connection().sendmail(sender, recipients, message)
        except smtplib.SMTPRecipientsRefused as error:
            self._close()
            codes = [code for code, _ in error.recipients.values()]
            kind = _Temporary if any(400 <= code < 500 for code in codes) else _Permanent
            raise kind(f"recipients refused: {_codes(error.recipients)}") from None
        except smtplib.SMTPResponseException as error:
            self._close()
            kind = _Temporary if 400 <= error.smtp_code < 500 else _Permanent
            raise kind(f"{error.smtp_code} {_text(error.smtp_error)}") from None
        except _Unreachable:
            raise
        except (smtplib.SMTPException, OSError) as error:
            self._close()
            raise _Temporary(f"{type(error).__name__}: {error}") from None
        return sorted(refused)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            try:
                self._smtp = smtplib.SMTP(self.server.host, self.server.port, timeout=self.server.timeout)
            except (smtplib.SMTPException, OSError) as error:
                raise _Unreachable(f"cannot reach {self.server.host}:{self.server.port}: {error}") from None
        return self._smtp

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _codes(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{address}: {code} {_text(text)}" for address, (code, text) in sorted(refused.items()))
