"""Portable patterns: parses the regex of a `pattern "..."` modifier into the subset on which
Python `re`, ECMAScript (`u` flag) and the HTML `pattern` attribute (`v` flag) agree, rejects
shapes that backtrack catastrophically, and emits one anchored form that every engine reads alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NoReturn, assert_never

MAX_LENGTH = 1000  # characters of pattern source
MAX_COUNT = 1000  # largest number in `{n,m}`
MAX_DEPTH = 64  # groups inside groups
LONG_SPAN = 32  # a repeat whose count can vary by more than this is "long", like `*`
BACKTRACK_BUDGET = 10_000  # ways a failing match may be retried, counted statically
_LAST = 0x10FFFF


@dataclass(frozen=True, slots=True)
class PatternError:
    """Why a pattern is not portable, in the words shown to the author."""

    offset: int  # 0-based index into the pattern source where the problem starts
    length: int  # characters covered; 0 for "missing at the end"
    message: str  # lowercase, names the user's own text
    hint: str  # one short line saying what to write instead


@dataclass(frozen=True, slots=True)
class PatternResult:
    """Exactly one of `portable` and `error` is set."""

    portable: str | None  # `^(?:BODY)(?!\n)$`, valid in Python `re` and JS `u`/`v` flags
    error: PatternError | None


def check_pattern(source: str) -> PatternResult:
    """Parse `source`, check it cannot backtrack badly, and emit its portable form."""
    tree = parse_pattern(source)
    if isinstance(tree, PatternError):
        return PatternResult(portable=None, error=tree)
    return PatternResult(portable=f"^(?:{_emit(tree)})(?!\\n)$", error=None)


def parse_pattern(source: str) -> Alt | PatternError:
    """The tree of an accepted pattern (anchors removed), or why it is rejected."""
    try:
        tree = _Parser(source).parse()
        _check_backtracking(tree)
    except _Rejected as rejected:
        return rejected.error
    return tree


def matches(portable: str, value: str) -> bool:
    """The verdict every engine gives: the portable form is anchored, so a search is a full match."""
    return re.search(portable, value) is not None


# --- character sets --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CharSet:
    """A set of code points as sorted, disjoint, non-touching inclusive ranges."""

    ranges: tuple[tuple[int, int], ...]

    @staticmethod
    def of(ranges: Iterable[tuple[int, int]]) -> CharSet:
        merged: list[tuple[int, int]] = []
        for lo, hi in sorted(ranges):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        return CharSet(tuple(merged))

    def __or__(self, other: CharSet) -> CharSet:
        return CharSet.of(self.ranges + other.ranges)

    def __and__(self, other: CharSet) -> CharSet:
        out = [(max(a, c), min(b, d)) for a, b in self.ranges for c, d in other.ranges]
        return CharSet.of((lo, hi) for lo, hi in out if lo <= hi)

    def complement(self) -> CharSet:
        out, start = [], 0
        for lo, hi in self.ranges:
            if lo > start:
                out.append((start, lo - 1))
            start = hi + 1
        if start <= _LAST:
            out.append((start, _LAST))
        return CharSet(tuple(out))

    def __bool__(self) -> bool:
        return bool(self.ranges)


EMPTY = CharSet(())
# JS `.` stops at all four line terminators, Python's only at `\n`: emit the JS meaning.
LINE_ENDS = CharSet.of([(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)])
DOT_TEXT = "[^\\n\\r\\u2028\\u2029]"


# --- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Atom:
    """One character from a set: a literal, an escape, a class or `.`."""

    chars: CharSet
    text: str  # the portable spelling
    start: int = field(compare=False)
    end: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class Group:
    body: Alt
    capturing: bool
    start: int = field(compare=False)
    end: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class Repeat:
    item: Atom | Group
    min: int
    max: int | None  # None: no upper bound
    start: int = field(compare=False)
    end: int = field(compare=False)

    @property
    def loops(self) -> bool:
        return self.max is None or self.max > 1

    @property
    def span(self) -> int | None:
        return None if self.max is None else self.max - self.min


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Atom | Group | Repeat, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    branches: tuple[Seq, ...]
    start: int = field(compare=False)
    end: int = field(compare=False)


Node = Atom | Group | Repeat | Seq | Alt


class _Rejected(Exception):
    def __init__(self, error: PatternError) -> None:
        super().__init__(error.message)
        self.error = error


def _fail(start: int, end: int, message: str, hint: str) -> NoReturn:
    """Every rejection goes through here."""
    raise _Rejected(PatternError(offset=start, length=max(0, end - start), message=message, hint=hint))


# --- parsing -------------------------------------------------------------------------------

_SHORTHAND = {
    "d": ("`\\d` matches non-ASCII digits in some engines", "[0-9]"),
    "D": ("`\\D` treats non-ASCII digits differently in some engines", "[^0-9]"),
    "w": ("`\\w` matches non-ASCII letters in some engines", "[A-Za-z0-9_]"),
    "W": ("`\\W` treats non-ASCII letters differently in some engines", "[^A-Za-z0-9_]"),
    "s": ("`\\s` matches different spaces in different engines", "[ \\t\\n\\r]"),
    "S": ("`\\S` treats some spaces differently in different engines", "[^ \\t\\n\\r]"),
}
_BOUNDARY_HINT = "leave it out: the pattern must match the whole answer anyway"
_SIMPLE_ESCAPES = {"n": 0x0A, "t": 0x09, "r": 0x0D, "f": 0x0C, "v": 0x0B}
_COUNT = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")
_FLAGS = re.compile(r"\(\?[aiLmsux-]+[:)]")


def _unescaped_last(src: str) -> bool:
    """The final character is not preceded by an odd run of backslashes."""
    body = src[:-1]
    return (len(body) - len(body.rstrip("\\"))) % 2 == 0


class _Parser:
    """Recursive descent over the pattern source; `self.end` excludes a trailing `$` anchor."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.end = len(source)
        self.depth = 0

    def parse(self) -> Alt:
        src = self.src
        if not src:
            _fail(0, 0, "the pattern is empty", "write the characters an answer must match")
        if len(src) > MAX_LENGTH:
            _fail(MAX_LENGTH, len(src), f"the pattern is longer than {MAX_LENGTH} characters",
                  "shorten it, or check the answer some other way")
        self.pos = 1 if src.startswith("^") else 0
        if len(src) > self.pos and src.endswith("$") and _unescaped_last(src):
            self.end = len(src) - 1
        tree = self.alternation()
        if self.pos < self.end:  # only a `)` stops an alternation early
            _fail(self.pos, self.pos + 1, "`)` has no matching `(`", "write `\\)` for a literal parenthesis")
        return tree

    def peek(self, ahead: int = 0) -> str | None:
        at = self.pos + ahead
        return self.src[at] if at < self.end else None

    def alternation(self) -> Alt:
        start = self.pos
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return Alt(tuple(branches), start, self.pos)

    def sequence(self) -> Seq:
        items: list[Atom | Group | Repeat] = []
        while (c := self.peek()) is not None and c not in "|)":
            items.append(self.quantified())
        return Seq(tuple(items))

    def quantified(self) -> Atom | Group | Repeat:
        item = self.atom()
        bounds = self.quantifier()
        if bounds is None:
            return item
        repeat = Repeat(item, bounds[0], bounds[1], item.start, self.pos)
        self.no_second_quantifier()
        return repeat

    def quantifier(self) -> tuple[int, int | None] | None:
        c = self.peek()
        if c is None or c not in "*+?{":
            return None
        self.pos += 1
        if c != "{":
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        return self.counted(self.pos - 1)

    def counted(self, start: int) -> tuple[int, int | None]:
        found = _COUNT.match(self.src, start, self.end)
        if found is None:
            if re.match(r"\{,[0-9]+\}", self.src[start:self.end]):
                _fail(start, self.src.index("}", start) + 1, "`{,m}` is read differently by each engine",
                      "write `{0,m}`")
            _fail(start, start + 1, "`{` starts a repeat count like `{2}` or `{2,5}`",
                  "write `\\{` for a literal brace")
        self.pos = found.end()
        low, comma, high = found.group(1), found.group(2), found.group(3)
        n = int(low)
        m = n if comma is None else (int(high) if high else None)
        if n > MAX_COUNT or (m is not None and m > MAX_COUNT):
            _fail(start, self.pos, f"repeat counts above {MAX_COUNT} are not allowed",
                  f"use a count of at most {MAX_COUNT}")
        if m is not None and m < n:
            _fail(start, self.pos, f"`{found.group(0)}` has its bounds the wrong way round",
                  f"write `{{{m},{n}}}`")
        return n, m

    def no_second_quantifier(self) -> None:
        c, at = self.peek(), self.pos
        if c == "?":
            _fail(at, at + 1, "lazy repeats like `*?` change nothing when the whole answer must match",
                  "remove the `?`")
        if c == "+":
            _fail(at, at + 1, "possessive repeats like `*+` only work in recent Python versions",
                  "remove the second `+`")
        if c == "*" or (c == "{" and _COUNT.match(self.src, at, self.end)):
            _fail(at, at + 1, "a repeat cannot be repeated directly", "remove one of the two repeats")

    def atom(self) -> Atom | Group:
        c, at = self.src[self.pos], self.pos
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == "\\":
            cp = self.escape(in_class=False)
            return Atom(CharSet.of([(cp, cp)]), _literal(cp), at, self.pos)
        if c in "*+?{":
            self.nothing_to_repeat(c)
        self.reject_stray(c)
        cp = self.plain_char()
        chars = LINE_ENDS.complement() if c == "." else CharSet.of([(cp, cp)])
        return Atom(chars, DOT_TEXT if c == "." else _literal(cp), at, self.pos)

    def nothing_to_repeat(self, c: str) -> NoReturn:
        at = self.pos
        if c == "{" and not _COUNT.match(self.src, at, self.end):
            self.counted(at)  # fails with the brace message
        _fail(at, at + 1, f"`{c}` has nothing to repeat", f"write `\\{c}` for a literal `{c}`")

    def reject_stray(self, c: str) -> None:
        at = self.pos
        if c == "]":
            _fail(at, at + 1, "`]` has no matching `[`", "write `\\]` for a literal bracket")
        if c == "}":
            _fail(at, at + 1, "`}` has no matching `{`", "write `\\}` for a literal brace")
        if c == "^":
            _fail(at, at + 1, "`^` can only stand at the very start of the pattern",
                  "write `\\^` for a literal caret")
        if c == "$":
            _fail(at, at + 1, "`$` can only stand at the very end of the pattern",
                  "write `\\$` for a literal dollar sign")

    def plain_char(self) -> int:
        c, at = self.src[self.pos], self.pos
        if 0xD800 <= ord(c) <= 0xDFFF:
            _fail(at, at + 1, "this is half of a surrogate pair, not a whole character",
                  "write the whole character")
        self.pos += 1
        return ord(c)

    def group(self) -> Group:
        start = self.pos
        self.pos += 1
        capturing = not self.src.startswith("?", self.pos)
        if not capturing:
            self.group_extension(start)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            _fail(start, start + 1, f"groups nest more than {MAX_DEPTH} deep", "flatten the pattern")
        body = self.alternation()
        if self.peek() != ")":
            _fail(start, start + 1, "`(` is never closed", "add a `)`, or write `\\(` for a literal parenthesis")
        self.pos += 1
        self.depth -= 1
        return Group(body, capturing, start, self.pos)

    def group_extension(self, start: int) -> None:
        """After `(?`: only `(?:` is portable."""
        rest = self.src[start:self.end]
        for prefix, message, hint in _GROUP_FORMS:
            if rest.startswith(prefix):
                if prefix == "(?:":
                    self.pos = start + 3
                    return
                _fail(start, start + len(prefix), message, hint)
        if flags := _FLAGS.match(rest):
            _fail(start, start + flags.end(), "inline flags like `(?i)` work in Python but not in JavaScript",
                  "spell out both cases instead, e.g. `[Aa]`")
        _fail(start, start + 2, "`(?` starts a kind of group that is not portable",
              "use a plain group `( )` or `(?: )`")

    def escape(self, in_class: bool) -> int:
        """A backslash escape standing for one character; everything else is rejected."""
        at = self.pos
        if at + 1 >= self.end:
            _fail(at, at + 1, "the pattern ends with a lone `\\`", "write `\\\\` for a literal backslash")
        c = self.src[at + 1]
        self.pos = at + 2
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c]
        if c in "ux":
            return self.hex_escape(at, c)
        if c.isascii() and c.isalnum():
            self.reject_escape(at, c, in_class)
        if 0xD800 <= ord(c) <= 0xDFFF:
            _fail(at + 1, at + 2, "this is half of a surrogate pair, not a whole character",
                  "write the whole character")
        return ord(c)  # an escaped punctuation mark or symbol stands for itself

    def hex_escape(self, at: int, c: str) -> int:
        digits = 4 if c == "u" else 2
        text = self.src[at + 2:at + 2 + digits]
        if c == "u" and text.startswith("{"):
            close = self.src.find("}", at)
            _fail(at, close + 1 if close > 0 else at + 3, "`\\u{…}` only works in JavaScript",
                  "write `\\uXXXX` with exactly four hex digits")
        if len(text) != digits or not all(ch in "0123456789abcdefABCDEF" for ch in text):
            _fail(at, at + 2, f"`\\{c}` must be followed by {digits} hex digits",
                  f"write e.g. `\\{c}{'00e9' if c == 'u' else '41'}`")
        self.pos = at + 2 + digits
        cp = int(text, 16)
        if 0xD800 <= cp <= 0xDFFF:
            _fail(at, self.pos, f"`\\u{text}` is half of a surrogate pair, which engines read differently",
                  "write the character itself")
        return cp

    def reject_escape(self, at: int, c: str, in_class: bool) -> NoReturn:
        two = (at, at + 2)
        if c in _SHORTHAND:
            message, cls = _SHORTHAND[c]
            inner = cls[1:-1]
            hint = f"write `{inner}` inside the brackets instead" if in_class and not cls.startswith("[^") \
                else f"write `{cls}` instead"
            _fail(*two, message, hint)
        if c in "bB" and in_class:
            _fail(*two, f"`\\{c}` inside `[ ]` is read differently by each engine", "write `\\u0008` for a backspace")
        if c in "bB":
            _fail(*two, f"`\\{c}` (a word boundary) depends on what each engine counts as a letter", _BOUNDARY_HINT)
        if c in "pP":
            close = self.src.find("}", at)
            end = close + 1 if self.src.startswith("{", at + 2) and close > 0 else at + 2
            _fail(at, end, f"`\\{c}{{…}}` (Unicode properties) is not understood by Python's `re`",
                  "list the characters instead, e.g. `[A-Za-z]`")
        if c == "A":
            _fail(*two, "`\\A` only works in Python", "write `^` at the start instead")
        if c in "Zz":
            _fail(*two, f"`\\{c}` is read differently by each engine", "write `$` at the end instead")
        if c in "123456789" or c == "k":
            end = at + 2
            while c != "k" and end < self.end and self.src[end].isdigit():
                end += 1
            _fail(at, end, "backreferences like `\\1` are not supported", "repeat the group's pattern instead")
        if c == "0":
            _fail(*two, "`\\0` is read differently by each engine", "write `\\u0000`")
        _fail(*two, f"`\\{c}` is not an escape that every engine understands", f"write `{c}` without the backslash")

    def char_class(self) -> Atom:
        start = self.pos
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        if self.peek() == "]":
            opened = "[^" if negated else "["
            _fail(start, self.pos + 1, f"`{opened}]` is read differently by each engine",
                  "use `.` for any character" if negated else "list at least one character")
        ranges: list[tuple[int, int]] = []
        while (c := self.peek()) != "]":
            if c is None:
                _fail(start, start + 1, "`[` is never closed", "add a `]`, or write `\\[` for a literal bracket")
            ranges.append(self.class_item())
        self.pos += 1
        chars = CharSet.of(ranges)
        text = ("[^" if negated else "[") + _emit_class(chars) + "]"
        return Atom(chars.complement() if negated else chars, text, start, self.pos)

    def class_item(self) -> tuple[int, int]:
        at = self.pos
        lo = self.class_char()
        if self.peek() != "-" or self.peek(1) in (None, "]"):
            return lo, lo
        if self.peek(1) == "-":
            self.double_hyphen(self.pos)
        self.pos += 1
        hi = self.class_char()
        if lo > 0x7F or hi > 0x7F:
            _fail(at, self.pos, "ranges in `[ ]` must be between ASCII characters",
                  "list the other characters one by one")
        if lo > hi:
            _fail(at, self.pos, f"the range `{self.src[at:self.pos]}` runs backwards",
                  f"write `{chr(hi)}-{chr(lo)}`")
        return lo, hi

    def class_char(self) -> int:
        c, at = self.src[self.pos], self.pos
        if c == "\\":
            return self.escape(in_class=True)
        if c == "[":
            _fail(at, at + 1, "`[` inside `[ ]` starts a nested class in some engines", "write `\\[`")
        if c == "-" and self.peek(1) == "-":
            self.double_hyphen(at)
        return self.plain_char()

    def double_hyphen(self, at: int) -> NoReturn:
        _fail(at, at + 2, "`--` inside `[ ]` means set difference in browsers", "write `\\-` for a literal hyphen")


