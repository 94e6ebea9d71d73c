"""Logic jumps: each section's `goto` rules -> later sections' `skipped_when` (SPEC 2.5).

A section's gotos are tried in order when it is left; the first whose condition holds skips
every section strictly between it and the target (all the rest for `end`).
"""

from __future__ import annotations

import dataclasses

from organizer.runtime.program import Expr, Section


def _and(parts: list[Expr]) -> Expr:
    args = [arg for part in parts for arg in (part["args"] if part.get("op") == "and" else [part])]
    return args[0] if len(args) == 1 else {"op": "and", "args": args}


def _or(parts: list[Expr]) -> Expr:
    args = [arg for part in parts for arg in (part["args"] if part.get("op") == "or" else [part])]
    return args[0] if len(args) == 1 else {"op": "or", "args": args}


def skip_condition(section: Section, order: dict[str, int], k: int) -> Expr | None:
    """When `section` (visible, and before section k) jumps past section k.

    Goto i jumps past k when it fires and no earlier goto fired. An earlier goto that also jumps
    past k need not be negated (either way k is skipped), so only the others are.
    """
    past = [i for i, g in enumerate(section.gotos) if g.target == "end" or order[g.target] > k]
    if not past:
        return None
    ways = []
    for i in past:
        others = [{"op": "not", "args": [g.when]} for m, g in enumerate(section.gotos[:i]) if m not in past]
        ways.append(_and([section.gotos[i].when, *others]))
    return _and([_or(ways), {"section": section.id}])


def lower_gotos(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """The sections with `skipped_when` set from every earlier section's gotos."""
    order = {s.id: k for k, s in enumerate(sections)}
    lowered = []
    for k, section in enumerate(sections):
        terms = [t for t in (skip_condition(earlier, order, k) for earlier in sections[:k] if earlier.gotos)
                 if t is not None]
        skipped = _or(terms) if terms else None
        lowered.append(dataclasses.replace(section, skipped_when=skipped))
    return tuple(lowered)
