"""The IR's dataclasses as JSON objects, encoded in one pass by `json.dumps`.

`json.dumps(program, default=ir_object)` gives the text of `json.dumps(program_to_json(program))`
(tuples are arrays either way) without first copying the whole tree into dicts and lists: the C
encoder calls the hook once per dataclass instance. `PageObjects` is the hook of the page's copy,
which leaves out the null members of sections, items and checks (compiler/form.py).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from organizer.runtime.program import (
    Checks,
    Computed,
    Group,
    Note,
    Question,
    Repeat,
    Section,
)


class _ObjectMakers(dict[type, Callable[[Any], dict[str, Any]]]):
    """For each IR dataclass, the function from an instance to its JSON object, made on first use:
    one `attrgetter` reads every field, zipped with the field names (it runs for every object of
    the IR, so no loop over the fields in Python)."""

    def __missing__(self, cls: type) -> Callable[[Any], dict[str, Any]]:
        names = tuple(cls.__dataclass_fields__)
        values = attrgetter(*names) if len(names) > 1 else (lambda value: (getattr(value, names[0]),))

        def maker(value: Any) -> dict[str, Any]:
            return dict(zip(names, values(value)))

        self[cls] = maker
        return maker


_OBJECT_MAKERS = _ObjectMakers()


def ir_object(value: Any) -> dict[str, Any]:
    """The JSON object of one IR dataclass: every field, by name."""
    return _OBJECT_MAKERS[type(value)](value)


#: The dataclasses whose null members the page leaves out, by the kind `form.ir_members` gives them.
_STRIPPED_KINDS: dict[type, str] = {Section: "section", Checks: "checks", Question: "question",
                                    Computed: "computed", Note: "note", Group: "group", Repeat: "repeat"}


class PageObjects:
    """A `default` hook for the page's IR: sections, items and checks without their null members,
    whose names it collects by kind in `left_out`; other objects whole, as `ir_object`."""

    def __init__(self) -> None:
        self.left_out: dict[str, set[str]] = {}

    def __call__(self, value: Any) -> dict[str, Any]:
        whole = _OBJECT_MAKERS[type(value)](value)
        kind = _STRIPPED_KINDS.get(type(value))
        if kind is None:
            return whole
        members = {name: member for name, member in whole.items() if member is not None}
        if len(members) < len(whole):
            self.left_out.setdefault(kind, set()).update(whole.keys() - members.keys())
        return members

    def null_members(self) -> dict[str, list[str]]:
        """The names left out, by kind, as the page's `null_members` (form.js `withNulls`)."""
        return {kind: sorted(names) for kind, names in sorted(self.left_out.items())}
