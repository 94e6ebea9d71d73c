"""RELIABILITY S5: the date, email and phone patterns (emitted into schema.json) agree with the
runtime's checks, with Python's calendar, and with ECMAScript under the `u` and `v` flags."""

from __future__ import annotations

import datetime
import json
import random
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.runtime.formats import (
    DATE_PATTERN, EMAIL_PATTERN, PHONE_PATTERN, SHA256_PATTERN, decimal_places, is_date, is_email, is_phone,
    normalize_number,
)
from organizer.runtime.validate import validate

from runtime_builders import CONTEXT, program, q, section

PATTERNS = [DATE_PATTERN, EMAIL_PATTERN, PHONE_PATTERN, SHA256_PATTERN]
DATE_PROGRAM = program(section("s", q("d", "date"), q("e", "email")))


def calendar_ok(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def every_day(start: datetime.date, end: datetime.date) -> list[str]:
    days, day = [], start
    while day <= end:
        days.append(day.isoformat())
        day += datetime.timedelta(days=1)
    return days


DAYS = every_day(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))
INVALID_DATES = [
    "1900-02-29", "2100-02-29", "2023-02-29", "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00",
    "2024-01-32", "0000-01-01", "2024-1-01", "24-01-01", "2024/01/01", "2024-01-01\n", "\n2024-01-01", " 2024-01-01",
    "2024-01-01 ", "2024-01-01T00:00", "２０２４-01-01", "٢٠٢٤-01-01", "", "2024-01", "20240101", "+2024-01-01",
]


def test_every_day_1900_to_2100_matches() -> None:
    pattern = re.compile(DATE_PATTERN)
    for day in DAYS:
        assert pattern.match(day) and is_date(day), day
    assert len(DAYS) == 73414


def test_the_leap_rule_over_all_years() -> None:
    pattern = re.compile(DATE_PATTERN)
    for year in range(1, 10000):
        text = f"{year:04d}-02-29"
        assert bool(pattern.match(text)) == calendar_ok(text) == is_date(text), text


@pytest.mark.parametrize("text", INVALID_DATES)
def test_invalid_dates(text: str) -> None:
    assert not re.match(DATE_PATTERN, text) and not is_date(text) and not calendar_ok(text)
    # "" is not a date, but as an answer it is no answer: only `required` applies to it
    expected = [] if text == "" else ["date-format"]
    assert [p.code for p in validate(DATE_PROGRAM, {"d": text}, True, CONTEXT)] == expected


def mutations(count: int) -> list[str]:
    """`count` near-miss date strings: one character of a real date replaced, inserted or removed."""
    rng = random.Random(5)
    alphabet = "0123456789-\n /T"
    result = []
    while len(result) < count:
        day = list(rng.choice(DAYS))
        where = rng.randrange(len(day) + 1)
        action = rng.randrange(3)
        if action == 0 and where < len(day):
            day[where] = rng.choice(alphabet)
        elif action == 1:
            day.insert(where, rng.choice(alphabet))
        elif where < len(day):
            del day[where]
        result.append("".join(day))
    return result


def test_ten_thousand_near_misses_agree_with_the_calendar() -> None:
    pattern = re.compile(DATE_PATTERN)
    near = mutations(10_000)
    invalid = [text for text in near if not calendar_ok(text)]
    assert len(invalid) > 5_000
    for text in near:
        assert bool(pattern.match(text)) == calendar_ok(text) == is_date(text), text


@settings(deadline=None)
@given(st.one_of(
    st.text(alphabet="0123456789-", min_size=10, max_size=10),
    st.text(alphabet="0123456789-\n ", max_size=12),
))
def test_date_pattern_equals_the_calendar(text: str) -> None:
    verdict = calendar_ok(text)
    assert bool(re.match(DATE_PATTERN, text)) == verdict == is_date(text)


EMAILS = [
    ("name@example.com", True), ("first.last+tag@sub.example.co.uk", True), ("o'brien@example.ie", True),
    ("a_b%c-d@x-y.org", True), ("A@B.CO", True),
    ("not-an-email", False), ("a@b", False), ("a@b.c", False), ("a..b@example.com", False), (".a@example.com", False),
    ("a.@example.com", False), ("a@-example.com", False), ("a@example-.com", False), ("a@example.com\n", False),
    ("a b@example.com", False), ("a@example..com", False), ("é@example.com", False), ("a@exämple.com", False),
    ("", False), ("@example.com", False), ("a@.com", False), ("a@example.c0m", False),
]


