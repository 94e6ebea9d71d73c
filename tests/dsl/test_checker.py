"""The semantic checker: one small test per rule (code, position, key words) and acceptance tests
for every construct of SPEC section 2."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from organizer.dsl.config import load_config
from organizer.dsl.diagnostics import Diagnostic, Severity
from organizer.dsl.frontend import check_file, check_source
from organizer.dsl.render import render_human

FILE = "t.organizer"


def wrap(body: str) -> str:
    """One template with one section around `body` (items indented by four spaces)."""
    return f'organizer t "T" {{\n  section s "S" {{\n{body}\n  }}\n}}\n'


def source_of(body: str) -> str:
    return body if body.startswith(("organizer", "options")) else wrap(body)


def check(text: str, config: object = None) -> tuple[Diagnostic, ...]:
    return check_source(text, FILE, config).diagnostics  # type: ignore[arg-type]


def shown(text: str, diagnostics: tuple[Diagnostic, ...]) -> str:
    return render_human(diagnostics, {FILE: text}) or "(no diagnostics)"


def position(text: str, where: str) -> tuple[int, int]:
    """Line and column (code points, from 1) of the first occurrence of `where` in `text`."""
    index = text.index(where)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


@dataclass(frozen=True)
class Rule:
    body: str
    code: str
    at: str | tuple[int, int]  # the source text the span starts at (first occurrence), or (line, column)
    words: tuple[str, ...]  # each must appear in the message, the label or a note
    severity: Severity = Severity.ERROR


R = Rule
RULES: dict[str, Rule] = {
    # --- syntax (parser) ---------------------------------------------------------------
    "syntax_unknown_statement": R('    txt name "Name"', "syntax", "txt", ("unexpected `txt`", "did you mean `text`")),
    "syntax_line_ends_too_early": R("    text name", "syntax", "\n  }", ("ends too early", "expected a string")),
    "syntax_assignment_in_condition": R('    yesno a "A"\n    text b "B" when a = true', "syntax", "= true",
                                        ("unexpected `=`", "use `==`")),
    "unclosed_string": R('    text name "Name', "unclosed-string", '"Name', ("unclosed string", 'closing `"`')),
    "unclosed_block": R('organizer t "T" {\n  section s "S" {\n    text a "A"\n', "unclosed-block",
                        (3, 15),  # the true end of the text, after the last token
                        ("end of file", "expected `}`", "line 2, column 17")),
    "lexer_bad_identifier_character": R('    text caf\u00e9 "Caf\u00e9"', "bad-identifier", "\u00e9 ",
                                        ("`\u00e9` cannot appear in a name", "a-z, 0-9 and _")),
    "too_deep_expression": R('    number a "A"\n    computed b "B" = ' + "-" * 65 + "a", "too-deep", "-",
                             ("nest too deep", "limit 64")),
    # --- strings and shortcodes --------------------------------------------------------
    "bad_escape": R('    text a "C:\\Users"', "bad-escape", "\\U", ("unknown escape", "\\U")),
    "lone_surrogate_escape": R('    text a "x \\ud800"', "bad-escape", "\\ud800", ("lone surrogate",)),
    "unclosed_shortcode": R('    text a "Hi <<client.name"', "unclosed-shortcode", "<<", ("never closed", "\\<<")),
    "bad_shortcode": R('    text a "Hi <<Client>>"', "bad-shortcode", "<<", ("`<<Client>>` is not a shortcode",)),
    "bidi_control_in_string": R('    text a "x \u202e y"', "bidi-control", "\u202e", ("U+202E", "bidirectional"),
                                Severity.WARNING),
    "bidi_control_in_comment": R('    text a "x"  # \u2066 hidden', "bidi-control", "\u2066", ("U+2066",),
                                 Severity.WARNING),
    "unknown_shortcode": R('    text a "Hi <<client.nmae>>"', "shortcode-path", "<<",
                           ("unknown shortcode", "client.nmae", "did you mean `client.name`")),
    "shortcode_names_a_group": R('    group g "G" {\n      text a "A"\n    }\n    note "<<g>>"', "shortcode-path",
                                 "<<g", ("names a group",)),
    "shortcode_declared_later": R('    note "Hi <<nick>>"\n    text nick "Nickname"', "declared-later", "<<nick",
                                  ("`nick` is declared later", "line 4")),
    "shortcode_offset_on_text": R('    text a "A"\n    note "<<a + 1>>"', "shortcode-offset", "<<a +",
                                  ("not a number or a date",)),
    "shortcode_own_answer_in_label": R('    number a "A <<a>>"', "self-reference", "<<a",
                                       ("`<<a>>` cannot show its own answer", "earlier question")),
    "shortcode_own_answer_in_help": R('    number a "A" help "<<a>>"', "self-reference", "<<a",
                                      ("cannot show its own answer",)),
    "shortcode_own_answer_in_option_label": R('    choice c "C" {\n      option x "X <<c>>"\n    }', "self-reference",
                                              "<<c", ("`<<c>>` cannot show its own answer",)),
    "shortcode_own_answer_in_computed_label": R('    computed c "C <<c>>" = 1', "self-reference", "<<c",
                                                ("cannot show its own answer",)),
    "shortcode_field_after_its_repeat": R('    repeat r "R" {\n      number f "F"\n    }\n    note "<<f>>"',
                                          "field-outside-repeat", "<<f",
                                          ("`f` is a field of repeat `r`", "no single value", "sum(r.f)")),
    "shortcode_text_field_after_its_repeat": R('    repeat r "R" {\n      text f "F"\n    }\n    note "<<f>>"',
                                               "field-outside-repeat", "<<f",
                                               ("field of repeat `r`", "inside repeat `r`")),
    "shortcode_field_before_its_repeat": R('    note "<<f>>"\n    repeat r "R" {\n      number f "F"\n    }',
                                           "field-outside-repeat", "<<f", ("`f` is a field of repeat `r`",)),
    "shortcode_names_its_own_section": R('    note "<<s>>"', "shortcode-path", "<<s",
                                         ("`<<s>>` names a section", "not an answer")),
    "shortcode_names_its_own_repeat": R('    repeat r "R" {\n      text a "A <<r>>"\n    }', "shortcode-path", "<<r",
                                        ("`<<r>>` names a repeat", "not an answer")),
    "shortcode_names_its_own_group": R('    group g "G <<g>>" {\n      text a "A"\n    }', "shortcode-path", "<<g",
                                       ("`<<g>>` names a group",)),
    "shortcode_names_a_later_section": R('    note "<<u>>"\n  }\n  section u "U" {\n    text a "A"', "shortcode-path",
                                         "<<u", ("`<<u>>` names a section",)),
    # --- identifiers -------------------------------------------------------------------
    "uppercase_id": R('    text FirstName "First"', "bad-identifier", "FirstName",
                      ("`FirstName` cannot be a question id", "try `first_name`")),
    "too_long_id": R('    text ' + "a" * 65 + ' "A"', "identifier-too-long", "a" * 65, ("65 characters", "at most 64")),
    "reserved_id": R('    text today "Today"', "reserved-id", "today \"", ("`today` is a reserved word",)),
    "reserved_year_suggests_tax_year": R('    integer year "Year"', "reserved-id", "year \"", ("`tax_year`",)),
    "section_called_end": R('    text a "A"\n  }\n  section end "End" {\n    text b "B"', "reserved-id", "end \"",
                            ("`end` cannot name a section", "goto end")),
    "uppercase_option_id": R('    choice c "C" {\n      option Yes "Yes"\n    }', "bad-identifier", "Yes \"",
                             ("cannot be an option id",)),
    "duplicate_id": R('    text a "A"\n    yesno a "Again"', "duplicate-id", "a \"Again",
                      ("`a` is declared twice", "first declared on line 3")),
    "duplicate_id_section_and_question": R('    text s "Name"', "duplicate-id", "s \"Name", ("`s` is declared twice",)),
    "duplicate_option": R('    choice c "C" {\n      option x "X"\n      option x "Y"\n    }', "duplicate-option",
                          "x \"Y", ("option `x` is listed twice", "line 4")),
    "duplicate_option_list": R('options l {\n  option a "A"\n}\noptions l {\n  option b "B"\n}\n'
                               'organizer t "T" {\n  section s "S" {\n    choice c "C" from l\n  }\n}\n',
                               "duplicate-id", "l {\n  option b", ("option list `l` is declared twice",)),
    # --- template structure ------------------------------------------------------------
    "no_template": R('options l {\n  option a "A"\n}\n', "no-template", "options", ("no `organizer` block",)),
    "one_template_per_file": R('organizer t "T" {\n  section s "S" {\n    text a "A"\n  }\n}\n'
                               'organizer u "U" {\n  section s "S" {\n    text a "A"\n  }\n}\n',
                               "one-template-per-file", "u \"U", ("one template",)),
    "question_outside_section": R('organizer t "T" {\n  text a "A"\n}\n', "outside-section", "text a",
                                  ("belongs in a `section`",)),
    "nested_section": R('    section inner "Inner" {\n      text a "A"\n    }', "nested-section", "inner",
                        ("sections cannot be nested",)),
    "nested_repeat": R('    repeat r "R" {\n      repeat q "Q" {\n        text a "A"\n      }\n    }', "nested-repeat",
                       "q \"Q", ("cannot contain another repeat",)),
    "empty_group": R('    group g "G" {\n    }', "empty-block", "group", ("this group is empty",), Severity.WARNING),
    "empty_if_block": R('    yesno a "A"\n    if a {\n    }', "empty-block", "if", ("this block is empty",),
                        Severity.WARNING),
    "empty_else_if_block": R('    yesno a "A"\n    if a {\n      text b "B"\n    } else if not a {\n    }',
                             "empty-block", "else if", ("this block is empty",), Severity.WARNING),
    "empty_else_block": R('    yesno a "A"\n    if a {\n      text b "B"\n    } else {\n    }',
                          "empty-block", "else {", ("this `else` block is empty",), Severity.WARNING),
    "empty_else_after_else_if": R('    yesno a "A"\n    if a {\n      text b "B"\n    } else if not a {\n'
                                  '      text c "C"\n    } else {\n    }',
                                  "empty-block", "else {", ("this `else` block is empty",), Severity.WARNING),
    "empty_label": R('    text a ""', "empty-label", '""', ("the label of `a` is empty",)),
    "empty_option_label": R('    choice c "C" {\n      option x ""\n    }', "empty-label", '""',
                            ("the label of option `x` is empty",)),
    "empty_computed_label": R('    computed c "" = 1', "empty-label", '""', ("the label of `c` is empty",)),
    "empty_section_title": R('organizer t "T" {\n  section s "" {\n    text a "A"\n  }\n}\n', "empty-label", '""',
                             ("the title of section `s` is empty",)),
    "unsupported_language": R('organizer t "T" {\n  language fr\n  section s "S" {\n    text a "A"\n  }\n}\n',
                              "language", "fr", ("unsupported language `fr`", "en, nl")),
    "reminders_out_of_range": R('organizer t "T" {\n  reminders after 3 days limit 500\n  section s "S" {\n'
                                '    text a "A"\n  }\n}\n', "bad-reminders", "500", ("0 to 365",)),
    "unused_option_list": R('options l {\n  option a "A"\n}\norganizer t "T" {\n  section s "S" {\n    text a "A"\n'
                            '  }\n}\n', "unused-list", "l {", ("`l` is never used",), Severity.WARNING),
    "misspelt_list_is_not_also_unused": R('options states {\n  option ny "NY"\n}\norganizer t "T" {\n'
                                          '  section s "S" {\n    choice c "C" from state\n  }\n}\n',
                                          "unknown-list", "state\n", ("no option list named `state`",
                                                                      "did you mean `states`")),
    # --- goto --------------------------------------------------------------------------
    "goto_backward": R('    yesno a "A"\n  }\n  section u "U" {\n    goto s when a', "goto-backward", "s when",
                       ("only jump forward", "an earlier section")),
    "goto_own_section": R('    yesno a "A"\n    goto s when a', "goto-backward", "s when", ("this section",)),
    "goto_unknown_section": R('    yesno a "A"\n    goto endd when a', "unknown-section", "endd",
                              ("no section named `endd`", "did you mean `end`")),
    "goto_in_repeat": R('    yesno a "A"\n    repeat r "R" {\n      text b "B"\n      goto end when a\n    }',
                        "goto-placement", "goto", ("belongs in a section",)),
    "goto_next_section": R('    yesno a "A"\n    goto u when a\n  }\n  section u "U" {\n    text b "B"',
                           "goto-next", "goto", ("next section", "skips nothing"), Severity.WARNING),
    # --- modifiers ---------------------------------------------------------------------
    "modifier_wrong_type": R('    text a "A" accept "pdf"', "modifier-not-allowed", "accept",
                             ("`accept` does not apply to a text question", "a text question takes")),
    "modifier_wrong_type_in_braces": R('    yesno a "A" {\n      min 1\n    }', "modifier-not-allowed", "min 1",
                                       ("`min` does not apply to a yesno question",)),
    "modifier_wrong_type_an_integer": R('    integer n "N" accept "pdf"', "modifier-not-allowed", "accept",
                                        ("`accept` does not apply to an integer question", "an integer question takes")),
    "modifier_wrong_type_an_email": R('    email e "E" min 1', "modifier-not-allowed", "min",
                                      ("does not apply to an email question",)),
    "bound_of_an_integer_is_a_string": R('    integer n "N" min "x"', "bad-bound", '"x"',
                                         ("`min` of an integer question must be a number",)),
    "option_on_text": R('    text a "A" {\n      option x "X"\n    }', "modifier-not-allowed", "option",
                        ("`option` does not apply",)),
    "default_on_multichoice": R('    multichoice m "M" default "x" {\n      option x "X"\n    }',
                                "modifier-not-allowed", "default", ("cannot have a `default`",)),
    "prefill_on_file": R('    file f "F" prefill client.name', "modifier-not-allowed", "prefill",
                         ("cannot be prefilled",)),
    "duplicate_modifier": R('    text a "A" {\n      help "x"\n      help "y"\n    }', "duplicate-modifier",
                            'help "y"', ("`help` is given twice", "first given on line 4")),
    "min_above_max": R('    integer n "N" min 5 max 3', "min-above-max", "max 3", ("`max` (3) is below `min` (5)",)),
    "date_min_above_max": R('    date d "D" min "2021-01-01" max "2020-01-01"', "min-above-max", "max \"",
                            ("is below `min`",)),
    "repeat_min_above_max": R('    repeat r "R" min 3 max 2 {\n      text a "A"\n    }', "min-above-max", "2 {",
                              ("`max` (2) is below `min` (3)",)),
    "repeat_max_zero": R('    repeat r "R" max 0 {\n      text a "A"\n    }', "bad-bound", "0 {",
                         ("`max 0`", "no rows")),
    "repeat_fractional_bound": R('    repeat r "R" min 1.5 {\n      text a "A"\n    }', "bad-bound", "1.5",
                                 ("whole number",)),
    "min_above_options": R('    multichoice m "M" min 3 {\n      option x "X"\n      option y "Y"\n    }',
                           "min-above-options", "min 3", ("more selections than there are options",)),
    "text_bound_is_a_string": R('    text a "A" min "x"', "bad-bound", '"x"', ("must be a number",)),
    "date_bound_is_a_number": R('    date d "D" min 5', "bad-bound", "5", ("must be a date", "YYYY-MM-DD")),
    "integer_fractional_bound": R('    integer n "N" min 1.5', "bad-bound", "1.5", ("whole number",)),
    "negative_length": R('    text a "A" min -1', "bad-bound", "-1", ("cannot be -1",)),
    "file_max_zero": R('    file f "F" max 0', "bad-bound", "0", ("cannot be 0",)),
    "bound_too_large": R('    number n "N" max 99999999999999999', "bound-too-large", "9999",
                         ("beyond", "9,007,199,254,740,991")),
    "bad_size_unit": R('    file f "F" max_size 20Mb', "bad-size", "20Mb",
                       ("unknown size unit `Mb`", "did you mean `MB`")),
    "size_out_of_range": R('    file f "F" max_size 11GB', "bad-size", "11GB", ("between 1KB and 10GB",)),
    "accept_with_dot": R('    file f "F" accept ".pdf"', "bad-accept", '".pdf"', ("without the dot",)),
    "accept_not_an_extension": R('    file f "F" accept "PDF files"', "bad-accept", '"PDF', ("not a file extension",)),
    "accept_twice": R('    file f "F" accept "pdf", "pdf"', "bad-accept", '"pdf"\n', ("listed twice",)),
    "currency_code": R('    money m "M" currency "usd"', "currency", '"usd"', ("not a currency code", "ISO 4217")),
    "bad_pattern": R('    text a "A" pattern "(?<=a)b"', "bad-pattern", '"(?<=', ("lookbehind",)),
    "catastrophic_pattern": R('    text a "A" pattern "(a+)+$"', "bad-pattern", '"(a+', ("exponential",)),
    "default_yesno_string": R('    yesno y "Y" default "yes"', "bad-default", '"yes"', ("must be yes or no",)),
    "default_integer_fraction": R('    integer n "N" default 1.5', "bad-default", "1.5", ("whole number",)),
    "default_date_invalid": R('    date d "D" default "2020-02-30"', "bad-default", '"2020', ("YYYY-MM-DD",)),
    "default_date_number": R('    date d "D" default 5', "bad-default", "5",
                             ('the default of a date question must be a date in quotes, "YYYY-MM-DD"',)),
    "default_integer_string": R('    integer n "N" default "3"', "bad-default", '"3"',
                                ("the default of an integer question must be a number",)),
    "default_below_min": R('    number n "N" min 5 max 10 default 3', "default-out-of-range", "3\n",
                           ("the default (3) is below `min` (5)", "valid answer")),
    "default_above_max": R('    money m "M" max 10 default 30.5', "default-out-of-range", "30.5",
                           ("the default (30.5) is above `max` (10)",)),
    "default_date_before_min": R('    date d "D" min "2020-01-01" default "2019-12-31"', "default-out-of-range",
                                 '"2019', ('the default ("2019-12-31") is before `min` ("2020-01-01")',)),
    "default_date_after_max": R('    date d "D" max "2020-01-01" default "2020-01-02"', "default-out-of-range",
                                '"2020-01-02', ("is after `max`",)),
    "default_shorter_than_min": R('    text t "T" min 3 default "ab"', "default-out-of-range", '"ab"',
                                  ("the default has 2 characters, fewer than `min` (3)",)),
    "default_longer_than_max": R('    textarea t "T" max 3 default "abcd"', "default-out-of-range", '"abcd"',
                                 ("the default has 4 characters, more than `max` (3)",)),
    "default_not_matching_pattern": R('    text t "T" pattern "[0-9]{5}" default "1234"', "default-pattern", '"1234"',
                                      ('the default "1234" does not match the `pattern`', '"[0-9]{5}"')),
    "default_not_an_option": R('    choice c "C" default "y" {\n      option x "X"\n    }', "unknown-option", '"y"',
                               ('"y" is not an option of choice \'c\'',)),
    "prefill_unknown_context": R('    text a "A" prefill client.firstname', "bad-prefill", "prefill",
                                 ("cannot prefill from `client.firstname`", "did you mean `client.first_name`")),
    "prefill_previous_unknown": R('    text a "A" prefill previous.zz', "bad-prefill", "prefill",
                                  ("`previous.zz` names no question", "previous.ID")),
    "prefill_number_from_text": R('    number n "N" prefill client.name', "prefill-type", "prefill",
                                  ("cannot prefill a number question from `client.name`", "`client.name` is text")),
    "prefill_yesno_from_text": R('    yesno y "Y" prefill firm.email', "prefill-type", "prefill",
                                 ("cannot prefill a yesno question from `firm.email`",)),
    "prefill_text_from_a_date": R('    text a "A" prefill today', "prefill-type", "prefill",
                                  ("cannot prefill a text question from `today`", "`today` is a date")),
    "prefill_multichoice_from_text": R('    multichoice m "M" prefill client.name {\n      option x "X"\n    }',
                                       "prefill-type", "prefill", ("cannot prefill a multichoice question",)),
    "prefill_previous_of_another_type": R('    text a "A"\n    number n "N" prefill previous.a', "prefill-type",
                                          "prefill", ("cannot prefill a number question from `previous.a`",
                                                      "`a` is a text question", "same type")),
    # --- options -----------------------------------------------------------------------
    "choice_without_options": R('    choice c "C" required', "no-options", "c \"C", ("choice `c` has no options",)),
    "multichoice_without_options": R('    multichoice m "M" {\n    }', "no-options", "m \"M", ("has no options",)),
    "unknown_option_list": R('    choice c "C" from colours', "unknown-list", "colours",
                             ("no option list named `colours`",)),
    "options_and_from": R('options l {\n  option a "A"\n}\norganizer t "T" {\n  section s "S" {\n'
                          '    choice c "C" from l {\n      option b "B"\n    }\n  }\n}\n',
                          "options-and-from", "from l",
                          ("either `option` lines or `from`",)),
    # --- references --------------------------------------------------------------------
    "unknown_id": R('    yesno married "M"\n    text b "B" when maried', "unknown-id", "maried",
                    ("unknown question `maried`", "did you mean `married`")),
    "unknown_dotted_name": R('    text a "A"\n    computed c "C" = a.b', "unknown-id", "a.b", ("unknown name `a.b`",)),
    "forward_reference": R('    text b "B" when a\n    yesno a "A"', "declared-later", "a\n",
                           ("`a` is declared later, on line 4", "declared before")),
    "forward_reference_inside_repeat": R('    repeat r "R" {\n      text x "X" when y == "a"\n      text y "Y"\n    }',
                                         "declared-later", "y ==", ("`y` is declared later, on line 5",)),
    "section_condition_on_its_own_question": R('    text a "A"\n  }\n  section u "U" when b {\n    yesno b "B"',
                                               "declared-later", "b {", ("`b` is declared later",)),
    "self_reference": R('    computed c "C" = c + 1', "self-reference", "c + 1", ("`c` cannot depend on its own",)),
    "field_outside_repeat": R('    repeat r "R" {\n      number f "F"\n    }\n    text b "B" when f > 1',
                              "field-outside-repeat", "f > 1",
                              ("`f` is a field of repeat `r`", "sum(r.f)", "count(r)")),
    "repeat_field_reference": R('    repeat r "R" {\n      number f "F"\n    }\n    text b "B" when r.f > 1',
                                "repeat-field-ref", "r.f >", ("names a field of every row", "sum(r.f)")),
    "group_as_value": R('    group g "G" {\n      text a "A"\n    }\n    text b "B" when g', "not-a-value", "g\n",
                        ("`g` is a group, not a question",)),
    "bare_context_root": R('    text b "B" when client == "x"', "context-path", "client", ("`client` needs a field",)),
    "unknown_context_field": R('    text b "B" when client.nam == "x"', "context-path", "client.nam",
                               ("unknown context field `client.nam`", "did you mean `client.name`")),
    "previous_in_condition": R('    text b "B" when previous.a == "x"', "previous-in-condition", "previous",
                               ("only be used in `prefill`",)),
    # --- functions ----------------------------------------------------------------------
    "unknown_function": R('    number n "N"\n    text b "B" when answerd(n)', "unknown-function", "answerd",
                          ("unknown function `answerd`", "did you mean `answered`", "answered(q), count(q)")),
    "arity": R('    yesno a "A"\n    text b "B" when answered(a, a)', "arity", "answered(a, a)",
               ("takes one argument, not 2",)),
    "call_argument": R('    text b "B" when answered(1)', "call-argument", "1)", ("takes a question id",)),
    "count_of_a_number": R('    number n "N"\n    computed c "C" = count(n)', "count-argument", "n)",
                           ("`count` takes a repeat, a multichoice or a file question", "number question")),
    "sum_of_a_question": R('    number n "N"\n    computed c "C" = sum(n)', "sum-argument", "n)",
                           ("`sum` takes a repeat's field",)),
    "sum_of_a_non_repeat": R('    number n "N"\n    computed c "C" = sum(n.x)', "sum-argument", "n.x",
                             ("`n` is not a repeat",)),
    "sum_of_a_text_field": R('    repeat r "R" {\n      text f "F"\n    }\n    computed c "C" = sum(r.f)',
                             "sum-argument", "r.f", ("`f` is a text question, not a number",)),
    "sum_of_an_unknown_field": R('    repeat r "R" {\n      number amount "A"\n    }\n'
                                 '    computed c "C" = sum(r.amout)',
                                 "unknown-id", "r.amout", ("has no field `amout`", "did you mean `amount`")),
    # --- types --------------------------------------------------------------------------
    "bare_choice_in_condition": R('    choice fs "F" {\n      option single "S"\n    }\n    text b "B" when fs',
                                  "bare-reference", "fs\n", ("`fs` is a choice question, not a yes/no question",
                                                             'fs == "single"')),
    "bare_text_in_condition": R('    text a "A"\n    text b "B" required if a', "bare-reference", "a\n",
                                ("text question", "answered(a)")),
    "bare_number_under_not": R('    number n "N"\n    text b "B" when not n', "bare-reference", "n\n", ("n > 0",)),
    "bare_repeat_in_condition": R('    repeat r "R" {\n      text a "A"\n    }\n    text b "B" when r',
                                  "bare-reference", "r\n", ("count(r) > 0",)),
    "condition_not_boolean": R('    number n "N"\n    text b "B" when n + 1', "not-boolean", "n + 1",
                               ("must be yes or no", "a number")),
    "unknown_option": R('    choice fs "F" {\n      option single "S"\n    }\n    text b "B" when fs == "singel"',
                        "unknown-option", '"singel"', ('"singel" is not an option of choice \'fs\'',
                                                       'did you mean "single"')),
    "unknown_option_in_list": R('    choice c "C" {\n      option x "X"\n    }\n    text b "B" when c in ["x", "zz"]',
                                "unknown-option", '"zz"', ('"zz" is not an option',)),
    "unknown_option_after_has": R('    multichoice m "M" {\n      option wages "W"\n    }\n'
                                  '    text b "B" when m has "wage"',
                                  "unknown-option", '"wage"', ("multichoice 'm'", 'did you mean "wages"')),
    "number_in_choice_list": R('    choice c "C" {\n      option x "X"\n    }\n    text b "B" when c in [1]',
                               "type-mismatch", "1]", ("options are text", "in quotes")),
    "has_on_choice": R('    choice c "C" {\n      option x "X"\n    }\n    text b "B" when c has "x"',
                       "has-needs-multichoice", "c has", ("`has` works only on a multichoice", "use `==` or `in`")),
    "has_without_a_string": R('    multichoice m "M" {\n      option x "X"\n    }\n    text b "B" when m has 1',
                              "has-needs-option", "1\n", ("one option id in quotes",)),
    "text_ordering": R('    text a "A"\n    text b "B" when a > "m"', "text-ordering", "a >",
                       ("`>` cannot order text", "`==`, `!=` or `in`")),
    "number_vs_string": R('    number n "N"\n    text b "B" when n == "5"', "type-mismatch", "n ==",
                          ("cannot compare a number question with text",)),
    "text_vs_number": R('    text a "A"\n    text b "B" when a == 1', "type-mismatch", "a ==",
                        ("cannot compare a text question with a number",)),
    "date_vs_bad_date": R('    date d "D"\n    text b "B" when d > "2020-13-01"', "type-mismatch", '"2020',
                          ("only be compared with a date", "YYYY-MM-DD")),
    "date_vs_number": R('    date d "D"\n    text b "B" when d > 5', "type-mismatch", "5\n",
                        ("only be compared with a date",)),
    "arithmetic_on_text": R('    text a "A"\n    computed c "C" = a * 2', "type-mismatch", "a *",
                            ("`*` needs numbers",)),
    "negating_text": R('    text a "A"\n    computed c "C" = -a', "type-mismatch", "a\n", ("`-` needs a number",)),
    "in_without_list": R('    text a "A"\n    text b "B" when a in "abc"', "in-needs-list", '"abc"',
                         ("`in` needs a list",)),
    "list_of_references": R('    number n "N"\n    text b "B" when 1 in [n]', "list-literal", "n]",
                            ("list items must be literal values",)),
    "mixed_list": R('    text a "A"\n    text b "B" when a in ["x", 1]', "mixed-list", '["x"', ("mixes",)),
    "multichoice_compared_with_equals": R('    multichoice m "M" {\n      option x "X"\n    }\n'
                                          '    text b "B" when m == "x"', "multichoice-compare", "m ==",
                                          ("several answers", "`has`")),
    "multichoice_equals_hint_uses_its_names": R('    multichoice kids "K" {\n      option a "A"\n      option b "B"\n'
                                                '    }\n    text t "T" when kids == "b"', "multichoice-compare",
                                                "kids ==", ('e.g. `kids has "b"`',)),
    "multichoice_equals_hint_corrects_a_typo": R('    multichoice m "M" {\n      option wages "W"\n      option x "X"\n'
                                                 '    }\n    text t "T" when m == "wagse"', "multichoice-compare",
                                                 "m ==", ('e.g. `m has "wages"`',)),
    "multichoice_in_list_hint_uses_its_names": R('    multichoice m "M" {\n      option a "A"\n      option b "B"\n'
                                                 '    }\n    text t "T" when m in ["q", "b"]', "multichoice-compare",
                                                 "m in", ('e.g. `m has "b"`',)),
    "yesno_ordering": R('    yesno married "M"\n    text b "B" when married > false', "boolean-ordering", "married >",
                        ("yes/no values cannot be ordered", "`married` or `not married`")),
    "text_in_a_list_of_numbers": R('    text a "A"\n    text b "B" when a in [1, 2]', "type-mismatch", "a in",
                                   ("cannot look for text in a list of numbers", "`a` is a text question")),
    "number_in_a_list_of_text": R('    number n "N"\n    text b "B" when n in ["x"]', "type-mismatch", "n in",
                                  ("cannot look for a number in a list of text",)),
    "comparing_two_lists": R('    text b "B" when [1] == [1]', "type-mismatch", "[1] ==", ("cannot compare two lists", "`in`")),
    "comparing_a_list_with_a_question": R('    number n "N"\n    text b "B" when [1] == n', "type-mismatch", "[1] ==",
                                          ("cannot compare a list with a number question", "`n in [")),
    "in_empty_list": R('    number n "N"\n    text b "B" when n in []', "constant-condition", "n in",
                       ("always false", "empty list"), Severity.WARNING),
    "choice_in_empty_list": R('    choice c "C" {\n      option x "X"\n    }\n    text b "B" when c in []',
                              "constant-condition", "c in", ("always false",), Severity.WARNING),
    "computed_list": R('    computed c "C" = ["a"]', "computed-type", "[", ("must be a number, text or yes/no",)),
    "constant_condition": R('    text b "B" when 1 == 2', "constant-condition", "1 == 2",
                            ("always false", "never shown"), Severity.WARNING),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule(name: str) -> None:
    rule = RULES[name]
    text = source_of(rule.body)
    found = check(text)
    assert [(d.code, d.severity) for d in found] == [(rule.code, rule.severity)], shown(text, found)
    diagnostic = found[0]
    expected = rule.at if isinstance(rule.at, tuple) else position(text, rule.at)
    assert (diagnostic.span.line, diagnostic.span.column) == expected, shown(text, found)
    words = " ".join((diagnostic.message, diagnostic.label, *diagnostic.notes))
    for word in rule.words:
        assert word in words, shown(text, found)


def test_string_of_100001_characters_is_too_long() -> None:
    text = wrap('    text a "' + "x" * 100_001 + '"')
    found = check(text)
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("string-too-long", 3, 12)]
    assert "100,001" in found[0].message and "100,000" in found[0].message


def test_invalid_utf8_points_at_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.organizer"
    path.write_bytes(wrap('    text a "Caf\xe9"').encode("latin-1"))
    result = check_file(path, display="latin1.organizer")
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("encoding", 3, 16)]
    assert "0xe9" in result.diagnostics[0].message and "UTF-8" in result.diagnostics[0].message


def test_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    result = check_file(tmp_path / "missing.organizer")
    assert [d.code for d in result.diagnostics] == ["io"]
    assert result.module is None and not result.ok


def test_every_error_in_a_file_is_reported() -> None:
    text = wrap('    yesno married "M"\n    text a "A" when maried\n    integer n "N" min 5 max 1\n'
                '    text b "B" when zz\n    choice c "C"')
    codes = [(d.code, d.span.line) for d in check(text)]
    assert codes == [("unknown-id", 4), ("min-above-max", 5), ("unknown-id", 6), ("no-options", 7)]


def test_diagnostics_are_sorted_by_position() -> None:
    text = wrap('    text b "B" when zz\n    text a "A" when yy\n    text c "<<xx>>"')
    found = check(text)
    assert [d.span.start for d in found] == sorted(d.span.start for d in found) and len(found) == 3


# --- acceptance: what the language allows is accepted without any diagnostic -------------

def assert_clean(body: str, config: object = None) -> None:
    text = source_of(body)
    found = check(text, config)
    assert found == (), shown(text, found)
    result = check_source(text, FILE, config)  # type: ignore[arg-type]
    assert result.ok and result.template is not None


# Every modifier SPEC 2.3 lists for the type, plus the common ones (`when`, `required if`,
# `help`, `default`, `prefill`, `message`) where they apply. `a` is a yesno declared before.
ALL_MODIFIERS: dict[str, tuple[str, ...]] = {
    "text": ("min 1", "max 80", 'pattern "[A-Za-z ]+"', 'message "Letters only"', 'placeholder "Jane"',
             'default "x"', "prefill client.first_name"),
    "textarea": ("min 0", "max 2000", 'default "x"', 'message "Too long"'),
    "number": ("min -5", "max 10.5", "default 1", 'message "Out of range"'),
    "integer": ("min 0", "max 12", "default 3", "prefill previous.q"),
    "money": ("min 0", "max 1000000", 'currency "USD"', "default 0"),
    "date": ('min "2000-01-01"', "max today", 'default "2020-06-30"'),
    "email": ("prefill client.email", 'default "a@example.com"'),
    "phone": ("prefill firm.phone", 'default "+1 555 0100"'),
    "yesno": ("default yes", "prefill previous.q"),
    "choice": ("as radio", 'default "x"'),
    "multichoice": ("min 1", "max 2"),
    "file": ('accept "pdf", "jpg", "png"', "max 10", "max_size 20MB"),
}
COMMON = ("required if a", "when a", 'help "Some help for <<year>>"')
OPTIONS = ('option x "X"', 'option y "Y"')


@pytest.mark.parametrize("qtype", sorted(ALL_MODIFIERS))
def test_every_type_accepts_its_modifiers_on_one_line(qtype: str) -> None:
    modifiers = " ".join((*COMMON, *ALL_MODIFIERS[qtype]))
    options = "\n".join(f"      {o}" for o in OPTIONS)
    block = f" {{\n{options}\n    }}" if qtype in ("choice", "multichoice") else ""
    assert_clean(f'    yesno a "A"\n    {qtype} q "Question" {modifiers}{block}')


@pytest.mark.parametrize("qtype", sorted(ALL_MODIFIERS))
def test_every_type_accepts_its_modifiers_in_braces(qtype: str) -> None:
    lines = ["required", "when a", 'help "Help"', *ALL_MODIFIERS[qtype]]
    if qtype in ("choice", "multichoice"):
        lines += list(OPTIONS)
    body = "\n".join(f"      {line}" for line in lines)
    assert_clean(f'    yesno a "A"\n    {qtype} q "Question" {{\n{body}\n    }}')


def test_modifiers_split_between_line_and_braces() -> None:
    assert_clean('    yesno a "A"\n    choice q "Q" required when a {\n      as dropdown\n      help "h"\n'
                 '      option x "X"\n    }')


def test_type_name_as_id() -> None:
    assert_clean('    email email "Email" required prefill client.email\n    date date "Date"\n'
                 '    text text "Text" when email == "a@b.c"')


def test_required_when_means_shown_when() -> None:
    assert_clean('    yesno a "A"\n    text b "B" required when a')


def test_if_else_if_else() -> None:
    assert_clean('    choice fs "F" {\n      option single "S"\n      option mfj "M"\n    }\n    number n "N"\n'
                 '    if fs == "single" {\n      text a "A"\n    } else if n > 3 and fs in ["mfj"] {\n'
                 '      text b "B"\n    } else {\n      text c "C"\n    }\n    note "<<a>> <<b>> <<c>>"')


def test_goto_end_and_forward_goto() -> None:
    assert_clean('    yesno done "Done?"\n    goto end when done\n    goto last when not done\n  }\n'
                 '  section middle "Middle" {\n    text m "M"\n  }\n  section last "Last" {\n    text z "Z"')


def test_repeat_with_sum_and_count() -> None:
    assert_clean('    yesno has_deps "Dependents?"\n    repeat deps "Dependents" min 1 max 12 when has_deps {\n'
                 '      text name "Name" required\n      integer months "Months" min 0 max 12\n'
                 '      text school "School" when months > 6\n      note "About <<name>>"\n    }\n'
                 '    computed total_months "Total months" = sum(deps.months)\n'
                 '    computed rows "Rows" = count(deps)\n    note "Average" when count(deps) > 0 and total_months > 1')


def test_count_of_multichoice_and_files_and_answered() -> None:
    assert_clean('    multichoice kinds "K" {\n      option w "W"\n      option i "I"\n    }\n'
                 '    file docs "Docs" accept "pdf"\n    text t "T"\n'
                 '    note "Many" when count(kinds) > 1 or count(docs) >= 2 or answered(t)')


def test_options_from_a_shared_list() -> None:
    assert_clean('options states {\n  option ny "New York"\n  option nj "New Jersey"\n}\n\n'
                 'organizer t "T" {\n  section s "S" {\n    choice home "Home" from states as dropdown\n'
                 '    multichoice worked "Worked in" from states min 1\n'
                 '    note "NY rules" when home == "ny" or worked has "nj"\n  }\n}\n')


def test_shortcodes_with_offsets_and_fallbacks() -> None:
    assert_clean('    number n "N"\n    date d "D"\n'
                 '    text a "In <<year>>, <<year - 1>> and <<year + 1>> for <<client.first_name | you>>"\n'
                 '    note "Then <<n + 2>> and <<d - 7>>, on <<today>>, \\<<not a shortcode>>"\n'
                 '    text b "B" help "<<firm.name | your accountant>> at <<firm.email>>"')


def test_shortcodes_in_every_text_slot() -> None:
    assert_clean('organizer t "<<year>> organizer" {\n  description """\n    For <<client.name>>.\n  """\n'
                 '  section s "Section <<year>>" {\n    yesno a "A <<year>>" help "h <<year>>" message "m <<year>>"\n'
                 '    choice c "C" {\n      option x "X <<year>>"\n    }\n    note "N <<a>>"\n  }\n}\n')


def test_conditions_on_context_and_dates() -> None:
    assert_clean('    date d "D" min "2000-01-01"\n    text b "B" when d > "2020-01-01" and d <= today\n'
                 '    text c "C" when year >= 2024 and client.company != ""')


def test_conditions_wrap_inside_parentheses_and_lists() -> None:
    assert_clean('    yesno a "A"\n    yesno b "B"\n    text c "C" when (a and\n        b)\n'
                 '    choice k "K" {\n      option x "X"\n    }\n    text d "D" when k in [\n      "x",\n    ]')


def test_computed_values_and_arithmetic() -> None:
    assert_clean('    money gross "Gross" min 0\n    money costs "Costs" min 0\n'
                 '    computed net "Net" = gross - costs * 1.5 / 2 + -1\n    text first "First"\n'
                 '    computed greeting "Greeting" = "Hi " + first\n    computed big "Big" = net > 1000\n'
                 '    note "Big" when big')


def test_groups_sections_and_template_header() -> None:
    assert_clean('organizer t "T" {\n  language nl\n  description "D"\n  reminders after 3 days limit 2\n'
                 '  section s "S" {\n    yesno a "A"\n    group g "G" when a {\n      text b "B"\n    }\n  }\n'
                 '  section u "U" when a {\n    note "n" when b == "x"\n  }\n}\n')


def test_reserved_words_are_fine_as_option_ids() -> None:
    assert_clean('    choice c "C" {\n      option yes "Yes"\n      option no "No"\n    }\n'
                 '    text b "B" when c == "yes"')


def test_same_id_inside_a_repeat_and_outside() -> None:
    assert_clean('    text name "Your name"\n    repeat r "R" {\n      text name "Their name"\n'
                 '      text x "X" when name == "a"\n    }')


def test_the_spec_example_is_clean() -> None:
    text = (Path(__file__).parents[1] / "fixtures" / "spec_example.organizer").read_text(encoding="utf-8")
    assert check(text) == ()


def test_context_fields_from_organizer_yaml(tmp_path: Path) -> None:
    config_path = tmp_path / "organizer.yaml"
    config_path.write_text("context:\n  client:\n    tax_id: string\n  engagement:\n    fee: number\n"
                           "    signed: date\n", encoding="utf-8")
    config, problems = load_config(config_path)
    assert problems == []
    body = ('    text a "A <<client.tax_id>> <<engagement.fee + 1>> <<engagement.signed - 1>>" prefill client.tax_id\n'
            '    text b "B" when engagement.fee > 3 and client.tax_id == "x" and engagement.signed < today')
    assert_clean(body, config)
    found = check(wrap(body))  # without the library's config the same fields are unknown
    assert {d.code for d in found} >= {"shortcode-path", "bad-prefill", "context-path"}
    typo = check(wrap('    text c "<<client.taxid>>"'), config)
    assert [(d.code, d.label) for d in typo] == [("shortcode-path", "did you mean `client.tax_id`?")]


def test_organizer_yaml_problems_are_located(tmp_path: Path) -> None:
    config_path = tmp_path / "organizer.yaml"
    config_path.write_text("context:\n  client:\n    tax_id: strin\n", encoding="utf-8")
    _, problems = load_config(config_path)
    assert [(d.code, d.span.line) for d in problems] == [("config", 3)]
    assert "client.tax_id" in problems[0].message


# --- names the author wrote are echoed at most 40 characters long ---------------------------

LONG = "x" * 50
LONG_NAME_BODIES = {
    "unknown id": f'    text b "B" when {LONG}',
    "unknown function": f'    text b "B" when {LONG}(1)',
    "unknown context field": f'    text b "B" when client.{LONG} == "a"',
    "unknown section": f'    yesno a "A"\n    goto {LONG} when a',
    "unknown list": f'    choice c "C" from {LONG}',
    "prefill path": f'    text b "B" prefill client.{LONG}',
    "previous path": f'    text b "B" prefill previous.{LONG}',
    "shortcode": f'    note "<<{LONG}>>"',
    "context shortcode": f'    note "<<client.{LONG}>>"',
    "option literal": f'    choice c "C" {{\n      option x "X"\n    }}\n    text b "B" when c == "{LONG}"',
    "bare reference": f'    text {LONG} "A"\n    text b "B" when {LONG}',
    "repeat field": f'    repeat r "R" {{\n      number {LONG} "F"\n    }}\n    text b "B" when {LONG} > 1',
    "sum field": f'    repeat r "R" {{\n      number f "F"\n    }}\n    computed c "C" = sum(r.{LONG})',
    "too long id": f'    text {LONG * 2} "A"',
    "file extension": f'    file f "F" accept "{LONG}"',
    "currency": f'    money m "M" currency "{LONG}"',
}


@pytest.mark.parametrize("case", sorted(LONG_NAME_BODIES))
def test_long_names_are_shortened_in_messages(case: str) -> None:
    text = wrap(LONG_NAME_BODIES[case])
    found = check(text)
    assert found, shown(text, found)
    for d in found:
        words = " ".join((d.message, d.label, *d.notes))
        assert "x" * 38 not in words, shown(text, found)
    assert any(re.search(r"[a-z.]{37}\.\.\.", d.message) for d in found), shown(text, found)


def test_a_name_of_40_characters_is_shown_whole() -> None:
    name = "y" * 40
    found = check(wrap(f'    text b "B" when {name}'))
    assert [d.message for d in found] == [f"unknown question `{name}`"]


def test_same_id_in_a_repeat_and_later_outside() -> None:
    assert_clean('    repeat r "R" {\n      text name "Their name"\n    }\n    text name "Your name"\n'
                 '    note "Hi <<name>>" when name == "a"')


def test_shortcode_of_a_field_inside_its_repeat() -> None:
    assert_clean('    repeat r "R" {\n      number f "F"\n      note "<<f + 1>>"\n    }\n'
                 '    computed total "Total" = sum(r.f)\n    note "<<total>>"')


def test_defaults_inside_their_bounds_and_pattern() -> None:
    assert_clean('    integer n "N" min 0 max 12 default 12\n    money m "M" min 0 default 0\n'
                 '    date d "D" min "2020-01-01" max today default "2020-01-01"\n'
                 '    text t "T" min 5 max 5 pattern "[0-9]{5}" default "12345"\n    textarea x "X" max 3 default ""')


def test_prefills_that_fit_the_question() -> None:
    assert_clean('    text a "A" prefill client.name\n    textarea b "B" prefill client.company\n'
                 '    email c "C" prefill firm.email\n    phone d "D" prefill firm.phone\n'
                 '    choice e "E" prefill client.last_name {\n      option x "X"\n    }\n'
                 '    integer f "F" prefill year\n    money g "G" prefill year\n    date h "H" prefill today\n'
                 '    number i "I" prefill previous.i\n    text j "J" prefill previous.a')
