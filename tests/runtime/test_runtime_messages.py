"""The message catalogue: complete in English and Dutch, simple placeholders, and the formats of
dates, numbers and money per language."""

from __future__ import annotations

import re
from typing import Any

import pytest

from organizer.runtime.messages import (
    catalogue, format_date, format_money, format_number, format_size, problem_message, ui,
)

CODES = [
    "required", "hidden-answer", "unknown-key", "type", "invalid-characters", "min-length", "max-length", "minimum",
    "maximum", "integer", "decimals", "date-format", "date-min", "date-max", "email-format", "phone-format",
    "pattern", "option", "duplicate-option", "min-items", "max-items", "file-type", "file-size", "file-object",
    "min-rows", "max-rows", "computed-mismatch", "not-finite", "too-large", "not-an-object", "too-deep",
]
UI = ["next", "back", "submit", "add_row", "remove_row", "review", "saved", "progress", "yes", "no"]


def placeholders(entry: Any) -> set[str]:
    texts = entry.values() if isinstance(entry, dict) else [entry]
    return {name for text in texts for name in re.findall(r"\{([a-z_]+)\}", text)}


def test_catalogue_shape() -> None:
    books = catalogue()
    assert set(books) == {"en", "nl"}
    for language in ("en", "nl"):
        assert set(books[language]) == {"problems", "ui", "months", "format"}
        assert len(books[language]["months"]) == 12


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_a_message_in_both_languages(code: str) -> None:
    en, nl = catalogue()["en"]["problems"], catalogue()["nl"]["problems"]
    assert code in en and code in nl


def test_languages_have_the_same_keys_and_placeholders() -> None:
    en, nl = catalogue()["en"], catalogue()["nl"]
    for part in ("problems", "ui"):
        assert set(en[part]) == set(nl[part])
        for key in en[part]:
            assert placeholders(en[part][key]) == placeholders(nl[part][key]), key
            for entry in (en[part][key], nl[part][key]):
                if isinstance(entry, dict):
                    assert set(entry) == {"one", "other"}, key


@pytest.mark.parametrize("key", UI)
def test_ui_words(key: str) -> None:
    assert ui(key, "en") and ui(key, "nl") and ui(key, "en") != ui(key, "nl")


def test_examples() -> None:
    assert problem_message("date-min", {"min": "2020-01-01"}, "en") == "Enter a date on or after 1 January 2020."
    assert problem_message("date-min", {"min": "2020-01-01"}, "nl") == "Vul een datum in op of na 1 januari 2020."
    assert problem_message("min-length", {"min": 1, "count": 1}, "en") == "Enter at least 1 character."
    assert problem_message("min-length", {"min": 3, "count": 3}, "nl") == "Vul minstens 3 tekens in."
    assert problem_message("min-items", {"min": 2, "count": 2}, "en", "file") == "Upload at least 2 files."
    assert problem_message("maximum", {"max": 1234.5, "currency": "USD"}, "en", "money") == \
        "Enter an amount of at most $1,234.50."
    assert problem_message("maximum", {"max": 1234.5, "currency": "EUR"}, "nl", "money") == \
        "Vul een bedrag in van hoogstens € 1.234,50."
    assert problem_message("maximum", {"max": 12345}, "nl", "integer") == "Vul een getal in van hoogstens 12.345."
    assert problem_message("file-size", {"max_size": 20 * 1024 * 1024}, "en", "file") == "Upload a file of at most 20 MB."
    assert problem_message("file-type", {"accept": ["pdf", "jpg"]}, "nl", "file") == \
        "Upload een bestand van een van deze soorten: pdf, jpg."
    assert problem_message("type", {"expected": "string"}, "en", "yesno") == "Choose yes or no."
    assert problem_message("type", {"expected": "string"}, "fr") == "This answer has the wrong kind of value."
    assert ui("progress", "en", n=2, total=5) == "Step 2 of 5"
    assert ui("progress", "nl", n=2, total=5) == "Stap 2 van 5"
    assert ui("problems_title", "en", count=1) == "There is a problem with 1 answer"


@pytest.mark.parametrize("value,en,nl", [
    (1234.56, "1,234.56", "1.234,56"), (0, "0", "0"), (-0.0, "0", "0"), (-1234567, "-1,234,567", "-1.234.567"),
    (0.5, "0.5", "0,5"), (1e-7, "0.0000001", "0,0000001"), (123, "123", "123"),
])
def test_numbers(value: float, en: str, nl: str) -> None:
    assert format_number(value, "en") == en and format_number(value, "nl") == nl


@pytest.mark.parametrize("value,currency,en,nl", [
    (1234.56, "USD", "$1,234.56", "$ 1.234,56"), (1234.5, "EUR", "€1,234.50", "€ 1.234,50"),
    (-1234.5, "EUR", "-€1,234.50", "€ -1.234,50"), (3, "CHF", "CHF 3.00", "CHF 3,00"), (0.005, None, "0.01", "0,01"),
    (1000000, "GBP", "£1,000,000.00", "£ 1.000.000,00"),
])
def test_money(value: float, currency: str | None, en: str, nl: str) -> None:
    assert format_money(value, currency, "en") == en and format_money(value, currency, "nl") == nl


def test_dates_and_sizes() -> None:
    assert format_date("2020-01-01", "en") == "1 January 2020"
    assert format_date("2024-12-31", "nl") == "31 december 2024"
    assert format_date("not a date", "en") == "not a date"
    assert format_size(500 * 1000, "en") == "500 KB" and format_size(1536, "en") == "1.5 KB"
