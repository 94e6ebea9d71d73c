"""String literals: escapes, triple-quote dedent, and shortcodes split out with positions.

Input is one STRING or TRIPLE_STRING token as written; output is a `Text` node plus any
diagnostics about the literal itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .ast import Chunk, Shortcode, Text, TextPart
from .diagnostics import Diagnostic, Severity, Span

MAX_STRING_LENGTH = 100_000

_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "<": "<"}
_SHORTCODE = re.compile(
    r"\s*(?P<path>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*"
    r"(?:(?P<sign>[+-])\s*(?P<offset>[0-9]{1,9})\s*)?"
    r"(?:\|(?P<fallback>.*))?",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class _Char:
    value: str
    line: int
    column: int
    escaped: bool


class _Decoder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Diagnostic] = []

    def error(self, line: int, column: int, width: int, code: str, message: str, label: str = "") -> None:
        span = Span(self.file, line, column, line, column + max(width, 1))
        self.problems.append(Diagnostic(span, Severity.ERROR, code, message, label))

    def chars(self, raw: str, line: int, column: int) -> list[_Char]:
        """Decode escapes in one physical line of string content."""
        out: list[_Char] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch != "\\":
                out.append(_Char(ch, line, column + i, False))
                i += 1
                continue
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if nxt in _SIMPLE_ESCAPES and nxt:
                out.append(_Char(_SIMPLE_ESCAPES[nxt], line, column + i, True))
                i += 2
            elif nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", raw[i + 2 : i + 6]):
                i = self._unicode_escape(raw, i, line, column, out)
            else:
                self.error(line, column + i, 2, "bad-escape", f"unknown escape `\\{nxt}` in a string",
                           'write `\\\\` for a backslash')
                i += 2
        return out

    def _unicode_escape(self, raw: str, i: int, line: int, column: int, out: list[_Char]) -> int:
        code = int(raw[i + 2 : i + 6], 16)
        low = raw[i + 6 : i + 12]
        if 0xD800 <= code < 0xDC00 and re.fullmatch(r"\\u[dD][c-fC-F][0-9A-Fa-f]{2}", low):
            code = 0x10000 + ((code - 0xD800) << 10) + (int(low[2:], 16) - 0xDC00)
            out.append(_Char(chr(code), line, column + i, True))
            return i + 12
        if 0xD800 <= code < 0xE000:
            self.error(line, column + i, 6, "bad-escape", "a lone surrogate escape is not a character")
            return i + 6
        out.append(_Char(chr(code), line, column + i, True))
        return i + 6

    def lines(self, raw: str, line: int, column: int, triple: bool) -> list[_Char]:
        if not triple:
            return self.chars(raw, line, column)
        physical = raw.split("\n")
        starts = [(line, column)] + [(line + n, 1) for n in range(1, len(physical))]
        rows = list(zip(physical, starts))
        if rows and not rows[0][0].strip():
            rows = rows[1:]
        if rows and not rows[-1][0].strip():
            rows = rows[:-1]
        indent = min((len(t) - len(t.lstrip(" \t")) for t, _ in rows if t.strip()), default=0)
        out: list[_Char] = []
        for n, (content, (ln, col)) in enumerate(rows):
            if n:
                out.append(_Char("\n", ln, col, True))
            cut = min(indent, len(content) - len(content.lstrip(" \t")))
            out.extend(self.chars(content[cut:], ln, col + cut))
        return out


def decode(raw_token: str, file: str, line: int, column: int) -> tuple[Text, list[Diagnostic]]:
    """Turn a string token (quotes included) into a `Text` and its diagnostics."""
    if "\\" not in raw_token and not raw_token.startswith('"""') and len(raw_token) <= MAX_STRING_LENGTH:
        # The common case, a one-line string without escapes: split it without decoding.
        parts = _split_plain(raw_token[1:-1], file, line, column + 1)
        if parts is not None:
            return Text(tuple(parts), Span(file, line, column, line, column + len(raw_token))), []
    triple = raw_token.startswith('"""')
    quote = 3 if triple else 1
    decoder = _Decoder(file)
    chars = decoder.lines(raw_token[quote:-quote], line, column + quote, triple)
    end_line = line + raw_token.count("\n")
    end_col = (len(raw_token) - raw_token.rfind("\n")) if "\n" in raw_token else column + len(raw_token)
    span = Span(file, line, column, end_line, end_col)
    if len(chars) > MAX_STRING_LENGTH:
        decoder.problems.append(Diagnostic(
            span, Severity.ERROR, "string-too-long",
            f"string is {len(chars):,} characters long (limit {MAX_STRING_LENGTH:,})"))
        return Text((Chunk("".join(c.value for c in chars[:MAX_STRING_LENGTH]), span),), span), decoder.problems
    return Text(tuple(_split_shortcodes(chars, decoder)), span), decoder.problems


