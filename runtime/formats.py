"""Value formats and limits shared by the runtime and the compiler's JSON Schema emitter.

Every pattern here is written in the syntax on which Python `re`, ECMAScript with the `u` flag and
ECMAScript with the `v` flag (the HTML `pattern` attribute) agree: ASCII classes, class specials
escaped, no inline flags, no lookbehind, anchored as `^(?:...)(?!\\n)$` so that Python's `$` does
not accept a trailing newline. The runtime checks values with these very patterns, so the schema's
`pattern` and the runtime always give the same verdict.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

# --- limits (the compiler emits the same bounds into schema.json) --------------------------------

MAX_SAFE_INTEGER = 2**53 - 1       # numbers beyond ±this are rejected (`too-large`)
MAX_STRING_LENGTH = 100_000        # any string answer, in code points (`max-length`)
MAX_ITEMS = 1_000                  # rows of a repeat, selections, files of one question
MAX_ANSWER_DEPTH = 16              # containers nested in an answers object (`too-deep`)
MAX_EXPR_DEPTH = 256               # expression trees in organizer.json (the language allows 64)
MAX_FILE_NAME_LENGTH = 255         # a file answer's `name`, in code points
MAX_MEDIA_TYPE_LENGTH = 255        # a file answer's `media_type`, in code points
MAX_EMAIL_LENGTH = 254             # an email answer, in code points (with EMAIL_PATTERN)
MAX_PHONE_LENGTH = 64              # a phone answer, in code points (with PHONE_PATTERN)

# --- patterns ------------------------------------------------------------------------------------

_LEAP_YY = "(?:0[48]|[2468][048]|[13579][26])"  # two-digit multiples of 4, without 00
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
#: A real Gregorian calendar date `YYYY-MM-DD`, years 0001..9999 (the range of Python's `date`).
#: 29 February only in years divisible by 4, except centuries not divisible by 400.
DATE_PATTERN = (
    "^(?:(?!0000)[0-9]{4}-" + _MONTH_DAY
    + "|(?:[0-9]{2}" + _LEAP_YY + "|" + _LEAP_YY + "00)-02-29)(?!\\n)$"
)

#: An email address: dot-separated local part of letters, digits and `_ % + ' -`; a domain of
#: LDH labels (no leading or trailing hyphen, at most 63 characters) and an alphabetic TLD.
EMAIL_PATTERN = (
    "^(?:[A-Za-z0-9_%+'\\-]+(?:\\.[A-Za-z0-9_%+'\\-]+)*"
    "@(?:[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63})(?!\\n)$"
)

#: A phone number: optional `+` and up to 4 leading digits, an optional area code in parentheses,
#: then 6 to 20 digits, each optionally preceded by one space, dot or hyphen.
PHONE_PATTERN = (
    "^(?:\\+?[0-9]{0,4}[ .\\-]?(?:\\([0-9]{1,5}\\)[ .\\-]?)?[0-9](?:[ .\\-]?[0-9]){5,19})(?!\\n)$"
)

SHA256_PATTERN = "^(?:[0-9a-f]{64})(?!\\n)$"

DATE_RE = re.compile(DATE_PATTERN)
EMAIL_RE = re.compile(EMAIL_PATTERN)
PHONE_RE = re.compile(PHONE_PATTERN)
SHA256_RE = re.compile(SHA256_PATTERN)
_BAD_CHARS_RE = re.compile("[\x00\ud800-\udfff]")


def is_date(value: Any) -> bool:
    """True for a real calendar date string `YYYY-MM-DD` (0001-01-01 .. 9999-12-31)."""
    return isinstance(value, str) and len(value) == 10 and DATE_RE.match(value) is not None


def is_email(value: Any) -> bool:
    """EMAIL_PATTERN and at most MAX_EMAIL_LENGTH code points (schema: `pattern` plus `maxLength`)."""
    return isinstance(value, str) and len(value) <= MAX_EMAIL_LENGTH and EMAIL_RE.match(value) is not None


def is_phone(value: Any) -> bool:
    """PHONE_PATTERN and at most MAX_PHONE_LENGTH code points (schema: `pattern` plus `maxLength`)."""
    return isinstance(value, str) and len(value) <= MAX_PHONE_LENGTH and PHONE_RE.match(value) is not None


def has_bad_characters(text: str) -> bool:
    """True when `text` holds NUL or a lone surrogate (neither survives every store and encoder)."""
    if text.isascii():  # no surrogates: only NUL to look for
        return "\x00" in text
    return _BAD_CHARS_RE.search(text) is not None


# --- the numeric model ---------------------------------------------------------------------------
# Numbers are IEEE-754 doubles, as in JavaScript. An integral number within ±MAX_SAFE_INTEGER is
# held as a Python int (so it prints as `3`, not `3.0`, exactly as JSON.stringify does); any other
# finite number within that range as a float. Everything else (NaN, ±Infinity, beyond the safe
# range, booleans) is not a number.


def is_number(value: Any) -> bool:
    """A JSON number (not a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalize_number(value: Any) -> int | float | None:
    """The value in the numeric model, or None when it is not a finite number within the safe range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else None
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > MAX_SAFE_INTEGER:
            return None
        return int(value) if value.is_integer() else value
    return None


def decimal_places(value: int | float) -> int:
    """Digits after the decimal point in the shortest round-trip form (`repr` in Python, `String` in JS)."""
    if isinstance(value, int):
        return 0
    try:
        exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    except (InvalidOperation, ValueError):
        return 0
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