_GROUP_FORMS = (
    ("(?:", "", ""),
    ("(?<=", "lookbehind `(?<=` is not supported", "describe the text itself instead"),
    ("(?<!", "lookbehind `(?<!` is not supported", "describe the text itself instead"),
    ("(?=", "lookahead `(?=` is not supported", "describe the text itself instead"),
    ("(?!", "lookahead `(?!` is not supported", "describe the text itself instead"),
    ("(?P<", "named groups are written differently in each engine", "use a plain group `( )`"),
    ("(?<", "named groups are written differently in each engine", "use a plain group `( )`"),
    ("(?P=", "backreferences like `(?P=name)` are not supported", "repeat the group's pattern instead"),
    ("(?#", "comments `(?#…)` only work in Python", "remove the comment"),
    ("(?>", "atomic groups `(?>…)` only work in recent Python versions", "use `(?:`"),
    ("(?(", "conditional groups only work in Python", "write the alternatives with `|`"),
)


# --- emitting --------------------------------------------------------------------------------

_SYNTAX = set("^$\\.*+?()[]{}|/")  # escaped as `\c`: valid in Python, `u` and `v` alike
_CONTROL = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x0C: "\\f", 0x0B: "\\v"}


def _plain(cp: int) -> str:
    """A character that is not special: itself when printable, an escape otherwise."""
    if cp in _CONTROL:
        return _CONTROL[cp]
    c = chr(cp)
    if c.isprintable() or cp > 0xFFFF:  # no escape above the BMP is common to Python and JS
        return c
    return f"\\x{cp:02x}" if cp < 0x80 else f"\\u{cp:04x}"


