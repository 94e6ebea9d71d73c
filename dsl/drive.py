"""A fast driver for the grammar's LALR tables and contextual lexer, built from the Lark parser.

Lark's own loop passes every token through a chain of generators (contextual lexer, post-lexer,
parser state) and a line counter object; on large templates that bookkeeping costs more than
the matching itself. This driver runs the same per-state lexers (the same regular expressions in
the same order, the same keyword rules) and the same parse table and tree callbacks in one loop.
It only handles input that parses: on the first error it gives up, and the caller parses again
with Lark itself, which raises the exception its error reporting is built on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token
from lark.lexer import BasicLexer
from lark.parsers.lalr_analysis import Shift

_OPENERS = frozenset({"LPAR", "LSQB"})
_CLOSERS = frozenset({"RPAR", "RSQB"})


class NoFastParse(Exception):
    """The driver met something it does not handle; parse with Lark to find out what."""


@dataclass(frozen=True, slots=True)
class _StateLexer:
    regex: re.Pattern[str]
    names: tuple[str | None, ...]       # group index -> terminal name
    ignore: frozenset[str]
    keywords: dict[str, dict[str, str]]  # terminal -> {text: keyword terminal}


def _state_lexer(lexer: BasicLexer) -> _StateLexer:
    scanner = lexer.scanner  # builds Lark's scanner: the terminals after keyword folding, in Lark's order
    terminals = scanner.terminals
    # Spaces and tabs between tokens are skipped by the match itself (possessively, so a
    # failing match cannot backtrack into them) instead of costing a token each.
    pattern = "[\\t \\f]*+(?:" + "|".join(f"({t.pattern.to_regexp()})" for t in terminals) + ")"
    names: list[str | None] = [None]
    for t in terminals:
        names.append(t.name)
        names.extend([None] * re.compile(t.pattern.to_regexp()).groups)
    keywords = {kind: {t.pattern.value: t.name for t in callback.scanner.terminals}
                for kind, callback in lexer.callback.items()}
    return _StateLexer(re.compile(pattern), tuple(names), frozenset(lexer.ignore_types), keywords)


class FastDriver:
    """Parses with the tables, lexers and callbacks of a LALR `Lark` built with the contextual lexer."""

    def __init__(self, lark: Lark) -> None:
        frontend = lark.parser
        parser = frontend.parser.parser
        self.states = parser.parse_table.states
        self.start = parser.parse_table.start_states["start"]
        self.end = parser.parse_table.end_states["start"]
        self.callbacks = parser.callbacks
        contextual = getattr(frontend.lexer, "lexer", frontend.lexer)
        by_lexer: dict[int, _StateLexer] = {}
        self.lexers: dict[int, _StateLexer] = {}
        for state, lexer in contextual.lexers.items():
            if id(lexer) not in by_lexer:
                by_lexer[id(lexer)] = _state_lexer(lexer)
            self.lexers[state] = by_lexer[id(lexer)]

    def parse(self, text: str) -> Any:
        states, callbacks, lexers = self.states, self.callbacks, self.lexers
        state_stack: list[int] = [self.start]
        value_stack: list[Any] = []
        pos, line, line_start, depth, length = 0, 1, 0, 0, len(text)
        while True:
            if pos < length:
                lexer = lexers[state_stack[-1]]
                match = lexer.regex.match(text, pos)
                if match is None:
                    raise NoFastParse
                group = match.lastindex or 0
                kind = lexer.names[group]
                assert kind is not None
                pos = match.start(group)
                value = match.group(group)
                end = match.end()
                column = pos - line_start + 1
                newlines = value.count("\n")
                start_line = line
                if newlines:
                    line += newlines
                    line_start = pos + value.rindex("\n") + 1
                start, pos = pos, end
                if kind in lexer.ignore:
                    continue
                if kind == "_NL":
                    if depth:
                        continue
                elif kind in _OPENERS:
                    depth += 1
                elif kind in _CLOSERS and depth:
                    depth -= 1
                folded = lexer.keywords.get(kind)
                if folded is not None:
                    kind = folded.get(value, kind)
                token = Token(kind, value, start, start_line, column, line, end - line_start + 1, end)
            else:
                token = Token("$END", "", pos, line, pos - line_start + 1, line, pos - line_start + 1, pos)
            while True:
                action = states[state_stack[-1]].get(token.type)
                if action is None:
                    raise NoFastParse
                kind_of_action, arg = action
                if kind_of_action is Shift:
                    if token.type == "$END":
                        raise NoFastParse
                    state_stack.append(arg)
                    value_stack.append(token)
                    break
                size = len(arg.expansion)
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value = callbacks[arg](children)
                _, goto = states[state_stack[-1]][arg.origin.name]
                state_stack.append(goto)
                value_stack.append(value)
                if token.type == "$END" and goto == self.end:
                    return value_stack[-1]
