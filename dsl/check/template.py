"""The semantic checker: walks a parsed module in source order and reports every mistake."""

from __future__ import annotations

from typing import assert_never

from .. import ast as a
from ..config import LibraryConfig
from ..diagnostics import DiagnosticBag, Span
from .expressions import RESERVED, Env, ExprChecker, constant, is_constant
from .names import check_identifier
from .questions import QuestionChecker, check_label, check_option_ids
from .scope import CONTEXT_KINDS, Kind, Symbol
from .suggest import closest, did_you_mean
from .words import shorten

LANGUAGES = ("en", "nl")
MAX_QUESTIONS = 10_000
_VALUE_KINDS = (Kind.NUMBER, Kind.STRING, Kind.BOOLEAN, Kind.UNKNOWN)


def check_module(module: a.Module, config: LibraryConfig, bag: DiagnosticBag) -> None:
    """Check a parsed file: its one template and its shared option lists."""
    lists: dict[str, a.OptionList] = {}
    for option_list in module.option_lists:
        check_identifier(bag, option_list.id, "an option list id")
        if option_list.id.value in lists:
            bag.error(option_list.id.span, "duplicate-id",
                      f"option list `{shorten(option_list.id.value)}` is declared twice")
        lists.setdefault(option_list.id.value, option_list)
        check_option_ids(bag, option_list.options)
    templates = module.templates
    if not templates:
        bag.error(module.span, "no-template", "this file has no `organizer` block",
                  "start with `organizer ID \"Title\" {`")
        return
    for extra in templates[1:]:
        bag.error(extra.id.span, "one-template-per-file", "a file holds one template",
                  "move this template to a file of its own")
    checker = TemplateChecker(bag, config, lists)
    checker.check(templates[0])
    for unused in set(lists) - checker.used_lists:
        bag.warning(lists[unused].id.span, "unused-list", f"option list `{shorten(unused)}` is never used")


