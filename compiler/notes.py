"""Safe markdown for notes and descriptions: TextParts in, a tree of plain data out, which the form's
Jinja2 template renders with autoescaping (the description) and its script builds with
`textContent` (the notes, from the page's data block); nothing here produces HTML.

The subset: paragraphs, `#` headings, `-`/`*`/`+` and `1.` lists, `**strong**`, `*em*` (or with
`_`), `` `code` ``, `[text](url)` links to `http:`, `https:` or `mailto:` only (anything else stays
literal text), and backslash escapes. Raw HTML is never interpreted: `<b>` is shown as `<b>`.
Shortcodes are atoms from the start, so an answer piped into a note is inserted as text after
the markdown is parsed: an answer `**x**` or `[a](javascript:...)` stays literal. Linear in the
length of the text (one pass per line, a delimiter stack at most four deep).
"""

from __future__ import annotations

import re
from typing import Any, Callable

Node = dict[str, Any]
# An atom is one character of literal text or a shortcode, given as its index in the page's table.
Atom = str | int

_LINK_URL = re.compile(r"(?:https?://|mailto:)[^\s<>\"'`\x00-\x1f\x7f\\]+\Z", re.IGNORECASE)
_BULLET = re.compile(r"[-*+][ \t]")
_ORDERED = re.compile(r"[0-9]{1,9}[.)][ \t]")
_HEADING = re.compile(r"(#{1,6})[ \t]")
_ESCAPABLE = frozenset("\\`*_{}[]()#+-.!|<>")


def render_markdown(parts: list[Any], shortcode: Callable[[dict[str, Any]], int]) -> list[Node]:
    """Blocks of `parts` (TextParts); `shortcode` registers a shortcode and returns its index."""
    atoms: list[Atom] = []
    for part in parts:
        if isinstance(part, str):
            atoms.extend(part)
        elif isinstance(part, dict):
            atoms.append(shortcode(part))
    return _blocks(_lines(atoms))


def _lines(atoms: list[Atom]) -> list[list[Atom]]:
    lines: list[list[Atom]] = [[]]
    for atom in atoms:
        if atom == "\n":
            lines.append([])
        elif atom != "\r":
            lines[-1].append(atom)
    return lines


def _text_of(line: list[Atom], limit: int = 16) -> str:
    """The first characters of a line, up to its first shortcode (for matching block markers)."""
    out = []
    for atom in line[:limit]:
        if not isinstance(atom, str):
            break
        out.append(atom)
    return "".join(out)


def _strip(line: list[Atom]) -> list[Atom]:
    start, end = 0, len(line)
    while start < end and line[start] in (" ", "\t"):
        start += 1
    while end > start and line[end - 1] in (" ", "\t"):
        end -= 1
    return line[start:end]


def _blocks(lines: list[list[Atom]]) -> list[Node]:
    blocks: list[Node] = []
    paragraph: list[Atom] = []
    current_list: Node | None = None

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            blocks.append({"tag": "p", "children": inline(paragraph)})
        paragraph = []

    for raw in lines:
        line = _strip(raw)
        head = _text_of(line)
        if not line:
            flush()
            current_list = None
            continue
        heading, bullet, ordered = _HEADING.match(head), _BULLET.match(head), _ORDERED.match(head)
        if heading:
            flush()
            current_list = None
            level = 3 if len(heading.group(1)) <= 3 else 4
            blocks.append({"tag": f"h{level}", "children": inline(_strip(line[heading.end():]))})
        elif bullet or ordered:
            flush()
            marker = bullet or ordered
            assert marker is not None
            tag = "ul" if bullet else "ol"
            if current_list is None or current_list["tag"] != tag:
                current_list = {"tag": tag, "items": []}
                blocks.append(current_list)
            current_list["items"].append(list(_strip(line[marker.end():])))
        elif current_list is not None:
            current_list["items"][-1].extend([" ", *line])  # a lazy continuation of the item
        else:
            if paragraph:
                paragraph.append(" ")
            paragraph.extend(line)
    flush()
    for block in blocks:
        if "items" in block:
            block["items"] = [inline(item) for item in block["items"]]
    return blocks


# --- inlines -------------------------------------------------------------------------------------


def _text(node_list: list[Node], text: str) -> None:
    if node_list and node_list[-1]["tag"] == "text":
        node_list[-1]["text"] += text
    else:
        node_list.append({"tag": "text", "text": text})


def _append(node_list: list[Node], node: Node) -> None:
    if node["tag"] == "text":
        _text(node_list, node["text"])
    else:
        node_list.append(node)