def decode_plain(raw_token: str, file: str, line: int, column: int) -> tuple[str, list[Diagnostic]]:
    """The value of a string token used as data (no shortcodes), and any escape problems."""
    if "\\" not in raw_token and not raw_token.startswith('"""'):
        return raw_token[1:-1], []
    triple = raw_token.startswith('"""')
    quote = 3 if triple else 1
    decoder = _Decoder(file)
    chars = decoder.lines(raw_token[quote:-quote], line, column + quote, triple)
    return "".join(c.value for c in chars), decoder.problems


def _split_plain(body: str, file: str, line: int, column: int) -> list[TextPart] | None:
    """Chunks and shortcodes of an escape-free one-line string; None if a shortcode is malformed."""
    parts: list[TextPart] = []
    pos = 0
    while (start := body.find("<<", pos)) >= 0:
        close = body.find(">>", start + 2)
        match = _SHORTCODE.fullmatch(body, start + 2, close) if close >= 0 else None
        if match is None:
            return None  # the careful path reports it
        if start > pos:
            parts.append(Chunk(body[pos:start], Span(file, line, column + pos, line, column + start)))
        parts.append(_from_match(match, Span(file, line, column + start, line, column + close + 2)))
        pos = close + 2
    if pos < len(body):
        parts.append(Chunk(body[pos:], Span(file, line, column + pos, line, column + len(body))))
    return parts


def _from_match(match: re.Match[str], span: Span) -> Shortcode:
    offset = int(match["offset"] or 0) * (-1 if match["sign"] == "-" else 1)
    fallback = match["fallback"].strip() if match["fallback"] is not None else None
    return Shortcode(tuple(match["path"].split(".")), offset, fallback, span)


def _split_shortcodes(chars: list[_Char], decoder: _Decoder) -> list[TextPart]:
    parts: list[TextPart] = []
    buffer: list[_Char] = []
    i = 0
    while i < len(chars):
        if _opens_shortcode(chars, i):
            close = _find_close(chars, i + 2)
            if close < 0:
                c = chars[i]
                decoder.error(c.line, c.column, 2, "unclosed-shortcode", "`<<` opens a shortcode that is never closed",
                              "add `>>`, or write `\\<<` for a literal `<<`")
                buffer.extend(chars[i:])
                break
            _flush(buffer, parts, decoder.file)
            parts.append(_shortcode(chars, i, close, decoder))
            i = close + 2
            continue
        buffer.append(chars[i])
        i += 1
    _flush(buffer, parts, decoder.file)
    return parts


def _opens_shortcode(chars: list[_Char], i: int) -> bool:
    return (i + 1 < len(chars) and chars[i].value == "<" and chars[i + 1].value == "<"
            and not chars[i].escaped and not chars[i + 1].escaped)


def _find_close(chars: list[_Char], start: int) -> int:
    for j in range(start, len(chars) - 1):
        if chars[j].value == ">" and chars[j + 1].value == ">":
            return j
    return -1


def _flush(buffer: list[_Char], parts: list[TextPart], file: str) -> None:
    if not buffer:
        return
    first, last = buffer[0], buffer[-1]
    parts.append(Chunk("".join(c.value for c in buffer), Span(file, first.line, first.column, last.line, last.column + 1)))
    buffer.clear()


def _shortcode(chars: list[_Char], start: int, close: int, decoder: _Decoder) -> Shortcode:
    first, last = chars[start], chars[close + 1]
    span = Span(decoder.file, first.line, first.column, last.line, last.column + 1)
    body = "".join(c.value for c in chars[start + 2 : close])
    match = _SHORTCODE.fullmatch(body)
    if match is None:
        decoder.problems.append(Diagnostic(
            span, Severity.ERROR, "bad-shortcode", f"`<<{body}>>` is not a shortcode",
            "write `<<path>>`, `<<path + 1>>` or `<<path | fallback>>`"))
        return Shortcode(("",), 0, None, span)
    return _from_match(match, span)
