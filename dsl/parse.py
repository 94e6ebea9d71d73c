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
from .drive import FastDriver, NoFastParse
from .gcpause import gc_paused
from .syntax_errors import describe_syntax_error

MAX_SYNTAX_ERRORS = 20
_STRINGS_AND_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#.*')
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
_driver: FastDriver | None = None


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


def _get_driver() -> FastDriver:
    global _driver
    if _driver is None:
        _driver = FastDriver(_get_parser())
    return _driver


def parse_with_lark(text: str, file: str = "<string>") -> ParseResult:
    """`parse` through Lark's own lexer and parser loop: the reference the fast driver must equal."""
    return parse(text, file, reference=True)


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so line numbers match what editors show."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text: str, file: str = "<string>", *, reference: bool = False) -> ParseResult:
    """Parse one template file's text. Never raises for bad input.

    `reference` parses with Lark's own loop instead of the fast driver (for tests and benchmarks).
    """
    text = normalise_newlines(text.removeprefix("\ufeff"))
    warnings = tuple(_bidi_warnings(text, file))
    bad = tuple(_surrogates(text, file))
    if bad:
        return ParseResult(None, warnings + bad)
    errors: list[Diagnostic] = []
    attempt: str | None = text
    with _lock:
        while attempt is not None and len(errors) < MAX_SYNTAX_ERRORS:
            outcome = _parse_once(attempt, file, reference)
            if isinstance(outcome, Module):
                if errors:
                    break
                return ParseResult(outcome, warnings + tuple(_builder.problems))
            errors.append(outcome)
            # Blank the offending line and parse again, to report the file's other syntax errors.
            final = outcome.code in ("too-deep", "unclosed-block") or outcome.message == "unexpected end of file"
            attempt = None if final else _blank_line(attempt, outcome.span.line)
    return ParseResult(None, warnings + tuple(errors))


def _parse_once(text: str, file: str, reference: bool) -> Module | Diagnostic:
    parser = _get_parser()
    try:
        with gc_paused():
            if not reference:
                _builder.reset(file)
                try:
                    return _get_driver().parse(text + "\n")  # type: ignore[no-any-return]
                except NoFastParse:
                    pass  # Lark's own loop finds the error and says what it expected
            _builder.reset(file)
            return parser.parse(text + "\n")  # type: ignore[no-any-return]
    except TooDeep as exc:
        return Diagnostic(exc.span, Severity.ERROR, "too-deep", f"{exc.what} nest too deep (limit {MAX_NESTING})",
                          "this is nested too deeply", ("split the condition or flatten the blocks",))
    except UnexpectedInput as exc:
        return describe_syntax_error(exc, text, file, _literals)


def _blank_line(text: str, line: int) -> str | None:
    """`text` with one line emptied, or None when that cannot help (braces on it, end of file)."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines) or not lines[line - 1].strip():
        return None
    content = lines[line - 1]
    if '"""' in content or re.search(r"[{}]", _STRINGS_AND_COMMENTS.sub("", content)):
        return None  # emptying a line that opens or closes a block would only cause more errors
    lines[line - 1] = ""
    return "\n".join(lines)


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
