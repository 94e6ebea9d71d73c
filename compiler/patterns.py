"""Author patterns in the portable subset, anchored so every engine matches the same strings."""

from __future__ import annotations

from organizer.dsl.regex_subset import check_pattern


def portable_pattern(source: str) -> str:
    """The pattern to emit for the author's `source`, which `dsl.check` has accepted: parsed into
    the subset Python `re` and ECMAScript `u`/`v` agree on, anchored as `^(?:...)(?!\\n)$` (Python's
    `$` also matches before a final newline; the lookahead makes it agree)."""
    result = check_pattern(source)
    assert result.error is None and result.portable is not None, result.error
    return result.portable
