"""Value schemas: one question's answer type as JSON Schema (types, enums, bounds, patterns).

Input is an IR item, output a plain JSON Schema dict. Everything here is standard keywords only,
and every pattern is written in the syntax Python `re`, ECMAScript `u` and `v` agree on.

`""` (string-valued questions) and `[]` (multichoice, file) are *no answer* (runtime
`is_no_answer`): they pass every value check but the type, so checks that could reject them sit
under `if: {minLength: 1}` / `if: {minItems: 1}` (`_unless_empty`), and a choice's `enum` lists
`""` first. Presence rules (`non_empty` while required, `false` while hidden) are stated beside
the value schema, not here.
"""

from __future__ import annotations

from typing import Any

from organizer.runtime.formats import (
    DATE_PATTERN,
    EMAIL_PATTERN,
    MAX_EMAIL_LENGTH,
    MAX_FILE_NAME_LENGTH,
    MAX_ITEMS,
    MAX_MEDIA_TYPE_LENGTH,
    MAX_PHONE_LENGTH,
    MAX_SAFE_INTEGER,
    MAX_STRING_LENGTH,
    PHONE_PATTERN,
    SHA256_PATTERN,
)
from organizer.runtime.program import Computed, Question, Repeat

Schema = dict[str, Any]

# NUL or a lone surrogate anywhere in a free-text string (the runtime's `invalid-characters`);
# `\ud800-\udfff` is a range of lone surrogates in Python `re` and in ECMAScript's `u` mode alike.
BAD_CHARACTERS = "[\\x00\\ud800-\\udfff]"
STRING_TYPES = ("text", "textarea", "email", "phone", "date", "choice")
ARRAY_TYPES = ("multichoice", "file")
NUMBER_TYPES = ("number", "integer", "money")
FILE_FIELDS = ("name", "size", "media_type", "sha256")


def clamp(value: int | float) -> int | float:
    """A numeric bound within ±(2^53 - 1), so every validator sees the same range."""
    return max(-MAX_SAFE_INTEGER, min(MAX_SAFE_INTEGER, value))


def number_bounds(minimum: int | float | None, maximum: int | float | None) -> Schema:
    """`minimum` and `maximum`, always both present, clamped to the safe range."""
    low = -MAX_SAFE_INTEGER if minimum is None else clamp(minimum)
    high = MAX_SAFE_INTEGER if maximum is None else clamp(maximum)
    return {"minimum": low, "maximum": high}


def extension_pattern(accept: tuple[str, ...]) -> str:
    """`\\.(?:[Pp][Dd][Ff]|...)(?!\\n)$`: a name ending in one of the extensions, any ASCII letter case
    (the runtime's `file_extension` folds A-Z only)."""
    def letters(ext: str) -> str:
        return "".join(f"[{c.upper()}{c}]" if "a" <= c <= "z" else c for c in ext)

    return "\\.(?:" + "|".join(letters(ext) for ext in accept) + ")(?!\\n)$"


def _max_items(high: int | None) -> int:
    return MAX_ITEMS if high is None else min(high, MAX_ITEMS)


def _items_bounds(low: int | None, high: int | None, draft: bool) -> Schema:
    """maxItems, capped at the runtime's MAX_ITEMS; minItems only in a submission (a draft may
    hold fewer rows, selections or files: the runtime's `min-items`/`min-rows` are completeness)."""
    bounds: Schema = {"maxItems": _max_items(high)}
    if low and not draft:
        bounds["minItems"] = low
    return bounds


def _unless_empty(schema: Schema, checks: Schema) -> Schema:
    """`schema` with `checks` applied to a non-empty value only: `""` and `[]` are no answer and
    pass them (an `if` on the length, beside the `type` of `schema`, so strict Ajv accepts it)."""
    if checks:
        schema["if"] = {"minItems": 1} if schema["type"] == "array" else {"minLength": 1}
        schema["then"] = checks
    return schema


def _list_answer(items: Schema, low: int | None, high: int | None, draft: bool, **extra: Any) -> Schema:
    """Selections or files: at most `high`; in a submission `[]` (no answer) or at least `low`
    (a `min 1` asks nothing more of a non-empty list)."""
    schema: Schema = {"type": "array", "items": items, **extra, "maxItems": _max_items(high)}
    return _unless_empty(schema, {"minItems": low} if low and low > 1 and not draft else {})


