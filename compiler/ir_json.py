"""The IR's dataclasses as JSON objects, encoded in one pass by `json.dumps`.

`json.dumps(program, default=ir_object)` gives the text of `json.dumps(program_to_json(program))`
(tuples are arrays either way) without first copying the whole tree into dicts and lists: the C
encoder calls the hook once per dataclass instance. `PageObjects` is the hook of the page's copy,
which leaves out the null members of sections, items and checks (compiler/form.py).
"""

from __future__ import annotations

from typing import Any

from organizer.runtime.program import Checks, Computed, Group, Note, Question, Repeat, Section


def ir_object(value: Any) -> dict[str, Any]:
    """The JSON object of one IR dataclass: every field, by name."""
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


#: The dataclasses whose null members the page leaves out, by the kind `form.ir_members` gives them.
_STRIPPED_KINDS: dict[type, str] = {Section: "section", Checks: "checks", Question: "question",
                                    Computed: "computed", Note: "note", Group: "group", Repeat: "repeat"}


class PageObjects:
    """A `default` hook for the page's IR: sections, items and checks without their null members,
    whose names it collects by kind in `left_out`; other objects whole, as `ir_object`."""

    def __init__(self) -> None:
        self.left_out: dict[str, set[str]] = {}

    def __call__(self, value: Any) -> dict[str, Any]:
        kind = _STRIPPED_KINDS.get(type(value))
        if kind is None:
            return ir_object(value)
        members: dict[str, Any] = {}
        nulls: list[str] = []
        for name in value.__dataclass_fields__:
            member = getattr(value, name)
            if member is None:
                nulls.append(name)
            else:
                members[name] = member
        if nulls:
            self.left_out.setdefault(kind, set()).update(nulls)
        return members

    def null_members(self) -> dict[str, list[str]]:
        """The names left out, by kind, as the page's `null_members` (form.js `withNulls`)."""
        return {kind: sorted(names) for kind, names in sorted(self.left_out.items())}