def _literal(cp: int) -> str:
    return "\\" + chr(cp) if chr(cp) in _SYNTAX else _plain(cp)


def _class_char(cp: int) -> str:
    # `-` and the `v` flag's class syntax characters are escaped; other marks stay bare, since
    # `\,` or `\&` are errors under `u`. The set has no repeats, so `v`'s reserved doubles
    # (`&&`, `!!`, ...) cannot appear.
    return "\\" + chr(cp) if chr(cp) in _SYNTAX or cp == 0x2D else _plain(cp)


def _emit_class(chars: CharSet) -> str:
    parts = []
    for lo, hi in chars.ranges:
        if hi - lo >= 3 or (hi - lo == 2 and chr(lo).isalnum() and chr(hi).isalnum()):
            parts.append(f"{_class_char(lo)}-{_class_char(hi)}")
        else:
            parts.extend(_class_char(cp) for cp in range(lo, hi + 1))
    return "".join(parts)


def _emit(node: Node) -> str:
    match node:
        case Atom():
            return node.text
        case Group():  # captures are never read, and cost Python `re` 10x on long inputs
            return "(?:" + _emit(node.body) + ")"
        case Repeat() if isinstance(node.item, Group) and _has_negated_class(node.item):
            # Node 20's V8 (11.3) drops the `^` of a class inside a repeated non-capturing group
            # under the `v` flag: `/^(?:a[^b])+$/v` matches "ab". A capture avoids it.
            return "(" + _emit(node.item.body) + ")" + _quantifier(node.min, node.max)
        case Repeat():
            return _emit(node.item) + _quantifier(node.min, node.max)
        case Seq():
            return "".join(_emit(item) for item in node.items)
        case Alt():
            return "|".join(_emit(branch) for branch in node.branches)
        case _:
            assert_never(node)