def _string(low: int | None = None, high: int | None = None, cap: int = MAX_STRING_LENGTH) -> Schema:
    """Free text: length in code points, no NUL and no lone surrogate."""
    schema: Schema = {"type": "string", "maxLength": cap if high is None else min(high, cap),
                      "not": {"pattern": BAD_CHARACTERS}}
    if low:
        schema["minLength"] = low
    return schema


def file_object(question: Question) -> Schema:
    checks = question.checks
    name = _string(1, MAX_FILE_NAME_LENGTH)
    if checks.accept:
        name["pattern"] = extension_pattern(checks.accept)
    size = {"type": "integer", "minimum": 0,
            "maximum": MAX_SAFE_INTEGER if checks.max_size is None else clamp(checks.max_size)}
    return {"type": "object",
            "properties": {"name": name, "size": size, "media_type": _string(1, MAX_MEDIA_TYPE_LENGTH),
                           "sha256": {"type": "string", "pattern": SHA256_PATTERN}},
            "required": list(FILE_FIELDS), "additionalProperties": False}


def question_schema(question: Question, draft: bool = False) -> Schema:
    """The schema of one answer's value (a submission adds presence rules beside it)."""
    checks = question.checks
    match question.type:
        case "text" | "textarea":
            own: Schema = {}
            if checks.min_length is not None and checks.min_length > 1:
                own["minLength"] = checks.min_length
            if checks.pattern is not None:
                own["pattern"] = checks.pattern
            return _unless_empty(_string(None, checks.max_length), own)
        case "email":  # the pattern is ASCII only, so it also rules out NUL and surrogates
            return _unless_empty({"type": "string", "maxLength": MAX_EMAIL_LENGTH},
                                 {"format": "email", "pattern": EMAIL_PATTERN})
        case "phone":
            return _unless_empty({"type": "string", "maxLength": MAX_PHONE_LENGTH}, {"pattern": PHONE_PATTERN})
        case "date":
            return _unless_empty({"type": "string"}, {"format": "date", "pattern": DATE_PATTERN})
        case "number" | "money":
            # Money without decimals (JPY, KRW) is exactly an integer; other decimals are runtime-only.
            kind = "integer" if question.type == "money" and checks.decimals == 0 else "number"
            return {"type": kind, **number_bounds(checks.minimum, checks.maximum)}
        case "integer":
            return {"type": "integer", **number_bounds(checks.minimum, checks.maximum)}
        case "yesno":
            return {"type": "boolean"}
        case "choice":  # "" (no answer) or an option id: option ids are never ""
            return {"type": "string", "enum": ["", *(o.id for o in question.options)]}
        case "multichoice":
            return _list_answer({"type": "string", "enum": [o.id for o in question.options]},
                                checks.min_items, checks.max_items, draft, uniqueItems=True)
        case "file":
            return _list_answer(file_object(question), checks.min_items, checks.max_items, draft)
    raise AssertionError(f"unknown question type {question.type!r}")


def computed_schema(computed: Computed) -> Schema:
    if computed.value_type == "number":
        return {"type": "number", **number_bounds(None, None)}
    if computed.value_type == "boolean":
        return {"type": "boolean"}
    return _string()


def rows_schema(repeat: Repeat, row: Schema, draft: bool = False) -> Schema:
    return {"type": "array", "items": row, **_items_bounds(repeat.min_rows, repeat.max_rows, draft)}


def non_empty(item: Question | Computed | Repeat) -> Schema | bool:
    """What `answered` adds to presence: not "" and not [] (runtime `is_answered`)."""
    if isinstance(item, Repeat) or (isinstance(item, Question) and item.type in ARRAY_TYPES):
        return {"type": "array", "minItems": 1}
    if isinstance(item, Question) and item.type in STRING_TYPES:
        return {"type": "string", "minLength": 1}
    if isinstance(item, Computed) and item.value_type == "string":
        return {"type": "string", "minLength": 1}
    return True