def test_email_and_phone_lengths() -> None:
    longest = "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".com"
    assert len(longest) == 254 and is_email(longest) and not is_email("a" + longest)
    assert re.match(EMAIL_PATTERN, "a" + longest)  # the schema adds maxLength 254 to the pattern
    assert not is_phone("1" * 65)


@pytest.mark.parametrize("text,ok", EMAILS)
def test_email_pattern(text: str, ok: bool) -> None:
    assert bool(re.match(EMAIL_PATTERN, text)) == ok == is_email(text)
    expected = [] if ok or text == "" else ["email-format"]  # "" is no answer
    assert [p.code for p in validate(DATE_PROGRAM, {"e": text}, True, CONTEXT)] == expected


PHONES = [("+1 (555) 123-4567", True), ("+31 6 12345678", True), ("020-1234567", True), ("(020) 123 4567", True),
          ("555.123.4567", True), ("0612345678", True), ("12345", False), ("abc", False), ("123--4567", False),
          ("1234567\n", False), ("+", False), ("", False), ("+1 555 123 4567 ext 8", False)]


@pytest.mark.parametrize("text,ok", PHONES)
def test_phone_pattern(text: str, ok: bool) -> None:
    assert bool(re.match(PHONE_PATTERN, text)) == ok == is_phone(text)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_patterns_are_anchored_portably(pattern: str) -> None:
    assert pattern.startswith("^") and pattern.endswith("(?!\\n)$")
    for forbidden in ("\\d", "\\w", "\\s", "(?i", "(?<", "\\Z", "\\z", "\\p"):
        assert forbidden not in pattern


NODE_SCRIPT = r"""
const lines = require('fs').readFileSync(0, 'utf8');
const {patterns, inputs} = JSON.parse(lines);
const out = patterns.map(p => ['u', 'v'].map(flag => {
  let re;
  try { re = new RegExp(p, flag); } catch (e) { return 'error: ' + e.message; }
  return inputs.map(s => re.test(s));
}));
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_ecmascript_u_and_v_flags_agree_with_python() -> None:
    inputs = DAYS[::97] + INVALID_DATES + [e for e, _ in EMAILS] + [p for p, _ in PHONES] + ["a" * 64, "A" * 64]
    inputs += [f"{y:04d}-02-29" for y in range(1, 10000, 7)] + mutations(10_000)
    result = subprocess.run(["node", "-e", NODE_SCRIPT], input=json.dumps({"patterns": PATTERNS, "inputs": inputs}),
                            capture_output=True, text=True, timeout=60, check=True)
    verdicts = json.loads(result.stdout)
    for pattern, (u, v) in zip(PATTERNS, verdicts, strict=True):
        python = [bool(re.match(pattern, s)) for s in inputs]
        assert u == python, pattern
        assert v == python, pattern


@pytest.mark.parametrize("value,expected", [
    (1, 1), (1.0, 1), (-0.0, 0), (1.5, 1.5), (2**53 - 1, 2**53 - 1), (2**53, None), (float(2**53), None),
    (float("nan"), None), (float("inf"), None), (True, None), ("1", None), (None, None),
])
def test_normalize_number(value: object, expected: object) -> None:
    result = normalize_number(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value,places", [(19.99, 2), (0.07, 2), (1234.56, 2), (1.0, 0), (5, 0), (1e-7, 7),
                                          (0.1 + 0.2, 17), (1e20, 0), (2.5e-3, 4)])
def test_decimal_places(value: float, places: int) -> None:
    assert decimal_places(value) == places


@settings(deadline=None)
@given(st.integers(-10**12, 10**12))
def test_two_decimal_amounts_pass_and_three_fail(cents: int) -> None:
    """S2: every amount in whole cents, parsed as a double, has at most 2 decimal places; one
    thousandth more has 3."""
    assert decimal_places(float(f"{cents / 100:.2f}")) <= 2
    assert decimal_places(float(f"{cents}5") / 1000) == 3


def test_hundred_thousand_money_amounts_at_the_cent_boundary() -> None:
    """S2 figure: 100,000 random 2-decimal amounts pass the decimals rule; the same ±0.001 fail."""
    from organizer.runtime.program import Checks
    p = program(section("s", q("m", "money", checks=Checks(decimals=2))))
    rng = random.Random(2)
    for _ in range(100_000):
        cents = rng.randrange(-10**11, 10**11)
        amount = float(f"{cents / 100:.2f}")
        assert decimal_places(amount) <= 2, amount
        assert decimal_places(float(f"{amount:.2f}{rng.randrange(1, 10)}")) == 3
    assert validate(p, {"m": 19.99}, False, CONTEXT) == []
    assert [x.code for x in validate(p, {"m": 19.991}, False, CONTEXT)] == ["decimals"]
