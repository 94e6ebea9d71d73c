"""The outbox dispatcher: claims ready rows and hands them to an SMTP server with `smtplib`.

A row is marked `sent` only after the server's 250. A 4xx answer, a refused or dropped
connection or a timeout puts it back with a backoff (`outbox.retry_later`); a 5xx answer or a
poison row (`compose.Poison`) marks it `failed` with the reason. Each row is handled on its own,
so one bad row never stops the others.
"""

from __future__ import annotations

import random
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from ..store import SQLiteStore
from .compose import Poison, compose
from .outbox import LEASE, Outgoing, claim, mark_failed, mark_sent, retry_later

BATCH = 10  # rows claimed per transaction: also the most a killed dispatcher leaves in doubt


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
    in_doubt: int = 0  # rows sent again because a dispatcher died holding them
    reasons: list[str] = field(default_factory=list)


class _Temporary(Exception):
    """Worth another try later."""


class Dispatcher:
    """Sends every ready outbox row of a store through one SMTP server."""

    def __init__(self, store: SQLiteStore, server: SMTPServer, *, lease: timedelta = LEASE,
                 rng: random.Random | None = None) -> None:
        self.store, self.server, self.lease = store, server, lease
        self.rng = rng or random.Random()
        self._smtp: smtplib.SMTP | None = None

    def run(self, limit: int | None = None) -> Dispatched:
        """Send until no row is ready (or `limit` rows were handled)."""
        report = Dispatched()
        handled = 0
        try:
            while limit is None or handled < limit:
                rows = claim(self.store, BATCH if limit is None else min(BATCH, limit - handled), self.lease)
                if not rows:
                    break
                for row in rows:
                    self._handle(row, report)
                handled += len(rows)
        finally:
            self._close()
        return report

    def _handle(self, row: Outgoing, report: Dispatched) -> None:
        report.in_doubt += row.in_doubt
        try:
            composed = compose(row, self.store.clock())
        except Poison as poison:
            mark_failed(self.store, row, f"poison: {poison}")
            report.failed += 1
            report.reasons.append(f"{row.message_id}: poison: {poison}")
            return
        try:
            refused = self._send(composed.sender, composed.recipients, composed.message)
        except _Temporary as error:
            if retry_later(self.store, row, str(error), self.rng):
                report.retried += 1
            else:
                report.failed += 1
                report.reasons.append(f"{row.message_id}: {error}")
            return
        except smtplib.SMTPResponseException as error:
            reason = f"{error.smtp_code} {_text(error.smtp_error)}"
            mark_failed(self.store, row, reason)
            report.failed += 1
            report.reasons.append(f"{row.message_id}: {reason}")
            return
        skipped = [*composed.skipped, *refused]
        mark_sent(self.store, row, f"not delivered to {', '.join(skipped)}" if skipped else None)
        report.sent += 1

    def _send(self, sender: str, recipients: list[str], message: bytes) -> list[str]:
        """Hand one message over; the addresses the server refused while accepting the rest."""
        try:
            refused = self._connection().sendmail(sender, recipients, message)
        except smtplib.SMTPRecipientsRefused as error:
            self._close()
            codes = [code for code, _ in error.recipients.values()]
            if any(400 <= code < 500 for code in codes):
                raise _Temporary(f"recipients refused for now: {_codes(error.recipients)}") from None
            raise smtplib.SMTPResponseException(codes[0] if codes else 550,
                                                f"recipients refused: {_codes(error.recipients)}") from None
        except smtplib.SMTPResponseException as error:
            self._close()
            if 400 <= error.smtp_code < 500:
                raise _Temporary(f"{error.smtp_code} {_text(error.smtp_error)}") from None
            raise
        except (smtplib.SMTPException, OSError) as error:
            self._close()
            raise _Temporary(f"{type(error).__name__}: {error}") from None
        return sorted(refused)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = smtplib.SMTP(self.server.host, self.server.port, timeout=self.server.timeout)
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