def _has_negated_class(node: Node) -> bool:
    return any(isinstance(inner, Atom) and inner.text.startswith("[^") for inner in _walk(node))


def _quantifier(low: int, high: int | None) -> str:
    match (low, high):
        case (0, None):
            return "*"
        case (1, None):
            return "+"
        case (0, 1):
            return "?"
        case (_, None):
            return f"{{{low},}}"
        case _ if low == high:
            return f"{{{low}}}"
        case _:
            return f"{{{low},{high}}}"


# --- backtracking --------------------------------------------------------------------------

_EXPONENTIAL = "can take exponential time on some inputs"


def _walk(node: Node) -> Iterator[Node]:
    yield node
    match node:
        case Atom():
            pass
        case Group():
            yield from _walk(node.body)
        case Repeat():
            yield from _walk(node.item)
        case Seq():
            for item in node.items:
                yield from _walk(item)
        case Alt():
            for branch in node.branches:
                yield from _walk(branch)
        case _:
            assert_never(node)


def _nullable(node: Node) -> bool:
    match node:
        case Atom():
            return False
        case Group():
            return _nullable(node.body)
        case Repeat():
            return node.min == 0 or _nullable(node.item)
        case Seq():
            return all(_nullable(item) for item in node.items)
        case Alt():
            return any(_nullable(branch) for branch in node.branches)
        case _:
            assert_never(node)


