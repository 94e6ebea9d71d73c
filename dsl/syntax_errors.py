"""The one place where Lark's exceptions become diagnostics in the user's words."""

from __future__ import annotations

import difflib
import unicodedata

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .diagnostics import Diagnostic, Severity, Span

QUESTION_TYPES = ("text", "textarea", "number", "integer", "money", "date", "email", "phone", "yesno",
                  "choice", "multichoice", "file")
_STATEMENTS = {"section", "group", "repeat", "if", "goto", "note", "computed", *QUESTION_TYPES}
_MODIFIERS = {"required", "when", "help", "placeholder", "message", "default", "prefill", "min", "max",
              "pattern", "currency", "option", "from", "as", "accept", "max_size"}
_OPERATORS = {"==", "!=", "<", "<=", ">", ">=", "in", "has", "+", "-", "*", "/", "and", "or"}
_OPEN_CLASSES = {
    "NAME": "a name", "STRING": "a string", "TRIPLE_STRING": "a string", "NUMBER": "a number",
    "SIGNED_NUMBER": "a number", "SIZE": "a size such as `20MB`", "_NL": "a line break",
    "$END": "the end of the file",
}


def describe_syntax_error(exc: UnexpectedInput, text: str, file: str, literals: dict[str, str]) -> Diagnostic:
    """`literals` maps terminal names to the text a user types (`RBRACE` -> `}`)."""
    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(exc, text, file, literals)
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        return _bad_token(exc, text, file, literals)
    assert isinstance(exc, (UnexpectedToken, UnexpectedEOF))
    return _end_of_file(exc.expected, text, file, literals)


def _expected_words(expected: set[str] | frozenset[str], literals: dict[str, str]) -> list[str]:
    words = {literals.get(name, name) for name in expected if name in literals}
    phrases = sorted({_OPEN_CLASSES[name] for name in expected if name in _OPEN_CLASSES})
    groups: list[str] = []
    if len(words & _STATEMENTS) >= 5:
        words -= _STATEMENTS
        groups.append("a statement such as `section` or `text`")
    if len(words & _MODIFIERS) >= 5:
        words -= _MODIFIERS
        groups.append("a modifier such as `required` or `help`")
    if len(words & _OPERATORS) >= 5:
        words -= _OPERATORS
        groups.append("an operator")
    return groups + [f"`{w}`" for w in sorted(words)] + phrases


def _expected_note(expected: set[str] | frozenset[str], literals: dict[str, str]) -> tuple[str, ...]:
    words = _expected_words(expected, literals)
    if not words:
        return ()
    if len(words) > 6:
        words = words[:6] + ["..."]
    return ("expected " + (words[0] if len(words) == 1 else "one of: " + ", ".join(words)),)


def _bad_token(exc: UnexpectedToken, text: str, file: str, literals: dict[str, str]) -> Diagnostic:
    token = exc.token
    expected = _really_expected(exc)
    if token.type == "_NL":
        line, column = token.line, token.column
        return Diagnostic(Span(file, line, column, line, column + 1), Severity.ERROR, "syntax",
                          "this line ends too early", "the statement is incomplete here",
                          _expected_note(expected, literals))
    value = str(token)
    span = Span(file, token.line, token.column, token.end_line or token.line,
                token.end_column or token.column + len(value))
    if "\n" in value:
        span = Span(file, token.line, token.column, token.line, token.column + len(value.split("\n")[0]))
    label = ""
    keywords = [literals[n] for n in expected if n in literals and literals[n].isidentifier()]
    close = difflib.get_close_matches(value, keywords, n=1, cutoff=0.6)
    if token.type == "NAME" and close:
        label = f"did you mean `{close[0]}`?"
    elif value == "=" and any(literals.get(n) == "==" for n in expected):
        label = "use `==` to compare"
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return Diagnostic(span, Severity.ERROR, "syntax", f"unexpected `{shown}`", label,
                      _expected_note(expected, literals))


