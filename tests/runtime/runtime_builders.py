"""Small hand-built programs for the runtime tests (the compiler is not involved)."""

from __future__ import annotations

from typing import Any

from organizer.runtime.program import (
    Checks, Computed, Goto, Group, Note, Option, Origin, Program, Question, Repeat, Section,
)

ORIGIN = Origin(1, 1)


def q(ident: str, qtype: str, **kw: Any) -> Question:
    return Question(id=ident, type=qtype, label=[ident], origin=ORIGIN, **kw)


def options(*ids: str) -> tuple[Option, ...]:
    return tuple(Option(id=i, label=[i.upper()]) for i in ids)


def section(ident: str, *items: Any, **kw: Any) -> Section:
    return Section(id=ident, title=[ident], origin=ORIGIN, items=tuple(items), **kw)


def group(ident: str, *items: Any, **kw: Any) -> Group:
    return Group(id=ident, title=[ident], origin=ORIGIN, items=tuple(items), **kw)


def repeat(ident: str, *items: Any, **kw: Any) -> Repeat:
    return Repeat(id=ident, title=[ident], origin=ORIGIN, items=tuple(items), **kw)


def computed(ident: str, expr: dict[str, Any], value_type: str = "number", **kw: Any) -> Computed:
    return Computed(id=ident, label=[ident], origin=ORIGIN, expr=expr, value_type=value_type, **kw)


def note(*text: Any, **kw: Any) -> Note:
    return Note(text=list(text), origin=ORIGIN, **kw)


def program(*sections: Section, language: str = "en", title: Any = None) -> Program:
    return Program(id="t", title=title or ["T"], sections=tuple(sections), source_file="t.organizer",
                   source_sha256="0" * 64, language=language)


def ref(ident: str) -> dict[str, Any]:
    return {"ref": ident}


def lit(value: Any) -> dict[str, Any]:
    return {"lit": value}


def op(name: str, *args: dict[str, Any]) -> dict[str, Any]:
    return {"op": name, "args": list(args)}


def goto_lowered(sections: list[tuple[str, list[tuple[str, dict[str, Any]]], dict[str, Any] | None]]) -> list[Section]:
    """Sections with gotos lowered into `skipped_when` the way SPEC 2.5 describes.

    Each entry is (section id, [(target, condition)], own visible_when). The goto rules of a
    section are tried in order; the first that holds skips every section before its target.
    """
    ids = [s[0] for s in sections]
    skips: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for position, (sid, gotos, _) in enumerate(sections):
        earlier: list[dict[str, Any]] = []
        for target, cond in gotos:
            fires = op("and", {"section": sid}, cond, *[op("not", e) for e in earlier])
            end = len(ids) if target == "end" else ids.index(target)
            for skipped in ids[position + 1:end]:
                skips[skipped].append(fires)
            earlier.append(cond)
    result = []
    for sid, gotos, when in sections:
        skipped_when = op("or", *skips[sid]) if skips[sid] else None
        result.append(Section(id=sid, title=[sid], origin=ORIGIN, items=(q(f"{sid}_q", "yesno"),),
                              visible_when=when, skipped_when=skipped_when,
                              gotos=tuple(Goto(target=t, when=c, origin=ORIGIN) for t, c in gotos)))
    return result


FILE = {"name": "w2.pdf", "size": 1000, "media_type": "application/pdf", "sha256": "a" * 64}


def every_type_program() -> Program:
    """One question of every type, each with its own checks, all visible and optional."""
    return program(section(
        "s",
        q("text", "text", checks=Checks(min_length=2, max_length=5)),
        q("pat", "text", checks=Checks(pattern="^(?:[0-9]{4})(?!\\n)$", pattern_source="[0-9]{4}")),
        q("area", "textarea", checks=Checks(max_length=10)),
        q("num", "number", checks=Checks(minimum=-5, maximum=5.5)),
        q("int", "integer", checks=Checks(minimum=0, maximum=12)),
        q("money", "money", currency="USD", checks=Checks(minimum=0, maximum=1000000, decimals=2)),
        q("date", "date", checks=Checks(min_date="2020-01-01", max_date="today")),
        q("email", "email"),
        q("phone", "phone"),
        q("yn", "yesno"),
        q("choice", "choice", options=options("a", "b")),
        q("multi", "multichoice", options=options("a", "b", "c"), checks=Checks(min_items=1, max_items=2)),
        q("files", "file", checks=Checks(accept=("pdf", "jpg"), max_items=2, max_size=5000)),
        repeat("rows", q("name", "text", required=True), q("age", "integer"), min_rows=1, max_rows=3),
    ))


VALID_EVERY_TYPE: dict[str, Any] = {
    "text": "abc", "pat": "2024", "area": "hello", "num": 5.5, "int": 12, "money": 19.99,
    "date": "2024-02-29", "email": "a@example.com", "phone": "+31 6 12345678", "yn": False,
    "choice": "a", "multi": ["a", "c"], "files": [FILE], "rows": [{"name": "x", "age": 3}],
}
CONTEXT = {"year": 2024, "today": "2024-06-30", "client": {"first_name": "Ann", "email": "ann@example.com"}}