class _Next:
    """For each position, where the next `]`, `)` and backtick are (-1: none): one pass, so that
    scanning for closers stays linear however many openers a text holds."""

    def __init__(self, atoms: list[Atom]) -> None:
        self.at: dict[str, list[int]] = {}
        for mark in ("]", ")", "`"):
            found, following = [-1] * (len(atoms) + 1), -1
            for i in range(len(atoms) - 1, -1, -1):
                if atoms[i] == mark:
                    following = i
                found[i] = following
            self.at[mark] = found

    def find(self, mark: str, start: int) -> int:
        table = self.at[mark]
        return table[start] if start < len(table) else -1


def _link(atoms: list[Atom], i: int, following: _Next) -> tuple[Node, int] | None:
    """`[text](url)` starting at `i`: the link node and the index after it, or None."""
    close = following.find("]", i + 1)
    if close < 0 or close + 1 >= len(atoms) or atoms[close + 1] != "(":
        return None
    end = following.find(")", close + 2)
    if end < 0:
        return None
    target = atoms[close + 2:end]
    if not all(isinstance(a, str) for a in target):
        return None  # a shortcode inside a URL: never a link
    url = "".join(target).strip()  # type: ignore[arg-type]
    if _LINK_URL.match(url) is None:
        return None
    return {"tag": "a", "href": url, "children": inline(atoms[i + 1:close])}, end + 1


def _flanked(atoms: list[Atom], at: int) -> bool:
    """True when `atoms[at]` exists and is not white space."""
    return 0 <= at < len(atoms) and atoms[at] not in (" ", "\t")


def _word(atoms: list[Atom], at: int) -> bool:
    return 0 <= at < len(atoms) and isinstance(atoms[at], str) and str(atoms[at]).isalnum()


def inline(atoms: list[Atom]) -> list[Node]:
    """Inline nodes: text, shortcode (`sc`), code, strong, em, a."""
    # frames: (delimiter, children); each delimiter kind is at most once on the stack
    stack: list[tuple[str, list[Node]]] = [("", [])]
    following = _Next(atoms)
    i, n = 0, len(atoms)
    while i < n:
        atom = atoms[i]
        out = stack[-1][1]
        if not isinstance(atom, str):
            out.append({"tag": "sc", "index": atom})
            i += 1
        elif atom == "\\" and i + 1 < n and isinstance(atoms[i + 1], str) and atoms[i + 1] in _ESCAPABLE:
            _text(out, str(atoms[i + 1]))
            i += 2
        elif atom == "`":
            end = following.find("`", i + 1)
            if end < 0:
                _text(out, "`")
                i += 1
            else:
                code: list[Node] = []
                for a in atoms[i + 1:end]:
                    _append(code, {"tag": "sc", "index": a} if not isinstance(a, str) else {"tag": "text", "text": a})
                out.append({"tag": "code", "children": code})
                i = end + 1
        elif atom == "[" and (found := _link(atoms, i, following)) is not None:
            out.append(found[0])
            i = found[1]
        elif atom in ("*", "_"):
            run = 2 if i + 1 < n and atoms[i + 1] == atom else 1
            i = _delimiter(stack, atoms, i, atom * run)
        else:
            _text(out, atom)
            i += 1
    while len(stack) > 1:
        _unwind(stack)
    return stack[0][1]


def _delimiter(stack: list[tuple[str, list[Node]]], atoms: list[Atom], i: int, mark: str) -> int:
    after = i + len(mark)
    kinds = [frame[0] for frame in stack]
    can_close = _flanked(atoms, i - 1) and not (mark[0] == "_" and _word(atoms, after))
    can_open = _flanked(atoms, after) and not (mark[0] == "_" and _word(atoms, i - 1))
    if mark in kinds and can_close:
        while stack[-1][0] != mark:
            _unwind(stack)
        _, children = stack.pop()
        if children:
            stack[-1][1].append({"tag": "strong" if len(mark) == 2 else "em", "children": children})
        else:
            _text(stack[-1][1], mark * 2)
    elif can_open and mark not in kinds:
        stack.append((mark, []))
    else:
        _text(stack[-1][1], mark)
    return after


def _unwind(stack: list[tuple[str, list[Node]]]) -> None:
    """An opener that never closed: its mark becomes text, its children move to the frame below."""
    mark, children = stack.pop()
    target = stack[-1][1]
    _text(target, mark)
    for node in children:
        _append(target, node)
