"""A fast driver for the grammar's LALR tables and contextual lexer, built from the Lark parser.

Lark's own loop passes every token through a chain of generators (contextual lexer, post-lexer,
parser state) and a line counter object, and every reduction through a chain of wrappers (child
filter, single-child expansion, the transformer's method); on large templates that bookkeeping
costs more than the matching itself. This driver runs the same per-state lexers (the same regular
expressions in the same order, the same keyword rules) and the same parse table in one loop, and
each rule's wrapper chain as one precompiled reduction calling the same transformer method.
It only handles input that parses: on the first error it gives up, and the caller parses again
with Lark itself, which raises the exception its error reporting is built on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any

from lark import Lark, Token, Tree
from lark.grammar import Rule
from lark.lexer import BasicLexer
from lark.parse_tree_builder import ChildFilter, ExpandSingleChild
from lark.parsers.lalr_analysis import Shift

_OPENERS = frozenset({"LPAR", "LSQB"})
_CLOSERS = frozenset({"RPAR", "RSQB"})

Reduce = Callable[[list[Any]], Any]


class NoFastParse(Exception):
    """The driver met something it does not handle; parse with Lark to find out what."""


class _Token(Token):
    """Lark's token, built without `Token.__new__`'s argument juggling (same slots, same behaviour)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class _StateLexer:
    regex: re.Pattern[str]
    names: tuple[str | None, ...]       # group index -> terminal name
    ignore: frozenset[str]
    keywords: dict[str, dict[str, str]]  # terminal -> {text: keyword terminal}


@dataclass(frozen=True, slots=True)
class _Reduction:
    size: int          # symbols popped
    reduce: Reduce     # their values -> the rule's value
    origin: str        # the nonterminal pushed


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


# --- reductions ---------------------------------------------------------------------------------
#
# Lark wraps each rule's transformer method in a child filter (drop filtered tokens, splice in the
# children of inlined `_rules`, add None for missing `[optional]` parts) and, for `?rules`, a
# single-child expansion. An inlined rule without a method builds a Tree only for its parent to
# take `.children` from it; here it is the list of children itself.


def _is_default(node: Any) -> bool:
    return isinstance(node, partial) and getattr(node.func, "__name__", "") == "default_callback"


def _filter(include: list[tuple[int, bool, int]], append_none: int, size: int) -> Reduce | None:
    """The child filter as one function, or None when it keeps every child as it is."""
    plain = all(not expand and not nones for _, expand, nones in include) and not append_none
    indices = [i for i, _, _ in include]
    if plain and indices == list(range(size)):
        return None
    if plain and not indices:
        return lambda children: []
    if plain and len(indices) == 1:
        (only,) = indices
        return lambda children: [children[only]]
    if plain:
        pick = itemgetter(*indices)
        return lambda children: list(pick(children))
    if include and include[0][1] and not include[0][2] and not append_none \
            and all(not e and not n for _, e, n in include[1:]) and indices == list(range(size)):
        def left_recursive(children: list[Any]) -> list[Any]:  # a growing list: [list, item, ...]
            out: list[Any] = children[0]
            out += children[1:]
            return out
        return left_recursive

    def general(children: list[Any]) -> list[Any]:
        out: list[Any] = []
        for i, expand, nones in include:
            if nones:
                out += [None] * nones
            if expand:
                if out:
                    out += children[i]
                else:
                    out = children[i]
            else:
                out.append(children[i])
        if append_none:
            out += [None] * append_none
        return out
    return general


def _reduction(rule: Rule, callback: Any) -> _Reduction | None:
    """Lark's wrapper chain for `rule` as one reduction, or None for a shape this driver does not know."""
    size, node = len(rule.expansion), callback
    keep: Reduce | None = None
    if isinstance(node, ChildFilter):
        include = [(e[0], e[1], e[2] if len(e) > 2 else 0) for e in node.to_include]
        keep = _filter(include, getattr(node, "append_none", 0), size)
        node = node.node_builder
    single = isinstance(node, ExpandSingleChild)
    if single:
        node = node.node_builder
    if _is_default(node):
        name = node.args[0]
        build: Reduce = list if name.startswith("_") else partial(Tree, name)
    elif callable(node) and not isinstance(node, (ChildFilter, ExpandSingleChild, partial)):
        build = node
    else:
        return None
    if not single:
        if keep is None:
            return _Reduction(size, build, rule.origin.name)
        kept = keep  # (narrowed, for the closure)
        return _Reduction(size, lambda children: build(kept(children)), rule.origin.name)

    def expand_single(children: list[Any]) -> Any:
        if keep is not None:
            children = keep(children)
        return children[0] if len(children) == 1 else build(children)
    return _Reduction(size, expand_single, rule.origin.name)


def _reductions(callbacks: dict[Rule, Any]) -> dict[Rule, _Reduction]:
    """Every rule's reduction; Lark's own chains (with Trees for inlined rules) if any is unknown."""
    made = {rule: _reduction(rule, callback) for rule, callback in callbacks.items()}
    if all(r is not None for r in made.values()):
        return made  # type: ignore[return-value]
    return {rule: _Reduction(len(rule.expansion), callback, rule.origin.name) for rule, callback in callbacks.items()}


class FastDriver:
    """Parses with the tables, lexers and callbacks of a LALR `Lark` built with the contextual lexer."""

    def __init__(self, lark: Lark) -> None:
        frontend = lark.parser
        parser = frontend.parser.parser
        table = parser.parse_table
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        reductions = _reductions(parser.callbacks)
        # state -> symbol -> the next state (a shift or a goto) or the reduction to make
        self.table: dict[int, dict[str, int | _Reduction]] = {
            state: {symbol: arg if kind is Shift else reductions[arg] for symbol, (kind, arg) in actions.items()}
            for state, actions in table.states.items()}
        contextual = getattr(frontend.lexer, "lexer", frontend.lexer)
        by_lexer: dict[int, _StateLexer] = {}
        self.lexers: dict[int, _StateLexer] = {}
        for state, lexer in contextual.lexers.items():
            if id(lexer) not in by_lexer:
                by_lexer[id(lexer)] = _state_lexer(lexer)
            self.lexers[state] = by_lexer[id(lexer)]

    def parse(self, text: str) -> Any:
        table, lexers, end_state, new = self.table, self.lexers, self.end, str.__new__
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
                pos, end = match.span(group)
                value = text[pos:end]
                column = pos - line_start + 1
                start_line = line
                newlines = value.count("\n")
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
                token: Token = new(_Token, value)
                token.type, token.value, token.start_pos, token.end_pos = kind, value, start, end
                token.line, token.column, token.end_line, token.end_column = \
                    start_line, column, line, end - line_start + 1
            else:
                kind = "$END"
                token = Token(kind, "", pos, line, pos - line_start + 1, line, pos - line_start + 1, pos)
            while True:
                action = table[state_stack[-1]].get(kind)
                if action is None:
                    raise NoFastParse
                if action.__class__ is int:
                    if kind == "$END":
                        raise NoFastParse
                    state_stack.append(action)  # type: ignore[arg-type]
                    value_stack.append(token)
                    break
                size = action.size  # type: ignore[union-attr]
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value = action.reduce(children)  # type: ignore[union-attr]
                goto: int = table[state_stack[-1]][action.origin]  # type: ignore[union-attr,assignment]
                state_stack.append(goto)
                value_stack.append(value)
                if goto == end_state and kind == "$END":
                    return value