def _first(node: Node) -> CharSet:
    """The characters a non-empty match of `node` can start with."""
    match node:
        case Atom():
            return node.chars
        case Group():
            return _first(node.body)
        case Repeat():
            return EMPTY if node.max == 0 else _first(node.item)
        case Seq():
            out = EMPTY
            for item in node.items:
                out |= _first(item)
                if not _nullable(item):
                    break
            return out
        case Alt():
            out = EMPTY
            for branch in node.branches:
                out |= _first(branch)
            return out
        case _:
            assert_never(node)


def _chars(node: Node) -> CharSet:
    """Every character `node` can match anywhere."""
    out = EMPTY
    for inner in _walk(node):
        if isinstance(inner, Atom):
            out |= inner.chars
    return out


def _check_backtracking(tree: Alt) -> None:
    repeats = [node for node in _walk(tree) if isinstance(node, Repeat)]
    for repeat in repeats:
        if repeat.loops:
            _check_loop(repeat)
    _check_budget(tree, [r for r in repeats if r.span != 0])


def _check_loop(repeat: Repeat) -> None:
    """Star height 1, and a loop body that can be split only one way."""
    where = (repeat.start, repeat.end)
    body = repeat.item
    for inner in _walk(body):
        if isinstance(inner, Repeat) and inner.span != 0:
            _fail(*where, f"a repeat inside a repeated group {_EXPONENTIAL}",
                  "repeat the group or what is inside it, not both")
    if _nullable(body):
        _fail(*where, f"a repeated group that can match nothing {_EXPONENTIAL}",
              "make the group match at least one character")
    for inner in _walk(body):
        if isinstance(inner, Alt) and len(inner.branches) > 1 and _ambiguous(inner):
            _fail(*where, f"repeated alternatives that can start with the same character {_EXPONENTIAL}",
                  "make each alternative start differently, e.g. `a(b|c)` instead of `ab|ac`")


