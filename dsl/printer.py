"""The unparser: an AST back to canonical source text, which parses to an equal tree."""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from . import ast as a

_INDENT = "  "

# Binding strength, loosest first; an operand printed where a tighter level is needed gets parentheses.
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _ATOM = range(8)
_ARITH_LEVEL = {a.ArithOp.ADD: _SUM, a.ArithOp.SUB: _SUM, a.ArithOp.MUL: _PRODUCT, a.ArithOp.DIV: _PRODUCT}
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
# Bidirectional controls are escaped too, so printed text never reorders on screen (the parser warns on them).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# --- text -------------------------------------------------------------------------------


def _escape_char(ch: str) -> str:
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000 or ch in _BIDI:
        return f"\\u{code:04x}"
    return ch


def _escape(value: str) -> str:
    """JSON escapes, plus `\\<` for a `<` that could open a shortcode with what follows it."""
    out: list[str] = []
    for i, ch in enumerate(value):
        if ch == "<" and (i + 1 == len(value) or value[i + 1] == "<"):
            out.append("\\<")
        else:
            out.append(_escape_char(ch))
    return "".join(out)


def _shortcode(code: a.Shortcode) -> str:
    body = ".".join(code.path)
    if code.offset:
        body += f" {'+' if code.offset > 0 else '-'} {abs(code.offset)}"
    if code.fallback is not None:
        body += " | " + "".join(_escape_char(ch) for ch in code.fallback)
    return f"<<{body}>>"


def print_text(text: a.Text) -> str:
    """A `Text` as a quoted string literal."""
    parts: list[str] = []
    for part in text.parts:
        match part:
            case a.Chunk():
                parts.append(_escape(part.value))
            case a.Shortcode():
                parts.append(_shortcode(part))
            case _:
                assert_never(part)
    return '"' + "".join(parts) + '"'


def _string(node: a.String) -> str:
    return '"' + _escape(node.value) + '"'


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value == 0:
        return "0.0"  # never `-0.0`
    digits = format(Decimal(repr(value)), "f")
    return digits if "." in digits else digits + ".0"


# --- expressions ------------------------------------------------------------------------


def print_expr(expr: a.Expr) -> str:
    """An expression with the fewest parentheses that parse back to the same tree."""
    return _expr(expr, _OR)


def _expr(expr: a.Expr, context: int) -> str:
    text, level = _expr_level(expr)
    return f"({text})" if level < context else text


def _expr_level(expr: a.Expr) -> tuple[str, int]:
    match expr:
        case a.Number():
            return _number(expr.value), _UNARY if expr.value < 0 else _ATOM
        case a.String():
            return _string(expr), _ATOM
        case a.Boolean():
            return ("true" if expr.value else "false"), _ATOM
        case a.ListLit():
            return "[" + ", ".join(_expr(item, _OR) for item in expr.items) + "]", _ATOM
        case a.Ref():
            return ".".join(expr.path), _ATOM
        case a.Call():
            return expr.name.value + "(" + ", ".join(_expr(arg, _OR) for arg in expr.args) + ")", _ATOM
        case a.Neg():
            return "-" + _expr(expr.operand, _UNARY), _UNARY
        case a.Not():
            return "not " + _expr(expr.operand, _NOT), _NOT
        case a.BoolOp():
            level = _OR if expr.op is a.BoolOpKind.OR else _AND
            return f" {expr.op.value} ".join(_expr(o, level + 1) for o in expr.operands), level
        case a.Compare():
            return f"{_expr(expr.left, _SUM)} {expr.op.value} {_expr(expr.right, _SUM)}", _COMPARE
        case a.Arith():
            level = _ARITH_LEVEL[expr.op]
            return f"{_expr(expr.left, level)} {expr.op.value} {_expr(expr.right, level + 1)}", level
        case _:
            assert_never(expr)


# --- modifiers and items ----------------------------------------------------------------


def _literal(value: a.Number | a.String | a.Boolean | a.Today) -> str:
    match value:
        case a.Number():
            return _number(value.value)
        case a.String():
            return _string(value)
        case a.Boolean():
            return "true" if value.value else "false"
        case a.Today():
            return "today"
        case _:
            assert_never(value)


