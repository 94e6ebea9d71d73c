"""Checks of one question's modifiers: which apply to its type, their values, min <= max."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import assert_never

from .. import ast as a
from ..diagnostics import DiagnosticBag
from .expressions import ExprChecker, is_date
from .names import check_identifier
from .scope import Symbol
from .suggest import did_you_mean
from .words import a_or_an, shorten

T = a.QuestionType
_COMMON = {"required", "when", "help", "default", "prefill", "message"}
ALLOWED: dict[a.QuestionType, set[str]] = {
    T.TEXT: {"min", "max", "pattern", "placeholder"},
    T.TEXTAREA: {"min", "max", "placeholder"},
    T.NUMBER: {"min", "max", "placeholder"},
    T.INTEGER: {"min", "max", "placeholder"},
    T.MONEY: {"min", "max", "currency", "placeholder"},
    T.DATE: {"min", "max"},
    T.EMAIL: {"placeholder"},
    T.PHONE: {"placeholder"},
    T.YESNO: set(),
    T.CHOICE: {"option", "from", "as"},
    T.MULTICHOICE: {"option", "from", "min", "max"},
    T.FILE: {"accept", "max", "max_size"},
}
NO_DEFAULT = {T.MULTICHOICE, T.FILE}
SIZE_UNITS = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}
MAX_SIZE_BYTES = 10 * 1024**3
MAX_SAFE_INTEGER = 2**53 - 1
BoundValue = int | float | str | None  # the value of `min` or `max`: a number, or a date "YYYY-MM-DD"
_EXTENSION = re.compile(r"[a-z0-9]{1,10}")
_CURRENCY = re.compile(r"[A-Z]{3}")
NUMERIC = {T.NUMBER, T.INTEGER, T.MONEY}
# which questions a context value of each type (organizer.yaml's names) can prefill
PREFILLS: dict[str, set[a.QuestionType]] = {
    "string": {T.TEXT, T.TEXTAREA, T.EMAIL, T.PHONE, T.CHOICE}, "number": NUMERIC, "date": {T.DATE},
    "boolean": {T.YESNO},
}
_CONTEXT_NOUNS = {"string": "text", "number": "a number", "date": "a date", "boolean": "a yes/no value"}


def modifier_name(modifier: a.Modifier) -> str:
    match modifier:
        case a.Required():
            return "required"
        case a.When():
            return "when"
        case a.TextModifier():
            return modifier.kind.value
        case a.Default():
            return "default"
        case a.Prefill():
            return "prefill"
        case a.Bound():
            return modifier.kind.value
        case a.Pattern():
            return "pattern"
        case a.Currency():
            return "currency"
        case a.Option():
            return "option"
        case a.From():
            return "from"
        case a.As():
            return "as"
        case a.Accept():
            return "accept"
        case a.MaxSize():
            return "max_size"
        case _:
            assert_never(modifier)


class QuestionChecker:
    """Checks one question's modifiers; expression and text checks are delegated."""

    def __init__(self, bag: DiagnosticBag, exprs: ExprChecker, check_text: Callable[[a.Text], None],
                 option_lists: dict[str, a.OptionList], questions: dict[str, Symbol], field_ids: set[str],
                 context: dict[tuple[str, ...], str]) -> None:
        self.bag = bag
        self.exprs = exprs
        self.check_text = check_text
        self.option_lists = option_lists
        self.questions = questions  # top-level questions, which `prefill previous.ID` may name
        self.field_ids = field_ids
        self.context = context

    def check(self, q: a.Question, symbol: Symbol) -> None:
        """Check `q`'s modifiers and fill `symbol.options`."""
        seen: dict[str, a.Modifier] = {}
        allowed = ALLOWED[q.type] | _COMMON
        self._option_lines(q)
        for modifier in q.modifiers:
            name = modifier_name(modifier)
            if name not in allowed:
                self.bag.error(modifier.span, "modifier-not-allowed", f"`{name}` does not apply to {_a(q.type)}",
                               did_you_mean(name, allowed) or "remove it",
                               f"{_a(q.type)} takes: " + ", ".join(sorted(allowed)))
                continue
            if name in seen and name != "option":
                self.bag.error(modifier.span, "duplicate-modifier", f"`{name}` is given twice",
                               "remove one", f"first given on line {seen[name].span.line}")
                continue
            seen[name] = modifier
            self._modifier(q, modifier)
        symbol.options = self._options(q, seen)
        bounds = self._bounds(q, seen)
        default = seen.get("default")
        if isinstance(default, a.Default) and self._default(q, default, symbol.options):
            self._default_fits(q, default, bounds, seen.get("pattern"))

    def _modifier(self, q: a.Question, modifier: a.Modifier) -> None:
        match modifier:
            case a.Required(condition=None) | a.As() | a.Bound() | a.Default() | a.From() | a.Option():
                if isinstance(modifier, a.Option):
                    self.check_text(modifier.label)
                    check_label(self.bag, modifier.label, f"the label of option `{shorten(modifier.id.value)}`")
            case a.Required(condition=condition) if condition is not None:
                self.exprs.condition(condition)
            case a.When():
                self.exprs.condition(modifier.condition)
            case a.TextModifier():
                self.check_text(modifier.text)
            case a.Prefill():
                self._prefill(q, modifier)
            case a.Pattern():
                self._pattern(modifier)
            case a.Currency():
                if not _CURRENCY.fullmatch(modifier.code.value):
                    self.bag.error(modifier.code.span, "currency",
                                   f"\"{shorten(modifier.code.value)}\" is not a currency code",
                                   'use a three-letter ISO 4217 code such as "USD" or "EUR"')
            case a.Accept():
                self._accept(modifier)
            case a.MaxSize():
                self._size(modifier.size)
            case _:
                assert_never(modifier)

    # --- options ------------------------------------------------------------------------

    def _option_lines(self, q: a.Question) -> None:
        """`option x "X" when y` reads as a conditional option but would hide the whole question."""
        for before, after in zip(q.modifiers, q.modifiers[1:]):
            if isinstance(before, a.Option) and after.span.line == before.span.line:
                name = modifier_name(after)
                self.bag.error(after.span, "option-line", f"`{name}` after an option applies to the whole question",
                               "put it on a line of its own", "an option line holds only `option ID \"Label\"`")

    def _options(self, q: a.Question, seen: dict[str, a.Modifier]) -> tuple[str, ...]:
        if q.type not in (T.CHOICE, T.MULTICHOICE):
            return ()
        inline = [m for m in q.modifiers if isinstance(m, a.Option)]
        source = seen.get("from")
        if inline and isinstance(source, a.From):
            self.bag.error(source.span, "options-and-from", "a question takes either `option` lines or `from`, not both",
                           "remove one")
        if isinstance(source, a.From):
            listed = self.option_lists.get(source.list_id.value)
            if listed is None:
                self.bag.error(source.list_id.span, "unknown-list",
                               f"no option list named `{shorten(source.list_id.value)}`",
                               did_you_mean(source.list_id.value, self.option_lists))
                return ()
            return tuple(o.id.value for o in listed.options)
        if not inline:
            self.bag.error(q.id.span, "no-options", f"{q.type.value} `{shorten(q.id.value)}` has no options",
                           "add `option ID \"Label\"` lines in braces, or `from LIST`")
        return check_option_ids(self.bag, inline)

    # --- bounds -------------------------------------------------------------------------

    def _bounds(self, q: a.Question, seen: dict[str, a.Modifier]) -> tuple[BoundValue, BoundValue]:
        """Check `min` and `max` of `q` and return their values (None when absent, `today` or wrong)."""
        low, high = seen.get("min"), seen.get("max")
        values = {}
        for bound in (low, high):
            if isinstance(bound, a.Bound):
                values[bound.kind] = self._bound_value(q, bound)
        lo, hi = values.get(a.BoundKind.MIN), values.get(a.BoundKind.MAX)
        if lo is not None and hi is not None and lo > hi and isinstance(high, a.Bound):
            self.bag.error(high.span, "min-above-max", f"`max` ({_show(hi)}) is below `min` ({_show(lo)})",
                           "no answer can satisfy both")
        if q.type is T.MULTICHOICE and isinstance(lo, int) and lo > len(self._count_options(q, seen)) > 0:
            assert isinstance(low, a.Bound)
            self.bag.error(low.span, "min-above-options", f"`min {lo}` asks for more selections than there are options")
        return lo, hi

    def _count_options(self, q: a.Question, seen: dict[str, a.Modifier]) -> list[object]:
        source = seen.get("from")
        if isinstance(source, a.From) and source.list_id.value in self.option_lists:
            return list(self.option_lists[source.list_id.value].options)
        return [m for m in q.modifiers if isinstance(m, a.Option)]

    def _bound_value(self, q: a.Question, bound: a.Bound) -> BoundValue:
        value = bound.value
        what = bound.kind.value
        if q.type is T.DATE:
            if isinstance(value, a.Today):
                return None
            if isinstance(value, a.String) and is_date(value.value):
                return value.value
            self.bag.error(value.span, "bad-bound", f"`{what}` of a date must be a date",
                           'write "YYYY-MM-DD" or `today`')
            return None
        if not isinstance(value, a.Number):
            self.bag.error(value.span, "bad-bound", f"`{what}` of {_a(q.type)} must be a number")
            return None
        counts = q.type in (T.TEXT, T.TEXTAREA, T.MULTICHOICE, T.FILE)
        if (counts or q.type is T.INTEGER) and not isinstance(value.value, int):
            self.bag.error(value.span, "bad-bound", f"`{what}` must be a whole number here")
            return None
        if counts and value.value < (1 if q.type is T.FILE else 0):
            self.bag.error(value.span, "bad-bound", f"`{what}` cannot be {value.value} here")
            return None
        if abs(value.value) > MAX_SAFE_INTEGER:
            self.bag.error(value.span, "bound-too-large", f"`{what}` is beyond ±{MAX_SAFE_INTEGER:,}",
                           "numbers this large lose precision in browsers")
            return None
        return value.value

    # --- other modifiers ----------------------------------------------------------------

    def _default(self, q: a.Question, default: a.Default, options: tuple[str, ...]) -> bool:
        """Check that the default is a value of the question's type; True when it is."""
        value = default.value
        if q.type in NO_DEFAULT:
            self.bag.error(default.span, "modifier-not-allowed", f"{_a(q.type)} cannot have a `default`")
            return False
        expected = a.Number if q.type in NUMERIC else a.Boolean if q.type is T.YESNO else a.String
        if not isinstance(value, expected):
            self.bag.error(value.span, "bad-default", f"the default of {_a(q.type)} must be {_default_kind(q.type)}")
        elif q.type is T.INTEGER and not isinstance(value.value, int):
            self.bag.error(value.span, "bad-default", "the default of an integer question must be a whole number")
        elif q.type is T.DATE and isinstance(value, a.String) and not is_date(value.value):
            self.bag.error(value.span, "bad-default", f"\"{shorten(value.value)}\" is not a date",
                           'write a real date as "YYYY-MM-DD"')
        elif q.type is T.CHOICE and isinstance(value, a.String) and options and value.value not in options:
            self.bag.error(value.span, "unknown-option",
                           f"\"{shorten(value.value)}\" is not an option of choice '{shorten(q.id.value)}'",
                           did_you_mean(value.value, options, quote='"'))
        else:
            return True
        return False

    def _default_fits(self, q: a.Question, default: a.Default, bounds: tuple[BoundValue, BoundValue],
                      pattern: a.Modifier | None) -> None:
        """A default is an answer the client starts with, so it must pass the question's own checks."""
        value, span, (low, high) = default.value.value, default.value.span, bounds
        valid = "a default must itself be a valid answer"
        problem = ""
        if q.type in (T.TEXT, T.TEXTAREA) and isinstance(value, str):
            if isinstance(low, int) and len(value) < low:
                problem = f"the default has {len(value)} characters, fewer than `min` ({low})"
            elif isinstance(high, int) and len(value) > high:
                problem = f"the default has {len(value)} characters, more than `max` ({high})"
            elif isinstance(pattern, a.Pattern) and not _matches(pattern.regex.value, value):
                self.bag.error(span, "default-pattern", f"the default \"{shorten(value)}\" does not match the `pattern`",
                               valid, f"the pattern is \"{shorten(pattern.regex.value)}\"")
        elif q.type in NUMERIC or q.type is T.DATE:
            below, above = ("before", "after") if q.type is T.DATE else ("below", "above")
            if low is not None and value < low:  # type: ignore[operator]
                problem = f"the default ({_show(value)}) is {below} `min` ({_show(low)})"
            elif high is not None and value > high:  # type: ignore[operator]
                problem = f"the default ({_show(value)}) is {above} `max` ({_show(high)})"
        if problem:
            self.bag.error(span, "default-out-of-range", problem, valid)

    def _prefill(self, q: a.Question, prefill: a.Prefill) -> None:
        path = prefill.path
        shown = shorten(".".join(path))
        if q.type is T.FILE:
            self.bag.error(prefill.span, "modifier-not-allowed", "a file question cannot be prefilled")
        elif path[0] == "previous":
            self._prefill_previous(q, prefill)
        elif path not in self.context:
            candidates = [".".join(p) for p in self.context if len(p) > 1] + ["previous.ID"]
            self.bag.error(prefill.span, "bad-prefill", f"cannot prefill from `{shown}`",
                           did_you_mean(".".join(path), candidates) or "use `client.*`, `firm.*` or `previous.ID`")
        elif q.type not in PREFILLS.get(self.context[path], set()):
            self.bag.error(prefill.span, "prefill-type", f"cannot prefill {_a(q.type)} from `{shown}`",
                           f"`{shown}` is {_CONTEXT_NOUNS.get(self.context[path], self.context[path])}")

    def _prefill_previous(self, q: a.Question, prefill: a.Prefill) -> None:
        path = prefill.path
        name = path[1] if len(path) == 2 else None
        if name in self.field_ids:
            self.bag.error(prefill.span, "bad-prefill", f"`{shorten(name)}` is a repeat field",
                           "only top-level questions can be prefilled from the previous period")
        elif name is None or name not in self.questions:
            self.bag.error(prefill.span, "bad-prefill",
                           f"`{shorten('.'.join(path))}` names no question of this template",
                           did_you_mean(path[-1], self.questions), "write `previous.ID` with a question id")
        elif self.questions[name].question_type is not q.type:
            source = self.questions[name]
            self.bag.error(prefill.span, "prefill-type", f"cannot prefill {_a(q.type)} from `previous.{shorten(name)}`",
                           f"`{shorten(name)}` is {source.described}", "last period's answer must be of the same type")

    def _pattern(self, pattern: a.Pattern) -> None:
        from ..regex_subset import check_pattern

        result = check_pattern(pattern.regex.value)
        if result.error is not None:
            span = pattern.regex.span
            self.bag.error(span, "bad-pattern", result.error.message, result.error.hint)

    def _accept(self, accept: a.Accept) -> None:
        seen: set[str] = set()
        for item in accept.types:
            ext = item.value
            if ext.startswith("."):
                self.bag.error(item.span, "bad-accept", f"write the extension without the dot: \"{shorten(ext[1:])}\"")
            elif not _EXTENSION.fullmatch(ext):
                self.bag.error(item.span, "bad-accept", f"\"{shorten(ext)}\" is not a file extension",
                               'write lower-case extensions such as "pdf", "jpg"')
            elif ext in seen:
                self.bag.error(item.span, "bad-accept", f"\"{shorten(ext)}\" is listed twice")
            seen.add(ext)

    def _size(self, size: a.Size) -> None:
        if size.unit not in SIZE_UNITS:
            self.bag.error(size.span, "bad-size", f"unknown size unit `{shorten(size.unit)}`",
                           did_you_mean(size.unit, SIZE_UNITS) or "use KB, MB or GB")
            return
        total = size.amount * SIZE_UNITS[size.unit]
        if total < 1 or total > MAX_SIZE_BYTES:
            self.bag.error(size.span, "bad-size", "a file size limit must be between 1KB and 10GB")