def _ambiguous(alt: Alt) -> bool:
    """Two branches can start alike, or one can be empty."""
    if any(_nullable(branch) for branch in alt.branches):
        return True
    seen = EMPTY
    for branch in alt.branches:
        first = _first(branch)
        if seen & first:
            return True
        seen |= first
    return False


def _check_budget(tree: Alt, variable: list[Repeat]) -> None:
    """Bound the ways a failing match is retried: repeats that can hand characters to each other
    multiply (`a*a*` is quadratic, `a?a?a?...` exponential), and so do alternatives that start alike."""
    factor, widest = 1, tree
    for node in _walk(tree):
        if isinstance(node, Alt) and len(node.branches) > 1 and _ambiguous(node):
            factor *= len(node.branches)
            widest = node
    if factor > BACKTRACK_BUDGET:
        _fail(widest.start, widest.end, f"too many alternatives that start alike {_EXPONENTIAL}",
              "make each alternative start differently")
    groups = _Groups()
    parents = _parents(tree)
    by_chars: dict[CharSet, list[Repeat]] = {}
    for repeat in variable:
        by_chars.setdefault(_chars(repeat.item), []).append(repeat)
    for first in variable:
        for second in _followers(first, by_chars, parents):
            group = groups.join(first, second)
            if groups.cost(group) * factor > BACKTRACK_BUDGET:
                start, end = min(r.start for r in group), max(r.end for r in group)
                _fail(start, end, "repeats that can match the same characters one after another "
                      "can take a long time on some inputs",
                      "merge them into one repeat, or put a character between them that the first cannot match")


