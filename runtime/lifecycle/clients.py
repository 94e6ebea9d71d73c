"""The firm's settings, its clients and their contacts, and client lists from CSV files."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..store import SQLiteStore
from .records import Client, Contact, Firm, LifecycleError, Unknown

_FIRM_FIELDS = ("name", "email", "phone", "host", "timezone", "portal_url")
_CLIENT_COLUMNS = "id, name, first_name, last_name, email, company, status, fields"
_BUILT_IN = ("id", "name", "first_name", "last_name", "email", "company", "status", "notify")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*")
MAX_ID_LENGTH = 128
MAX_CSV_BYTES = 50 * 1024 * 1024


def firm(store: SQLiteStore) -> Firm:
    row = store.connection().execute(f"SELECT {', '.join(_FIRM_FIELDS)} FROM firm WHERE id = 1").fetchone()
    return Firm(*row)


def set_firm(store: SQLiteStore, **values: str) -> Firm:
    """Change some of the firm's settings; unknown names, time zones and host names are refused."""
    unknown = set(values) - set(_FIRM_FIELDS)
    if unknown:
        raise LifecycleError(f"the firm has no setting {min(unknown)!r}")
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise LifecycleError(f"{values['timezone']!r} is not a time zone such as Europe/Amsterdam") from None
    if "host" in values and not _HOST.fullmatch(values["host"]):
        raise LifecycleError(f"{values['host']!r} is not a host name such as mail.example.com")
    if values:
        with store.transaction() as conn:
            conn.execute(f"UPDATE firm SET {', '.join(f'{k} = ?' for k in values)} WHERE id = 1", tuple(values.values()))
    return firm(store)


def _client(row: tuple[Any, ...]) -> Client:
    return Client(id=row[0], name=row[1], first_name=row[2], last_name=row[3], email=row[4], company=row[5],
                  status=row[6], fields=json.loads(row[7]))


def client(store: SQLiteStore, client_id: str) -> Client:
    row = store.connection().execute(f"SELECT {_CLIENT_COLUMNS} FROM clients WHERE id = ?", (client_id,)).fetchone()
    if row is None:
        raise Unknown(f"no client {client_id!r}")
    return _client(row)


def clients(store: SQLiteStore) -> list[Client]:
    return [_client(row) for row in store.connection().execute(f"SELECT {_CLIENT_COLUMNS} FROM clients ORDER BY id")]


def put_client(store: SQLiteStore, new: Client, *, notify: bool = True) -> Client:
    """Add or update a client; its `email`, if any, becomes a contact (notify on unless told otherwise)."""
    _check_client(new)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
            " first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,"
            " company = excluded.company, status = excluded.status, fields = excluded.fields",
            (new.id, new.name, new.first_name, new.last_name, new.email, new.company, new.status,
             json.dumps(new.fields, ensure_ascii=True), store.now()))
        if new.email:
            put_contact(store, Contact(new.id, new.email, new.name, notify))
    return new


def _check_client(new: Client) -> None:
    if not new.id or len(new.id) > MAX_ID_LENGTH or not new.id.isprintable():
        raise LifecycleError(f"a client id is 1 to {MAX_ID_LENGTH} printable characters, not {new.id!r}")
    if not new.name.strip():
        raise LifecycleError(f"client {new.id!r} needs a name")
    if new.status not in ("active", "offline"):
        raise LifecycleError(f"a client is active or offline, not {new.status!r}")


def set_status(store: SQLiteStore, client_id: str, status: str) -> Client:
    """Make a client active (invited: emails from now on) or offline."""
    if status not in ("active", "offline"):
        raise LifecycleError(f"a client is active or offline, not {status!r}")
    with store.transaction() as conn:
        if conn.execute("UPDATE clients SET status = ? WHERE id = ?", (status, client_id)).rowcount == 0:
            raise Unknown(f"no client {client_id!r}")
    return client(store, client_id)


def put_contact(store: SQLiteStore, contact: Contact) -> Contact:
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM clients WHERE id = ?", (contact.client_id,)).fetchone() is None:
            raise Unknown(f"no client {contact.client_id!r}")
        conn.execute("INSERT INTO contacts VALUES (?, ?, ?, ?) ON CONFLICT (client_id, email) DO UPDATE SET"
                     " name = excluded.name, notify = excluded.notify",
                     (contact.client_id, contact.email, contact.name, int(contact.notify)))
    return contact


def contacts(store: SQLiteStore, client_id: str) -> list[Contact]:
    rows = store.connection().execute("SELECT client_id, email, name, notify FROM contacts WHERE client_id = ?"
                                 " ORDER BY rowid", (client_id,))
    return [Contact(r[0], r[1], r[2], bool(r[3])) for r in rows]


@dataclass(slots=True)
class ClientList:
    """Clients read from a CSV file, with the problems of the rows that were left out."""

    clients: list[tuple[Client, bool]] = field(default_factory=list)  # (client, notify its email)
    problems: list[str] = field(default_factory=list)


def read_csv(text: str, source: str = "clients.csv") -> ClientList:
    """Clients from CSV text with a header: `id`, `name` (or `first_name`/`last_name`), and
    optionally `email`, `company`, `status` (active or offline), `notify` (yes/no) and custom fields."""
    found = ClientList()
    rows = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in rows.fieldnames or []]
    if "id" not in header or not ({"name", "first_name", "last_name"} & set(header)):
        raise LifecycleError(f"{source}: the header must name `id` and `name` (or `first_name` and `last_name`)")
    bad = [h for h in header if h not in _BUILT_IN and not _FIELD_NAME.fullmatch(h)]
    if bad:
        raise LifecycleError(f"{source}: column {bad[0]!r} is not a field name (a-z, 0-9 and _)")
    for line, raw in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        try:
            found.clients.append(_from_row(row))
        except LifecycleError as error:
            found.problems.append(f"{source}:{line}: {error}")
    return found


def _from_row(row: dict[str, str]) -> tuple[Client, bool]:
    name = row.get("name") or " ".join(p for p in (row.get("first_name", ""), row.get("last_name", "")) if p)
    notify = row.get("notify", "yes").lower()
    if notify not in ("yes", "no", "true", "false", "1", "0", ""):
        raise LifecycleError(f"notify is yes or no, not {notify!r}")
    new = Client(id=row.get("id", ""), name=name, first_name=row.get("first_name", ""),
                 last_name=row.get("last_name", ""), email=row.get("email", ""), company=row.get("company", ""),
                 status=row.get("status") or "active",
                 fields={k: v for k, v in row.items() if k not in _BUILT_IN and v})
    _check_client(new)
    return new, notify in ("yes", "true", "1", "")


def import_clients(store: SQLiteStore, found: ClientList) -> list[Client]:
    """Add or update every client of a list in one transaction."""
    with store.transaction():
        return [put_client(store, new, notify=notify) for new, notify in found.clients]


def decode_csv(data: bytes, source: str) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise LifecycleError(f"{source} is larger than {MAX_CSV_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LifecycleError(f"{source} is not UTF-8 (byte {error.start})") from None
