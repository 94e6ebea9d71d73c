"""Source text -> AST. Builds the LALR parser once and turns every failure into a diagnostic."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from lark import Lark, Token
from lark.exceptions import UnexpectedInput

from .ast import Module
from .build_ast import MAX_NESTING, AstBuilder, TooDeep
from .diagnostics import Diagnostic, Severity, Span
from .gcpause import gc_paused
from .syntax_errors import describe_syntax_error

_SURROGATE = re.compile("[\ud800-\udfff]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_OPENERS = {"LPAR", "LSQB"}
_CLOSERS = {"RPAR", "RSQB"}


class _NewlinesInBrackets:
    """Post-lexer: a line break inside ( ) or [ ] does not end the statement."""

    always_accept = ("_NL", "NAME")  # so `note` is one word where only `no` is expected

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        for token in stream:
            kind = token.type
            if kind == "_NL":
                if depth == 0:
                    yield token
                continue
            if kind in _OPENERS:
                depth += 1
            elif kind in _CLOSERS and depth:
                depth -= 1
            yield token


@dataclass(frozen=True, slots=True)
class ParseResult:
    module: Module | None
    diagnostics: tuple[Diagnostic, ...]


_lock = threading.Lock()
_builder = AstBuilder()
_parser: Lark | None = None
_literals: dict[str, str] = {}


def grammar_text() -> str:
    return resources.files(__package__).joinpath("organizer.lark").read_text(encoding="utf-8")


def build_parser(transformer: AstBuilder | None = None, **options: object) -> Lark:
    """The LALR parser; with a transformer the AST is built during parsing (no parse tree)."""
    return Lark(grammar_text(), parser="lalr", lexer="contextual", postlex=_NewlinesInBrackets(),
                transformer=transformer, maybe_placeholders=True, **options)


def _get_parser() -> Lark:
    global _parser
    if _parser is None:
        _parser = build_parser(_builder, cache=True)
        _literals.update({t.name: t.pattern.value for t in _parser.terminals if t.pattern.type == "str"})
    return _parser


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so line numbers match what editors show."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text: str, file: str = "<string>") -> ParseResult:
    """Parse one template file's text. Never raises for bad input."""
    text = normalise_newlines(text.removeprefix("\ufeff"))
    warnings = tuple(_bidi_warnings(text, file))
    bad = tuple(_surrogates(text, file))
    if bad:
        return ParseResult(None, warnings + bad)
    with _lock:
        parser = _get_parser()
        _builder.reset(file)
        try:
            with gc_paused():
                module = parser.parse(text + "\n")
        except TooDeep as exc:
            return ParseResult(None, warnings + (Diagnostic(
                exc.span, Severity.ERROR, "too-deep", f"{exc.what} nest too deep (limit {MAX_NESTING})",
                "this is nested too deeply", ("split the condition or flatten the blocks",)),))
        except UnexpectedInput as exc:
            return ParseResult(None, warnings + (describe_syntax_error(exc, text, file, _literals),))
        problems = tuple(_builder.problems)
    return ParseResult(module, warnings + problems)


def _surrogates(text: str, file: str) -> Iterator[Diagnostic]:
    """Lone surrogates cannot come from a UTF-8 file, only from a str handed to the API."""
    for match in _SURROGATE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start())
        yield Diagnostic(Span(file, line, column, line, column + 1), Severity.ERROR, "bad-character",
                         f"lone surrogate U+{ord(match[0]):04X} is not a character")


def _bidi_warnings(text: str, file: str) -> Iterator[Diagnostic]:
    for match in _BIDI.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start())
        yield Diagnostic(Span(file, line, column, line, column + 1), Severity.WARNING, "bidi-control",
                         f"invisible bidirectional control character U+{ord(match[0]):04X}",
                         "it can make this line read differently from what it does",
                         ("remove it, or write it as an escape such as `\\u202e`",))
