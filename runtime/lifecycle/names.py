"""Organizer names: a custom name's shortcodes parsed, and the context they are rendered with.

A name such as `<<year>> organizer for <<client.name | you>>` is split into the runtime's
TextParts and rendered by its shortcode renderer, so values are inserted as text and never
evaluated as a template.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..shortcodes import render_text
from ..template import Template
from .records import Client, Firm, LifecycleError

_SHORTCODE = re.compile(
    r"\s*(?P<path>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*"
    r"(?:(?P<sign>[+-])\s*(?P<offset>[0-9]{1,9})\s*)?"
    r"(?:\|(?P<fallback>.*))?",
    re.DOTALL,
)
_ROOTS = {"client", "firm", "year", "today"}
_FIRM_FIELDS = {"name", "email", "phone"}
MAX_NAME_LENGTH = 500


def parse_name(text: str) -> list[Any]:
    """TextParts of a name: literal strings and shortcode objects; `\\<<` is a literal `<<`."""
    parts: list[Any] = []
    literal, i = "", 0
    while i < len(text):
        if text.startswith("\\<<", i):
            literal, i = literal + "<<", i + 3
        elif text.startswith("<<", i):
            close = text.find(">>", i + 2)
            if close < 0:
                raise LifecycleError("`<<` opens a shortcode that is never closed (write `\\<<` for a literal `<<`)")
            if literal:
                parts.append(literal)
            parts.append(_shortcode(text[i + 2:close]))
            literal, i = "", close + 2
        else:
            literal, i = literal + text[i], i + 1
    if literal:
        parts.append(literal)
    return parts


def _shortcode(body: str) -> dict[str, Any]:
    match = _SHORTCODE.fullmatch(body)
    if match is None:
        raise LifecycleError(f"`<<{body}>>` is not a shortcode: write `<<path>>`, `<<path + 1>>` or `<<path | fallback>>`")
    path = match["path"].split(".")
    if path[0] not in _ROOTS or (path[0] in ("year", "today") and len(path) > 1) or len(path) > 2 \
            or (path[0] == "firm" and (len(path) == 1 or path[1] not in _FIRM_FIELDS)):
        raise LifecycleError(f"`<<{match['path']}>>` is not a name shortcode: use client.*, firm.name, firm.email, "
                             "firm.phone, year or today")
    offset = int(match["offset"] or 0) * (-1 if match["sign"] == "-" else 1)
    fallback = match["fallback"].strip() if match["fallback"] is not None else None
    return {"path": path, "offset": offset, "fallback": fallback}


def local_now(firm: Firm, moment: datetime) -> datetime:
    """`moment` on the firm's wall clock."""
    return moment.astimezone(ZoneInfo(firm.timezone))


def context(firm: Firm, client: Client, moment: datetime, year: int | None = None) -> dict[str, Any]:
    """The shortcode and prefill context of an organizer sent to `client` at `moment`.

    `today` and the default `year` are the firm's local date, so an organizer sent at 23:30 on
    31 December in the firm's time zone belongs to that year whatever UTC says."""
    today = local_now(firm, moment).date()
    return {"client": client.context(), "firm": firm.context(), "year": year if year is not None else today.year,
            "today": today.isoformat()}


def render_name(template: Template, custom: list[Any] | None, values: dict[str, Any]) -> str:
    """The organizer's name: the custom name if given, else the template's title, shortcodes resolved."""
    text = render_text(custom, values) if custom is not None else template.title(None, values)
    text = " ".join(text.split())[:MAX_NAME_LENGTH]
    return text or template.id