def check_option_ids(bag: DiagnosticBag, options: list[a.Option] | tuple[a.Option, ...]) -> tuple[str, ...]:
    """Option ids must be valid identifiers and unique; returns them in order."""
    seen: dict[str, a.Option] = {}
    for option in options:
        check_identifier(bag, option.id, "an option id", reserved_ok=True)
        if option.id.value in seen:
            bag.error(option.id.span, "duplicate-option", f"option `{shorten(option.id.value)}` is listed twice",
                      "second listing", f"first listed on line {seen[option.id.value].span.line}")
        seen.setdefault(option.id.value, option)
    return tuple(seen)


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def check_label(bag: DiagnosticBag, text: a.Text, what: str) -> None:
    """A label or title is what the client reads, so it needs words; `what` names it in the message."""
    if not text.parts:
        bag.error(text.span, "empty-label", f"{what} is empty", "write the words the client should read here")


def _a(qtype: a.QuestionType) -> str:
    return a_or_an(f"{qtype.value} question")


def _default_kind(qtype: a.QuestionType) -> str:
    if qtype in NUMERIC:
        return "a number"
    if qtype is T.YESNO:
        return "yes or no"
    if qtype is T.DATE:
        return 'a date in quotes, "YYYY-MM-DD"'
    return "an option id in quotes" if qtype is T.CHOICE else "text in quotes"


def _matches(source: str, value: str) -> bool:
    """Whether `value` passes `pattern "source"`; a pattern that is not portable is reported elsewhere."""
    from ..regex_subset import check_pattern

    portable = check_pattern(source).portable
    return portable is None or re.search(portable, value) is not None
