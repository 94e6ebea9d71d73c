"""Sending: names with shortcodes, idempotency per (template, client, period), offline clients,
prefill from last period, pinned versions, and the invite email."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import SMTP

import pytest
from markupsafe import escape
from organizer.runtime.lifecycle.clients import put_client
from organizer.runtime.lifecycle.dispatch import Dispatcher
from organizer.runtime.lifecycle.names import parse_name
from organizer.runtime.lifecycle.records import Client, LifecycleError
from organizer.runtime.lifecycle.sending import Sending, send
from organizer.runtime.lifecycle.states import issued, submit
from organizer.runtime.store import SQLiteStore

from .support import Clock, Sink


def _clients(store: SQLiteStore, count: int, status: str = "active") -> list[str]:
    for n in range(count):
        put_client(store, Client(id=f"c{n}", name=f"Client {n}", first_name=f"First{n}",
                                 email=f"c{n}@clients.example", status=status))
    return [f"c{n}" for n in range(count)]


def test_the_name_is_the_title_with_the_clients_shortcodes(store: SQLiteStore, version: str) -> None:
    ids = _clients(store, 2)
    sent = send(store, Sending(template_version=version), ids)
    assert [store.organizer(s.organizer_id).name for s in sent] == [
        "2027 Tax Organizer for Client 0", "2027 Tax Organizer for Client 1"]
    assert all(store.organizer(s.organizer_id).template_version == version for s in sent)


def test_a_custom_name_renders_shortcodes_as_text(store: SQLiteStore, version: str) -> None:
    put_client(store, Client(id="x", name="{{ 7*7 }} <b>Bold</b>"))
    sent = send(store, Sending(template_version=version, name="<<year - 1>> return of <<client.name>> \\<<raw>>"), ["x"])
    assert store.organizer(sent[0].organizer_id).name == "2026 return of {{ 7*7 }} <b>Bold</b> <<raw>>"


@pytest.mark.parametrize("name", ["<<client.name", "<<nope>>", "<<firm.secret>>", "<<year.x>>", "<<a b>>"])
def test_a_bad_custom_name_is_refused(name: str) -> None:
    with pytest.raises(LifecycleError):
        parse_name(name)


def test_sending_twice_creates_nothing_new(store: SQLiteStore, version: str, clock: Clock) -> None:
    ids = _clients(store, 5)
    first = send(store, Sending(template_version=version), ids[:3])
    clock.advance(days=1)
    again = send(store, Sending(template_version=version), ids)
    assert [s.created for s in again] == [False, False, False, True, True]
    assert [s.organizer_id for s in again[:3]] == [s.organizer_id for s in first]
    assert len(store.organizers()) == 5


def test_offline_clients_get_an_organizer_but_no_email(store: SQLiteStore, version: str, sink: Sink) -> None:
    _clients(store, 2, status="offline")
    sent = send(store, Sending(template_version=version), ["c0", "c1"])
    assert all(s.created for s in sent)
    assert Dispatcher(store, sink.server).run().sent == 0
    assert sink.messages == []


def test_the_invite_reaches_every_contact_with_notify_on(store: SQLiteStore, version: str, sink: Sink) -> None:
    from organizer.runtime.lifecycle.clients import put_contact
    from organizer.runtime.lifecycle.records import Contact

    _clients(store, 1)
    put_contact(store, Contact("c0", "spouse@clients.example", "Spouse", True))
    put_contact(store, Contact("c0", "accountant@clients.example", "Quiet", False))
    sent = send(store, Sending(template_version=version), ["c0"])
    report = Dispatcher(store, sink.server).run()
    assert report.sent == 1
    (message,) = sink.messages
    assert message.message_id == f"<{sent[0].organizer_id}-invite-1@miller.example>"
    assert sorted(message.recipients) == ["c0@clients.example", "spouse@clients.example"]
    assert message.subject == "Miller & Co: please fill in 2027 Tax Organizer for Client 0"


def test_a_new_period_prefills_from_the_last_submission(store: SQLiteStore, version: str, clock: Clock) -> None:
    _clients(store, 1)
    (last,) = send(store, Sending(template_version=version, year=2026), ["c0"])
    submit(store, last.organizer_id, answers={"first_name": "Ada", "moved": True, "old_city": "Utrecht"},
           base_revision=store.draft(last.organizer_id).revision)
    (this,) = send(store, Sending(template_version=version), ["c0"])
    assert issued(store, this.organizer_id).period == "2027"
    assert store.draft(this.organizer_id).answers == {"first_name": "First0", "old_city": "Utrecht"}


PAYLOADS = ['<img src=x onerror="window.__xss_1=1">', '"><svg onload=alert(1)>', "</script><script>alert(1)</script>",
            "{{ 7*7 }} {% print 'x' %} ${7*7}", "Ann\u2028Bob & <b>Co</b>", "[a](javascript:alert(1))"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_names_in_emails_are_text_in_every_part(store: SQLiteStore, version: str, sink: Sink, payload: str) -> None:
    put_client(store, Client(id="x", name=payload, email="x@clients.example"))
    send(store, Sending(template_version=version, name="<<client.name>> <<year>>"), ["x"])
    Dispatcher(store, sink.server).run()
    (message,) = sink.messages
    parsed = message_from_bytes(message.raw, policy=SMTP)
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    single = " ".join(payload.replace("\u2028", " ").split())
    assert f"Dear {payload}," in text and single in str(parsed["Subject"])
    assert str(escape(payload)) in html
    assert all(tag not in html for tag in ("<svg", "<img", "<script>alert", "<b>Co"))
    assert "Miller &amp; Co" in html and "Miller & Co" in text