class _Groups:
    """Repeats joined when one can take over characters from the other (a union-find)."""

    def __init__(self) -> None:
        self.members: dict[int, list[Repeat]] = {}

    def join(self, a: Repeat, b: Repeat) -> list[Repeat]:
        group_a = self.members.get(id(a), [a])
        group_b = self.members.get(id(b), [b])
        if group_a is group_b:
            return group_a
        group_a.extend(group_b)
        for repeat in group_a:
            self.members[id(repeat)] = group_a
        return group_a

    @staticmethod
    def cost(group: list[Repeat]) -> int:
        """How many ways the group can split a run of shared characters, capped past the budget."""
        total = 1
        for repeat in group:
            span = repeat.span
            if span is None or span > LONG_SPAN:
                return BACKTRACK_BUDGET + 1
            total = min(total * (span + 1), BACKTRACK_BUDGET + 1)
        return total


def _parents(tree: Alt) -> dict[int, tuple[Node, int]]:
    """Each node's parent and its index among the parent's children."""
    out: dict[int, tuple[Node, int]] = {}
    for node in _walk(tree):
        children: tuple[Node, ...] = ()
        match node:
            case Group():
                children = (node.body,)
            case Repeat():
                children = (node.item,)
            case Seq():
                children = node.items
            case Alt():
                children = node.branches
        for index, child in enumerate(children):
            out[id(child)] = (node, index)
    return out


def _followers(first: Repeat, by_chars: dict[CharSet, list[Repeat]],
               parents: dict[int, tuple[Node, int]]) -> list[Repeat]:
    """Variable repeats that can start right after `first` stops, with nothing in between but
    characters both of them can match: then a failing match tries every split between the two."""
    mine = _chars(first.item)
    out: list[Repeat] = []
    for chars, others in by_chars.items():
        shared = mine & chars
        if not shared or not _within(first.item, shared):
            continue
        reached = _reached_after(first, parents, shared)
        out.extend(o for o in others if id(o) in reached and o is not first and _within(o.item, shared))
    return out


def _reached_after(first: Repeat, parents: dict[int, tuple[Node, int]], shared: CharSet) -> set[int]:
    """Ids of the repeats whose start the end of `first` reaches through `shared` text."""
    reached: set[int] = set()
    node: Node = first
    while id(node) in parents:
        parent, index = parents[id(node)]
        if isinstance(parent, Repeat) and parent.loops:  # the next round starts right after
            reached |= _starts(parent.item, shared)
        if isinstance(parent, Seq):
            for item in parent.items[index + 1:]:
                reached |= _starts(item, shared)
                if not _within(item, shared):
                    return reached
        node = parent
    return reached


def _starts(node: Node, shared: CharSet) -> set[int]:
    """Ids of the repeats whose start the start of `node` reaches through `shared` text."""
    match node:
        case Atom():
            return set()
        case Group():
            return _starts(node.body, shared)
        case Repeat():
            return {id(node)} | _starts(node.item, shared)
        case Seq():
            out: set[int] = set()
            for item in node.items:
                out |= _starts(item, shared)
                if not _within(item, shared):
                    break
            return out
        case Alt():
            return set().union(*(_starts(branch, shared) for branch in node.branches))
        case _:
            assert_never(node)


def _within(node: Node, shared: CharSet) -> bool:
    """`node` can match some text made only of `shared` characters."""
    match node:
        case Atom():
            return bool(node.chars & shared)
        case Group():
            return _within(node.body, shared)
        case Repeat():
            return node.min == 0 or _within(node.item, shared)
        case Seq():
            return all(_within(item, shared) for item in node.items)
        case Alt():
            return any(_within(branch, shared) for branch in node.branches)
        case _:
            assert_never(node)