def _really_expected(exc: UnexpectedToken) -> set[str]:
    """What the parser would accept here; LALR state merging makes `expected` list too much."""
    try:
        accepts = exc.accepts
    except Exception:  # noqa: BLE001 - a failed simulation only costs precision
        accepts = None
    return set(accepts) if accepts else set(exc.expected)


def _bad_character(exc: UnexpectedCharacters, text: str, file: str, literals: dict[str, str]) -> Diagnostic:
    line, column = exc.line, exc.column
    char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
    span = Span(file, line, column, line, column + 1)
    if char == '"':
        if text[max(exc.pos_in_stream - 2, 0) : exc.pos_in_stream + 1] == '"""':
            column -= 2  # the lexer read the first two quotes as an empty string
            span = Span(file, line, column, line, column + 1)
        rest = text[exc.pos_in_stream - (exc.column - column):]
        if rest.startswith('"""'):
            return Diagnostic(span.to(Span(file, line, column, line, column + 3)), Severity.ERROR, "unclosed-string",
                              "unclosed triple-quoted string", 'this `"""` is never closed')
        end = rest.find("\n")
        width = len(rest if end < 0 else rest[:end])
        return Diagnostic(Span(file, line, column, line, column + max(width, 1)), Severity.ERROR, "unclosed-string",
                          "unclosed string", 'this string has no closing `"` on its line',
                          ('use `"""` for text that spans lines',))
    if char.isalpha() or char.isdigit():
        return Diagnostic(span, Severity.ERROR, "bad-identifier", f"`{char}` cannot appear in a name",
                          "names use only a-z, 0-9 and _")
    return Diagnostic(span, Severity.ERROR, "syntax", f"unexpected character {_show_char(char)}", "",
                      _expected_note(_state_terminals(exc) or set(exc.allowed or ()), literals))


def _state_terminals(exc: UnexpectedCharacters) -> set[str]:
    """The terminals the parser state accepts (the lexer's `allowed` hides keywords behind NAME)."""
    state = getattr(exc, "state", None)
    try:
        actions = state.parse_conf.parse_table.states[state.position]  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError):
        return set()
    return {name for name in actions if name.isupper() or name.startswith("_NL")}


def _show_char(char: str) -> str:
    if not char:
        return "at the end of the file"
    if char.isprintable() and not unicodedata.category(char).startswith("C"):
        return f"`{char}`"
    return f"U+{ord(char):04X}"


def _end_of_file(expected: set[str] | frozenset[str], text: str, file: str, literals: dict[str, str]) -> Diagnostic:
    lines = text.split("\n")
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    line, column = len(lines), len(lines[-1]) + 1
    span = Span(file, line, column, line, column + 1)
    opened = _unclosed_brace(text)
    if opened is not None:
        return Diagnostic(span, Severity.ERROR, "unclosed-block", "unexpected end of file", "expected `}`",
                          (f"the `{{` on line {opened[0]}, column {opened[1]} is never closed",))
    return Diagnostic(span, Severity.ERROR, "syntax", "unexpected end of file", "",
                      _expected_note(set(expected), literals))


def _unclosed_brace(text: str) -> tuple[int, int] | None:
    """The innermost `{` that has no `}`, skipping strings and comments."""
    stack: list[tuple[int, int]] = []
    line, col, i = 1, 1, 0
    while i < len(text):
        ch = text[i]
        if ch == "#":
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl
            continue
        if ch == '"':
            quote = '"""' if text.startswith('"""', i) else '"'
            j = i + len(quote)
            while j < len(text) and not text.startswith(quote, j) and not (quote == '"' and text[j] == "\n"):
                j += 2 if text[j] == "\\" else 1
            segment = text[i : j + len(quote)]
            line += segment.count("\n")
            col = len(segment) - segment.rfind("\n") if "\n" in segment else col + len(segment)
            i = j + len(quote)
            continue
        if ch == "{":
            stack.append((line, col))
        elif ch == "}" and stack:
            stack.pop()
        line, col = (line + 1, 1) if ch == "\n" else (line, col + 1)
        i += 1
    return stack[-1] if stack else None
