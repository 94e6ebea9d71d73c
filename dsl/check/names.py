"""Identifier rules (SPEC 2.1): lower-case ASCII, at most 64 characters, not a reserved word."""

from __future__ import annotations

import re

from .. import ast as a
from ..diagnostics import DiagnosticBag
from .expressions import RESERVED
from .words import shorten

MAX_IDENTIFIER = 64
# Lower-case names every JavaScript object inherits (the others start with `_` or hold capitals).
JAVASCRIPT_NAMES = frozenset({"constructor"})
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


def suggest_identifier(text: str) -> str:
    """A valid identifier close to `text`: `First Name` -> `first_name`."""
    cleaned = re.sub(r"[^a-z0-9_]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", text).lower()).strip("_")
    cleaned = re.sub(r"^[0-9_]+", "", cleaned)[:MAX_IDENTIFIER] or "name"
    return cleaned + "_value" if cleaned in RESERVED else cleaned


def check_identifier(bag: DiagnosticBag, name: a.Name, what: str, reserved_ok: bool = False) -> bool:
    """Report what is wrong with `name` as `what` (e.g. "a question id"); True when it is fine."""
    value = name.value
    if len(value) > MAX_IDENTIFIER:
        bag.error(name.span, "identifier-too-long", f"`{shorten(value)}` is {len(value)} characters long",
                  f"ids are at most {MAX_IDENTIFIER} characters")
        return False
    if not _IDENTIFIER.fullmatch(value):
        bag.error(name.span, "bad-identifier", f"`{shorten(value)}` cannot be {what}",
                  f"ids use a-z, 0-9 and _ and start with a letter: try `{shorten(suggest_identifier(value))}`")
        return False
    if value in JAVASCRIPT_NAMES:
        bag.error(name.span, "reserved-id", f"`{value}` cannot be {what}",
                  f"choose another name, e.g. `{value}_name`",
                  "every JavaScript object already has a `constructor`, so validators such as Ajv would see an answer")
        return False
    if value in RESERVED and not reserved_ok:
        bag.error(name.span, "reserved-id", f"`{shorten(value)}` is a reserved word and cannot be {what}",
                  f"choose another name, e.g. `{value}_value`" if value != "year" else "choose another name, e.g. `tax_year`")
        return False
    return True