class TemplateChecker:
    def __init__(self, bag: DiagnosticBag, config: LibraryConfig, lists: dict[str, a.OptionList]) -> None:
        self.bag = bag
        self.lists = lists
        self.used_lists: set[str] = set()
        self.env = Env(declared={}, everywhere={}, context=config.context)
        self.exprs = ExprChecker(bag, self.env)
        self.sections: list[str] = []
        self.section_order: list[str] = []
        self.question_count = 0

    # --- the template -------------------------------------------------------------------

    def check(self, template: a.Template) -> None:
        check_identifier(self.bag, template.id, "a template id")
        self.check_text(template.title)
        check_label(self.bag, template.title, f"the title of template `{shorten(template.id.value)}`")
        if template.description is not None:
            self.check_text(template.description)
        if template.language is not None and template.language.value not in LANGUAGES:
            self.bag.error(template.language.span, "language",
                           f"unsupported language `{shorten(template.language.value)}`",
                           did_you_mean(template.language.value, LANGUAGES) or "the languages are " + ", ".join(LANGUAGES))
        if template.reminders is not None:
            self._reminders(template.reminders)
        self._collect(template.items, None)
        self.section_order = [n for n, s in self.env.everywhere.items() if s.what == "section"]
        top = {n: s for n, s in self.env.everywhere.items() if s.question_type and s.repeat is None}
        fields = {n for n, s in self.env.everywhere.items() if s.repeat is not None} - set(top)
        questions = QuestionChecker(self.bag, self.exprs, self.check_text, self.lists, top, fields, self.env.context)
        self.questions = questions
        for item in template.items:
            if not isinstance(item, a.Section):
                self.bag.error(item.span, "outside-section", "everything in a template belongs in a `section`",
                               "wrap this in `section ID \"Title\" { ... }`")
            self.item(item, section=None)

    def _reminders(self, reminders: a.Reminders) -> None:
        for number, low in ((reminders.after_days, 1), (reminders.limit, 0)):
            if not isinstance(number.value, int) or number.value < low or number.value > 365:
                self.bag.error(number.span, "bad-reminders", f"expected a whole number from {low} to 365")

    # --- first pass: every id, for duplicates and "declared later" hints -----------------

    def _collect(self, items: tuple[a.Item, ...], repeat: Symbol | None) -> None:
        for item in items:
            match item:
                case a.Question() | a.Computed() | a.Group() | a.Repeat() | a.Section():
                    symbol = self._symbol(item, repeat)
                    self._declare_id(symbol, repeat)
                    if isinstance(item, (a.Group, a.Section)):
                        self._collect(item.items, repeat)
                    elif isinstance(item, a.Repeat):
                        self._collect(item.items, symbol if repeat is None else repeat)
                case a.If():
                    for branch in item.branches:
                        self._collect(branch.items, repeat)
                    self._collect(item.otherwise or (), repeat)
                case a.Note() | a.Goto():
                    pass
                case _:
                    assert_never(item)

    @staticmethod
    def _symbol(item: a.Question | a.Computed | a.Group | a.Repeat | a.Section, repeat: Symbol | None) -> Symbol:
        what = {a.Question: "question", a.Computed: "computed value", a.Group: "group", a.Repeat: "repeat",
                a.Section: "section"}[type(item)]
        qtype = item.type if isinstance(item, a.Question) else None
        return Symbol(item.id.value, item.id.span, what, qtype, repeat=repeat.name if repeat else None)

    def _declare_id(self, symbol: Symbol, repeat: Symbol | None) -> None:
        if symbol.name not in RESERVED and any(p[0] == symbol.name for p in self.env.context):
            self.bag.error(symbol.span, "context-clash", f"`{shorten(symbol.name)}` is also a context field",
                           "choose another id", "organizer.yaml declares a context field with this name")
        scope = repeat.fields if repeat is not None else self.env.everywhere
        first = scope.get(symbol.name)
        if first is not None and (repeat is not None or first.repeat is None):  # a field may share a top-level id
            where = f"repeat `{shorten(repeat.name)}`" if repeat else "this template"
            self.bag.error(symbol.span, "duplicate-id", f"`{shorten(symbol.name)}` is declared twice in {where}",
                           "second declaration", f"first declared on line {first.span.line}")
            return
        scope[symbol.name] = symbol
        if repeat is not None:
            self.env.everywhere.setdefault(symbol.name, symbol)

    # --- second pass: in source order ---------------------------------------------------

    def declare(self, symbol: Symbol) -> None:
        if symbol.repeat is not None and self.env.repeat is not None:
            self.env.fields[symbol.name] = symbol
        else:
            self.env.declared.setdefault(symbol.name, symbol)

    def _lookup(self, name: a.Name) -> Symbol:
        """The symbol collected for `name` at this point (its own, even when a duplicate)."""
        scope = self.env.repeat.fields if self.env.repeat is not None else self.env.everywhere
        found = scope.get(name.value)
        if found is not None and found.span == name.span:
            return found
        return Symbol(name.value, name.span, "duplicate", repeat=self.env.repeat.name if self.env.repeat else None)

    def item(self, item: a.Item, section: a.Section | None) -> None:
        match item:
            case a.Section():
                self._section(item, section)
            case a.Question():
                self._question(item)
            case a.Computed():
                self._computed(item)
            case a.Note():
                self.check_text(item.text)
                self._condition(item.when, "this note is never shown")
            case a.Goto():
                self._goto(item, section)
            case a.If():
                self._if(item, section)
            case a.Group():
                symbol = self._lookup(item.id)
                check_identifier(self.bag, item.id, "a group id")
                self.check_text(item.title)
                self._condition(item.when, "this group is never shown")
                self._body(item.items, section, "group", item)
                self.declare(symbol)
            case a.Repeat():
                self._repeat(item, section)
            case _:
                assert_never(item)

    def _body(self, items: tuple[a.Item, ...], section: a.Section | None, what: str, owner: a.Item) -> None:
        if not items:
            self.bag.warning(owner.span, "empty-block", f"this {what} is empty")
        for child in items:
            self.item(child, section)

    def _section(self, section: a.Section, outer: a.Section | None) -> None:
        if outer is not None or self.env.repeat is not None:
            self.bag.error(section.id.span, "nested-section", "sections cannot be nested",
                           "a section is a page: put it at the top level of the template")
        check_identifier(self.bag, section.id, "a section id")
        if section.id.value == "end":
            self.bag.error(section.id.span, "reserved-id", "`end` cannot name a section", "`goto end` means the end")
        symbol = self._lookup(section.id)
        self.check_text(section.title)
        check_label(self.bag, section.title, f"the title of section `{shorten(section.id.value)}`")
        self._condition(section.when, "this section is never shown")
        self.sections.append(section.id.value)
        self._body(section.items, section, "section", section)
        self._items_after_goto(section)
        self.declare(symbol)

    def _question(self, q: a.Question) -> None:
        symbol = self._lookup(q.id)
        check_identifier(self.bag, q.id, "a question id")
        self.question_count += 1
        if self.question_count == MAX_QUESTIONS + 1:
            self.bag.error(q.span, "too-many-questions", f"a template holds at most {MAX_QUESTIONS:,} questions",
                           "split it into several templates")
        self.env.current = q.id.value
        self.check_text(q.label)
        check_label(self.bag, q.label, f"the label of `{shorten(q.id.value)}`")
        self.questions.check(q, symbol)
        self.env.current = None
        for modifier in q.modifiers:
            if isinstance(modifier, a.From):
                # a misspelt list counts its suggestion as used: one mistake, one diagnostic
                listed = modifier.list_id.value
                self.used_lists.add(listed if listed in self.lists else closest(listed, self.lists) or listed)
            elif isinstance(modifier, a.When):
                self._constant_warning(modifier.condition, "this question is never shown")
            elif isinstance(modifier, a.Required) and modifier.condition is not None:
                self._constant_warning(modifier.condition, "")
        self.declare(symbol)

    def _computed(self, computed: a.Computed) -> None:
        symbol = self._lookup(computed.id)
        check_identifier(self.bag, computed.id, "a computed value's id")
        self.env.current = computed.id.value
        self.check_text(computed.label)
        check_label(self.bag, computed.label, f"the label of `{shorten(computed.id.value)}`")
        ty = self.exprs.value(computed.expr)
        self.env.current = None
        if ty.kind not in _VALUE_KINDS:
            self.bag.error(computed.expr.span, "computed-type", "a computed value must be a number, text or yes/no",
                           f"this is a {ty.kind.value}")
        symbol.value_kind = ty.kind if ty.kind in _VALUE_KINDS else Kind.UNKNOWN
        self._condition(computed.when, "this computed value is never shown")
        self.declare(symbol)

    def _goto(self, goto: a.Goto, section: a.Section | None) -> None:
        self._condition(goto.condition, "this jump never happens")
        if section is None or self.env.repeat is not None:
            self.bag.error(goto.span, "goto-placement", "`goto` belongs in a section, outside repeats")
            return
        target = goto.target.value
        shown = shorten(target)
        if target == "end":
            return
        everywhere = self.env.everywhere.get(target)
        if target == section.id.value or target in self.sections:
            self.bag.error(goto.target.span, "goto-backward", "`goto` can only jump forward",
                           f"`{shown}` is {'this section' if target == section.id.value else 'an earlier section'}")
        elif everywhere is None or everywhere.what != "section":
            later = [n for n in self.section_order if n not in self.sections]
            self.bag.error(goto.target.span, "unknown-section", f"no section named `{shown}`",
                           did_you_mean(target, [*later, "end"]) or "jump to a later section or to `end`")
        elif self._next_section_after(section.id.value) == target:
            self.bag.warning(goto.span, "goto-next", f"`{shown}` is the next section, so this jump skips nothing")

    def _items_after_goto(self, section: a.Section) -> None:
        """Jumps happen when the client leaves the section, so items after one are still shown."""
        flat = list(_flatten(section.items))
        first_goto = next((i for i, item in enumerate(flat) if isinstance(item, a.Goto)), None)
        if first_goto is None:
            return
        shown_after = [item for item in flat[first_goto + 1 :] if not isinstance(item, a.Goto)]
        if shown_after:
            self.bag.warning(flat[first_goto].span, "goto-not-last", "the items below this `goto` are still shown",
                             "a jump happens when the client leaves the section",
                             "move the jump to the end of the section, or put the items in a later section")

    def _next_section_after(self, current: str) -> str | None:
        order = self.section_order
        index = order.index(current) if current in order else -1
        return order[index + 1] if 0 <= index < len(order) - 1 else None

    def _if(self, block: a.If, section: a.Section | None) -> None:
        for branch in block.branches:
            self._condition(branch.condition, "this branch is never used")
            self._body(branch.items, section, "block", branch)  # type: ignore[arg-type]
        if block.otherwise is not None:
            if not block.otherwise:
                self.bag.warning(_else_span(block), "empty-block", "this `else` block is empty")
            for child in block.otherwise:
                self.item(child, section)

    def _repeat(self, repeat: a.Repeat, section: a.Section | None) -> None:
        symbol = self._lookup(repeat.id)
        check_identifier(self.bag, repeat.id, "a repeat id")
        if self.env.repeat is not None:
            self.bag.error(repeat.id.span, "nested-repeat", "a repeat cannot contain another repeat",
                           "move it out, or make its fields part of this repeat")
            return
        self.check_text(repeat.title)
        check_label(self.bag, repeat.title, f"the title of repeat `{shorten(repeat.id.value)}`")
        self._repeat_bounds(repeat)
        self._condition(repeat.when, "this repeat is never shown")
        outer_fields = self.env.fields
        self.env.repeat, self.env.fields = symbol, {}
        self._body(repeat.items, section, "repeat", repeat)
        self.env.repeat, self.env.fields = None, outer_fields
        self.declare(symbol)

    def _repeat_bounds(self, repeat: a.Repeat) -> None:
        for bound in (repeat.min, repeat.max):
            if bound is not None and (not isinstance(bound.value, int) or bound.value > 10_000):
                self.bag.error(bound.span, "bad-bound", "a repeat's row limit must be a whole number up to 10,000")
        if repeat.max is not None and repeat.max.value == 0:
            self.bag.error(repeat.max.span, "bad-bound", "`max 0` allows no rows at all")
        if repeat.min is not None and repeat.max is not None and repeat.min.value > repeat.max.value:
            self.bag.error(repeat.max.span, "min-above-max",
                           f"`max` ({repeat.max.value}) is below `min` ({repeat.min.value})")

    # --- conditions and texts -----------------------------------------------------------

    def _condition(self, condition: a.Expr | None, never: str) -> None:
        if condition is None:
            return
        self.exprs.condition(condition)
        self._constant_warning(condition, never)

    def _constant_warning(self, condition: a.Expr, never: str) -> None:
        value = constant(condition)
        if not is_constant(value):
            return
        if value:
            self.bag.warning(condition.span, "constant-condition", "this condition is always true",
                             "it does not depend on any answer")
        else:
            self.bag.warning(condition.span, "constant-condition", "this condition is always false",
                             never or "it does not depend on any answer")

    def check_text(self, text: a.Text) -> None:
        for part in text.parts:
            if isinstance(part, a.Shortcode) and part.path != ("",):
                self._shortcode(part)

    def _shortcode(self, code: a.Shortcode) -> None:
        path = code.path
        if path in self.env.context:
            kind = CONTEXT_KINDS[self.env.context[path]]
        else:
            symbol = self._shortcode_symbol(code)
            if symbol is None:
                return
            kind = symbol.ty.kind
        if code.offset and kind not in (Kind.NUMBER, Kind.DATE):
            self.bag.error(code.span, "shortcode-offset", f"`<<{shorten('.'.join(path))}>>` is not a number or a date",
                           "`+ N` and `- N` work on numbers and dates")

    def _shortcode_symbol(self, code: a.Shortcode) -> Symbol | None:
        """The earlier question a shortcode shows, reporting why when there is none."""
        name = code.path[0] if len(code.path) == 1 else ""
        shown = shorten(".".join(code.path))
        earlier = self.env.fields.get(name) or self.env.declared.get(name)
        later = None if earlier else self.env.everywhere.get(name)
        if earlier is None and name and name == self.env.current:
            self.bag.error(code.span, "self-reference", f"`<<{shown}>>` cannot show its own answer",
                           "a shortcode shows the answer to an earlier question")
            return None
        found = earlier or later
        if found is None:
            candidates = [".".join(p) for p in self.env.context] + list(self.env.declared) + list(self.env.fields)
            self.bag.error(code.span, "shortcode-path", f"unknown shortcode `<<{shown}>>`",
                           did_you_mean(".".join(code.path), candidates))
            return None
        if found.what in ("group", "section", "repeat"):
            self.bag.error(code.span, "shortcode-path", f"`<<{shown}>>` names a {found.what}, not an answer",
                           "a shortcode shows the answer to one question")
            return None
        if later is None:
            return earlier
        if later.repeat and later.repeat != (self.env.repeat and self.env.repeat.name):
            repeat = shorten(later.repeat)
            total = shorten(f"{later.repeat}.{later.name}")
            note = (f"for a total, add a `computed` value `sum({total})` and show that" if later.ty.kind is Kind.NUMBER
                    else f"inside repeat `{repeat}`, `<<{shown}>>` shows each row's answer")
            self.bag.error(code.span, "field-outside-repeat", f"`{shown}` is a field of repeat `{repeat}`",
                           "outside the repeat there is no single value to show", note)
        else:
            self.bag.error(code.span, "declared-later", f"`{shown}` is declared later, on line {later.span.line}",
                           "a shortcode can only show answers to earlier questions")
        return None


def _else_span(block: a.If) -> Span:
    """Where the `else` of `block` stands: the AST keeps no span for it, but the grammar puts it on
    the line of the last branch's `}`, and the canonical form leaves one space between them."""
    end = block.branches[-1].span
    return Span(end.file, end.end_line, end.end_column + 1, end.end_line, end.end_column + 5)


def _flatten(items: tuple[a.Item, ...]) -> list[a.Item]:
    """Items in source order, looking into `if` blocks and groups (not repeats)."""
    out: list[a.Item] = []
    for item in items:
        if isinstance(item, a.If):
            for branch in item.branches:
                out.extend(_flatten(branch.items))
            out.extend(_flatten(item.otherwise or ()))
        elif isinstance(item, a.Group):
            out.append(item)
            out.extend(_flatten(item.items))
        else:
            out.append(item)
    return out