def _modifier(mod: a.Modifier) -> str:
    match mod:
        case a.Required():
            return "required" if mod.condition is None else "required if " + print_expr(mod.condition)
        case a.When():
            return "when " + print_expr(mod.condition)
        case a.TextModifier():
            return f"{mod.kind.value} {print_text(mod.text)}"
        case a.Default():
            return "default " + _literal(mod.value)
        case a.Prefill():
            return "prefill " + ".".join(mod.path)
        case a.Bound():
            return f"{mod.kind.value} {_literal(mod.value)}"
        case a.Pattern():
            return "pattern " + _string(mod.regex)
        case a.Currency():
            return "currency " + _string(mod.code)
        case a.Option():
            return _option(mod)
        case a.From():
            return "from " + mod.list_id.value
        case a.As():
            return "as " + mod.style.value
        case a.Accept():
            return "accept " + ", ".join(_string(t) for t in mod.types)
        case a.MaxSize():
            return f"max_size {_number(mod.size.amount)}{mod.size.unit}"
        case _:
            assert_never(mod)


def _option(option: a.Option) -> str:
    return f"option {option.id.value} {print_text(option.label)}"


def _when(condition: a.Expr | None) -> str:
    return "" if condition is None else " when " + print_expr(condition)


def _block(head: str, items: tuple[a.Item, ...], depth: int) -> list[str]:
    """`head {`, the items one level deeper, and the closing `}`."""
    lines = [_INDENT * depth + head + " {"]
    for item in items:
        lines.extend(_item(item, depth + 1))
    lines.append(_INDENT * depth + "}")
    return lines


def _question(q: a.Question, depth: int) -> list[str]:
    head = f"{q.type.value} {q.id.value} {print_text(q.label)}"
    if any(isinstance(m, a.Option) for m in q.modifiers):
        inner = _INDENT * (depth + 1)
        return [_INDENT * depth + head + " {", *(inner + _modifier(m) for m in q.modifiers), _INDENT * depth + "}"]
    return [_INDENT * depth + " ".join([head, *(_modifier(m) for m in q.modifiers)])]


def _if(node: a.If, depth: int) -> list[str]:
    lines: list[str] = []
    for n, branch in enumerate(node.branches):
        head = ("if " if n == 0 else "else if ") + print_expr(branch.condition)
        block = _block(head, branch.items, depth)
        if lines:  # `} else if ... {` continues the previous branch's closing line
            block[0] = lines.pop() + " " + block[0].lstrip()
        lines.extend(block)
    if node.otherwise is not None:
        block = _block("else", node.otherwise, depth)
        block[0] = lines.pop() + " " + block[0].lstrip()
        lines.extend(block)
    return lines


def _repeat_head(node: a.Repeat) -> str:
    head = f"repeat {node.id.value} {print_text(node.title)}"
    if node.min is not None:
        head += " min " + _number(node.min.value)
    if node.max is not None:
        head += " max " + _number(node.max.value)
    return head + _when(node.when)


def _item(item: a.Item, depth: int) -> list[str]:
    pad = _INDENT * depth
    match item:
        case a.Question():
            return _question(item, depth)
        case a.Computed():
            label = print_text(item.label)
            return [f"{pad}computed {item.id.value} {label} = {print_expr(item.expr)}{_when(item.when)}"]
        case a.Note():
            return [f"{pad}note {print_text(item.text)}{_when(item.when)}"]
        case a.Goto():
            return [f"{pad}goto {item.target.value} when {print_expr(item.condition)}"]
        case a.If():
            return _if(item, depth)
        case a.Group():
            return _block(f"group {item.id.value} {print_text(item.title)}{_when(item.when)}", item.items, depth)
        case a.Repeat():
            return _block(_repeat_head(item), item.items, depth)
        case a.Section():
            return _block(f"section {item.id.value} {print_text(item.title)}{_when(item.when)}", item.items, depth)
        case _:
            assert_never(item)


# --- top level --------------------------------------------------------------------------


def _template(t: a.Template) -> list[str]:
    lines = [f"organizer {t.id.value} {print_text(t.title)} {{"]
    if t.language is not None:
        lines.append(f"{_INDENT}language {t.language.value}")
    if t.description is not None:
        lines.append(f"{_INDENT}description {print_text(t.description)}")
    if t.reminders is not None:
        after, limit = _number(t.reminders.after_days.value), _number(t.reminders.limit.value)
        lines.append(f"{_INDENT}reminders after {after} days limit {limit}")
    for item in t.items:
        if isinstance(item, a.Section) and len(lines) > 1:  # a blank line between sections and after the header
            lines.append("")
        lines.extend(_item(item, 1))
    lines.append("}")
    return lines


def _declaration(decl: a.Template | a.OptionList) -> list[str]:
    match decl:
        case a.Template():
            return _template(decl)
        case a.OptionList():
            return [f"options {decl.id.value} {{", *(_INDENT + _option(o) for o in decl.options), "}"]
        case _:
            assert_never(decl)


def print_module(module: a.Module) -> str:
    """The whole file: declarations in order, separated by blank lines, ending in a newline."""
    return "\n\n".join("\n".join(_declaration(d)) for d in module.declarations) + "\n"
