"""How checker messages write the author's names and the checker's own nouns."""

from __future__ import annotations

MAX_SHOWN = 40


def shorten(name: str) -> str:
    """`name` as echoed in a message: a name longer than 40 characters is cut to 37 and "..."."""
    return name if len(name) <= MAX_SHOWN else name[: MAX_SHOWN - 3] + "..."


def a_or_an(phrase: str) -> str:
    """`phrase` with its indefinite article: "an integer question", "a text question"."""
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase
