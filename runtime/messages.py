"""Words the product writes around the author's text: problem messages, UI words, and the format of
dates, numbers and money, in the program's language, from the one catalogue `messages.json`.

The JavaScript form loads the same file and repeats these rules (docs/messages.md):
- a message is a string with `{name}` placeholders, or `{"one": ..., "other": ...}`, chosen by the
  `count` parameter (`one` when it is exactly 1);
- a problem's message is looked up as `CODE.VARIANT` (the question type, `repeat`, `row` or
  `computed`) and then as `CODE`;
- an unknown language falls back to English; a missing placeholder value is left as written.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from .formats import is_date

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_DATE_PARAMS = ("date-min", "date-max")


@cache
def catalogue() -> dict[str, Any]:
    """The parsed `messages.json`."""
    with open(Path(__file__).with_name("messages.json"), encoding="utf-8") as file:
        return json.load(file)  # type: ignore[no-any-return]


def words(language: str | None) -> dict[str, Any]:
    """The catalogue of one language (English when the language is unknown)."""
    books = catalogue()
    return books.get(language or "en") or books["en"]  # type: ignore[no-any-return]


def interpolate(template: str, values: Mapping[str, Any]) -> str:
    """Replace each `{name}` by `values[name]` (as text); unknown names stay as written."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def _choose(entry: Any, params: Mapping[str, Any]) -> str:
    if isinstance(entry, dict):
        return str(entry["one"] if params.get("count") == 1 else entry["other"])
    return str(entry)


def ui(key: str, language: str | None = "en", **params: Any) -> str:
    """A UI word or phrase such as `next` or `progress` (`Step {n} of {total}`)."""
    entry = words(language)["ui"].get(key)
    if entry is None:
        entry = words("en")["ui"][key]
    return interpolate(_choose(entry, params), {k: _plain(v) for k, v in params.items()})


def problem_message(code: str, params: Mapping[str, Any], language: str | None = "en",
                    variant: str | None = None) -> str:
    """The client-facing message of a problem code, its parameters formatted for the language."""
    book = words(language)["problems"]
    entry = (book.get(f"{code}.{variant}") if variant else None) or book.get(code)
    if entry is None:
        entry = words("en")["problems"].get(code, code)
    values = {name: format_param(code, name, value, params, language) for name, value in params.items()}
    return interpolate(_choose(entry, params), values)


def format_param(code: str, name: str, value: Any, params: Mapping[str, Any], language: str | None) -> str:
    """A problem parameter as text: dates for date bounds, money when a currency is given, sizes,
    lists joined with ", ", numbers with the language's separators."""
    if name in ("min", "max") and code in _DATE_PARAMS and isinstance(value, str):
        return format_date(value, language)
    if name in ("min", "max") and params.get("currency") is not None and _is_number(value):
        return format_money(value, params.get("currency"), language, params.get("decimals"))
    if name == "max_size" and isinstance(value, int):
        return format_size(value, language)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if _is_number(value):
        return format_number(value, language)
    return _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _digits(value: int | float | Decimal) -> tuple[str, str, str]:
    """(sign, integer digits, fraction digits) of the shortest round-trip decimal form."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, ValueError):
        return "", str(value), ""
    if not number.is_finite():
        return "", str(value), ""
    text = format(number, "f")
    sign = "-" if text.startswith("-") and number != 0 else ""
    text = text.lstrip("-")
    whole, _, fraction = text.partition(".")
    return sign, whole, fraction


def _group(whole: str, separator: str) -> str:
    head = len(whole) % 3 or 3
    parts = [whole[:head]] + [whole[i:i + 3] for i in range(head, len(whole), 3)]
    return separator.join(parts)


def format_number(value: int | float, language: str | None = "en") -> str:
    """`1234.5` as `1,234.5` (en) or `1.234,5` (nl): shortest round-trip digits, no exponent."""
    fmt = words(language)["format"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    sign, whole, fraction = _digits(value)
    text = _group(whole, fmt["group"])
    return sign + text + (fmt["decimal"] + fraction if fraction else "")


def format_money(value: int | float, currency: str | None, language: str | None = "en",
                 decimals: int | None = None) -> str:
    """`$1,234.56` (en) or `€ 1.234,56` (nl); a code when there is no symbol (`CHF 1,234.56`).

    Rounded half away from zero to `decimals` places (2 when not given)."""
    fmt = words(language)["format"]
    places = 2 if decimals is None else max(0, int(decimals))
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else value)
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    sign, whole, fraction = _digits(amount)
    number = _group(whole, fmt["group"]) + (fmt["decimal"] + fraction if fraction else "")
    if not currency:
        return sign + number
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    if symbol is not None:
        return interpolate(fmt["money_symbol"], {"sign": sign, "symbol": symbol, "amount": number})
    return interpolate(fmt["money_code"], {"sign": sign, "code": currency.upper(), "amount": number})


def format_date(value: str, language: str | None = "en") -> str:
    """`2020-01-01` as `1 January 2020` (en) or `1 januari 2020` (nl); anything else unchanged."""
    if not is_date(value):
        return value
    book = words(language)
    year, month, day = int(value[:4]), int(value[5:7]), int(value[8:])
    return interpolate(book["format"]["date"], {"day": day, "month": book["months"][month - 1], "year": year})


def format_size(size: int, language: str | None = "en") -> str:
    """Bytes as `20 MB`: the largest unit of 1024 (or else 1000) that divides the size exactly,
    otherwise the largest unit not above it with one decimal."""
    units = ("B", "KB", "MB", "GB", "TB")
    for base in (1024, 1000):
        for power in range(len(units) - 1, 0, -1):
            if size >= base**power and size % base**power == 0:
                return f"{format_number(size // base**power, language)} {units[power]}"
    for power in range(len(units) - 1, 0, -1):
        if size >= 1000**power:
            value = round(size / 1000**power, 1)
            return f"{format_number(value, language)} {units[power]}"
    return f"{format_number(size, language)} B"
