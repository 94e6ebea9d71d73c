#!/usr/bin/env python3
"""Generate realistic `.organizer` templates of N questions, deterministically for a seed.

    python bench/generate.py N [--seed S] > out.organizer        # realistic template (default)
    python bench/generate.py N --peer > out.organizer             # 1:1 mirror of the peers' model
    python bench/generate.py N --xlsform out.xlsx|out.csv|out.md  # the peers' XLSForm for the same N
    python bench/generate.py N --surveyjs out.json                # the peers' SurveyJS JSON
    python bench/generate.py N --stats                            # what the template contains

Python API: `generate(n, seed=0) -> str`, `generate_peer(n) -> str`, `peer_model(n)`,
`surveyjs_text(n)`, `write_xlsform(n, path)`; `gen_forms()` returns the peers' generator module
(or None when /work/shared/peers/gen_forms.py is not there; override the folder with the
environment variable ORGANIZER_PEERS_DIR).

Two generators, and how they correspond to the peers' questionnaire
-------------------------------------------------------------------
The peers' generator (`gen_forms.py`, see its docstring) builds one neutral model of N questions
from a fixed cycle of 20 types: 8 text (max length 200), 3 number (min 0, max 100..500), 2 date,
3 single choice and 2 multi choice (5 options each), 2 yes/no. Every 5th question is shown only
when an earlier yes/no is "yes" or an earlier choice is "opt1", and is then required; every
other unconditional question is required; sections of 25. From that model it writes XLSForm
(.xlsx/.csv/.md), SurveyJS JSON and a JSON Schema of the answers.

* `generate_peer(n)` is a one-to-one translation of that model into the organizer language:
  same section ids (`sec1`...), question ids (`q1`...), labels, option ids and labels, bounds,
  `required` flags and conditions (`when q2` for `${q2} = 'yes'`, `when q4 == "opt1"`); text ->
  `text ... max 200`, number -> `integer ... min 0 max M`, choice/multi -> `choice`/`multichoice`
  with an option block, yes/no -> `yesno`. Its answers JSON is the same object the peers'
  JSON Schema describes, so it compares exactly like with like against `xlsform_nN.*`,
  `surveyjs_nN.json` and `schema_nN.json` from `gen_forms.py` (the same N gives the same model).

* `generate(n, seed)` is what a firm would actually write, with the same overall shape as the
  peers' model: exactly N question declarations (questions inside `if` blocks, groups and
  repeat rows count; notes and computed values do not), drawn from a shuffled cycle of 20
  mirroring the peers' mix -- 8 "text-like" (5 `text`, one `textarea`, one `email`, one
  `file`; a `text` is a `phone` now and then), 3 numeric (`integer`, `money`, `number`), 2 `date`,
  3 `choice` (3-6 options), 2 `multichoice` (3-6 options), 2 `yesno` -- in sections of 10-25
  questions, about 20-25% of them conditional (a `when` on the question, an `if`/`else`
  block, a repeat or a section shown only when an earlier answer holds) and about half of the
  others required. On top of what the peers' model has, it uses everything the language offers:
  `if`/`else if`/`else`, forward `goto` (one per few sections, plus one `goto end`), repeats with
  2-4 fields, groups, computed values (`a - b`, `sum(r.amount)`, `count(r)`), notes, a shared
  `options` list used with `from`, `help`/`placeholder`/`pattern`/`message`/`prefill`/`default`,
  triple-quoted strings and shortcodes (`<<year>>`, `<<year - 1>>`, `<<client.first_name>>`,
  `<<client.first_name | there>>`, `<<firm.name>>`, piping an earlier answer `<<employer_name_7>>`).
  Conditions refer only to earlier questions and compare with the right type (`when has_x` on a
  yesno, `when status == "mfj"` / `in [...]` on a choice, `when kinds has "wages"`,
  `when count_n > 0`, combined with `and`/`or`/`not`).
  The equivalent peer inputs for the same N are the peers' files of that N (`peer_model(n)`,
  `write_xlsform(n, path)`, `surveyjs_text(n)`): the same question count and about the same
  type mix and conditional share (21-26 % here vs their 20 %), not the same questions. For a question-for-question comparison use
  `generate_peer(n)`. Per question the realistic template is about as large as the 1:1
  mirror (`generate_peer`), i.e. about half the bytes of their SurveyJS JSON (see `--stats`).

Identifiers match `[a-z][a-z0-9_]*`, are at most 64 characters, never a reserved word, and are
unique across the template (question ids carry their 1-based question number); repeat fields
are local to their rows (`name`, `birth_date`, ... as in the SPEC example).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

RESERVED = frozenset((
    "and", "or", "not", "in", "has", "true", "false", "yes", "no", "client", "firm", "year", "today",
    "organizer", "previous"))

PEERS_DIR = Path(os.environ.get("ORGANIZER_PEERS_DIR", "/work/shared/peers"))

# --------------------------------------------------------------------------- peers' generator

_gen_forms: ModuleType | None = None


def gen_forms() -> ModuleType | None:
    """The peers' `gen_forms.py`, imported from PEERS_DIR, or None when it is not there."""
    global _gen_forms
    if _gen_forms is None:
        path = PEERS_DIR / "gen_forms.py"
        if not path.is_file():
            return None
        spec = importlib.util.spec_from_file_location("organizer_bench_gen_forms", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _gen_forms = module
    return _gen_forms


def _require_gen_forms() -> ModuleType:
    module = gen_forms()
    if module is None:
        raise RuntimeError(f"the peers' generator is not at {PEERS_DIR / 'gen_forms.py'}")
    return module


def peer_model(n: int) -> dict:
    """The peers' neutral model of N questions (what their XLSForm/SurveyJS/schema are built from)."""
    return _require_gen_forms().build_model(n)


def surveyjs_text(n: int) -> str:
    """The peers' SurveyJS JSON for N questions, byte-identical to their `surveyjs_nN.json`."""
    gf = _require_gen_forms()
    return json.dumps(gf.surveyjs_json(gf.build_model(n)), indent=1)


def write_xlsform(n: int, path: str | Path) -> Path:
    """Write the peers' XLSForm for N questions; the format follows the suffix (.xlsx needs openpyxl)."""
    gf = _require_gen_forms()
    path = Path(path)
    writers = {".xlsx": gf.write_xlsx, ".csv": gf.write_xls_csv, ".md": gf.write_xls_md}
    if path.suffix not in writers:
        raise ValueError(f"XLSForm path must end in .xlsx, .csv or .md, not {path.name!r}")
    try:
        writers[path.suffix](path, gf.build_model(n))
    except ModuleNotFoundError as exc:  # openpyxl is a benchmark-only dependency
        raise RuntimeError(f"{exc}: install openpyxl for .xlsx, or write .csv/.md, which pyxform also reads") from exc
    return path


# --------------------------------------------------------------------------- shared helpers


def _s(text: str) -> str:
    """A one-line string literal (JSON escapes, which is what the language uses)."""
    return json.dumps(text, ensure_ascii=False)


def _check_id(ident: str) -> str:
    assert ident[0].isascii() and ident[0].islower() and len(ident) <= 64, ident
    assert all(ch.islower() or ch.isdigit() or ch == "_" for ch in ident) and ident.isascii(), ident
    assert ident not in RESERVED, ident
    return ident


# --------------------------------------------------------------------------- 1:1 mirror


def generate_peer(n: int) -> str:
    """The peers' model of N questions, question for question, in the organizer language."""
    model = peer_model(n)
    out = [f"# Mirror of the peers' synthetic questionnaire (gen_forms.py), N={n}.",
           f"organizer organizer_n{n} {_s(model['title'])} {{"]
    for sec in model["sections"]:
        out.append(f"  section {sec['name']} {_s(sec['title'])} {{")
        for q in sec["questions"]:
            t = q["type"]
            kind = {"text": "text", "number": "integer", "date": "date", "yesno": "yesno",
                    "choice": "choice", "multi": "multichoice"}[t]
            parts = [kind, q["name"], _s(q["label"])]
            if q["required"]:
                parts.append("required")
            if t == "text":
                parts.append(f"max {q['maxLength']}")
            elif t == "number":
                parts.append(f"min {q['min']} max {q['max']}")
            c = q["condition"]
            if c is not None:
                parts.append(f"when {c['dep']}" if c["value"] is True else f"when {c['dep']} == {_s(c['value'])}")
            if t in ("choice", "multi"):
                out.append("    " + " ".join(parts) + " {")
                out.extend(f"      option {o['value']} {_s(o['label'])}" for o in q["options"])
                out.append("    }")
            else:
                out.append("    " + " ".join(parts))
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- vocabulary

# The cycle of 20 question kinds, mirroring gen_forms.CYCLE's proportions (see the docstring).
CYCLE = ("text",) * 5 + ("textarea", "email", "file") + ("integer", "money", "number") \
    + ("date",) * 2 + ("choice",) * 3 + ("multichoice",) * 2 + ("yesno",) * 2
assert len(CYCLE) == 20

SECTION_TOPICS = (
    ("about", "About you"), ("contact", "How we reach you"), ("household", "Your household"),
    ("wages", "Wages and salaries in <<year>>"), ("interest", "Interest and dividends"),
    ("business", "Self-employment"), ("rental", "Rental property"), ("investments", "Sales of investments"),
    ("retirement", "Retirement and pensions"), ("health", "Health coverage"), ("education", "Education"),
    ("charity", "Gifts to charity"), ("home", "Your home"), ("vehicles", "Vehicles"),
    ("childcare", "Child and dependent care"), ("foreign", "Foreign accounts and income"),
    ("crypto", "Digital assets"), ("estimates", "Estimated tax payments"), ("refund", "Refund and payment"),
    ("state", "State returns"), ("other", "Anything else for <<year>>"),
)

# (stem, label, extra modifiers or None, pattern or None)
TEXT_STEMS = (
    ("employer_name", "Name of the employer", None),
    ("payer_name", "Name of the payer", None),
    ("street", "Street address", None),
    ("city", "City", None),
    ("postal_code", "ZIP code", ('[0-9]{5}(-[0-9]{4})?', "Five digits, or ZIP+4")),
    ("account_number", "Account number", ("[0-9]{4,17}", "Digits only, 4 to 17 of them")),
    ("ein", "Employer identification number (EIN)", ("[0-9]{2}-[0-9]{7}", "Write it as 12-3456789")),
    ("occupation", "<<client.first_name>>, what was your occupation in <<year>>?", None),
    ("institution", "Name of the bank or broker", None),
    ("property_address", "Address of the property", None),
    ("description", "Short description", None),
    ("dba_name", 'Business name ("doing business as")', None),
    ("school_name", "Name of the school", None),
    ("vehicle_make", "Make and model of the vehicle", None),
    ("country", "Country", None),
)
PLACEHOLDERS = {"employer_name": "e.g. Acme Corp", "street": "e.g. 12 Main St", "city": "e.g. Springfield",
                "country": "e.g. Canada", "vehicle_make": "e.g. Toyota Corolla"}
PHONE_STEMS = (("daytime_phone", "Daytime phone number"), ("employer_phone", "Employer's phone number"))
TEXTAREA_STEMS = (
    ("other_notes", "Anything else we should know, <<client.first_name | there>>?"),
    ("business_activity", "Describe the business activity"),
    ("changes", "What changed for you since <<year - 1>>?"),
    ("questions_for_us", "Questions for <<firm.name>>"),
)
EMAIL_STEMS = (
    ("contact_email", "Email address", True),
    ("employer_email", "Employer's email address", False),
    ("spouse_email", "Spouse's email address", False),
)
FILE_STEMS = (
    ("w2_forms", "Upload every W-2 for <<year>>"), ("statements", "Upload the year-end statements"),
    ("receipts", "Upload your receipts"), ("form_1098", "Upload Form 1098"),
    ("closing_statement", "Upload the closing statement"), ("id_document", "Upload a copy of your ID"),
)
# (stem, label, min, max)
INTEGER_STEMS = (
    ("dependents_count", "How many dependents did you support in <<year>>?", 0, 12),
    ("months_covered", "Months of coverage in <<year>>", 0, 12),
    ("business_miles", "Business miles driven", 0, 200000),
    ("days_abroad", "Days spent outside the country in <<year>>", 0, 366),
    ("days_rented", "Days the property was rented", 0, 366),
    ("rooms", "Number of rooms used for business", 0, 50),
)
MONEY_STEMS = (
    ("wages_total", "Total wages"), ("interest_income", "Interest received"),
    ("gross_receipts", "Gross receipts"), ("expenses", "Total expenses"),
    ("mortgage_interest", "Mortgage interest paid"), ("charitable_cash", "Cash gifts to charity"),
    ("estimated_paid", "Estimated tax paid for <<year>>"), ("tuition_paid", "Tuition paid"),
    ("rent_received", "Rent received"), ("medical_costs", "Medical costs not reimbursed"),
)
NUMBER_STEMS = (
    ("ownership_pct", "Your ownership share, in percent", 0, 100),
    ("hours_per_week", "Hours worked per week", 0, 168),
    ("business_use_pct", "Business use, in percent", 0, 100),
)
DATE_STEMS = (
    ("birth_date", "Date of birth", None, "today"),
    ("purchase_date", "Date of purchase", "1950-01-01", "today"),
    ("move_date", "Date you moved", None, None),
    ("start_date", "Date the business started", "1900-01-01", None),
    ("sale_date", "Date of sale", None, "today"),
    ("marriage_date", "Date of marriage", None, None),
)
YESNO_STEMS = (
    ("has_foreign_accounts", "Did you have any foreign bank accounts in <<year>>?"),
    ("moved", "Did you move in <<year>>?"),
    ("has_business", "Did you have self-employment income?"),
    ("bought_home", "Did you buy or sell a home in <<year>>?"),
    ("has_hsa", "Did you contribute to a health savings account?"),
    ("paid_childcare", "Did you pay for child care so you could work?"),
    ("got_refund", "Did you get a state refund in <<year>>?"),
    ("same_as_last_year", "Is this the same as last year, <<client.first_name>>?"),
    ("sold_crypto", "Did you sell or exchange digital assets?"),
    ("has_rental", "Did you rent out any property?"),
)
# (stem, label, options) -- the first 3..6 options are used
CHOICE_STEMS = (
    ("filing_status", "Filing status for <<year>>", (
        ("single", "Single"), ("mfj", "Married filing jointly"), ("mfs", "Married filing separately"),
        ("hoh", "Head of household"), ("qss", "Qualifying surviving spouse"), ("unsure", "Not sure"))),
    ("residency", "Residency in <<year>>", (
        ("full_year", "Resident all year"), ("part_year", "Part-year resident"), ("nonresident", "Nonresident"),
        ("dual", "Dual-status"), ("abroad", "Living abroad"), ("unsure", "Not sure"))),
    ("account_type", "Type of account", (
        ("checking", "Checking"), ("savings", "Savings"), ("brokerage", "Brokerage"),
        ("retirement", "Retirement"), ("hsa", "Health savings"), ("other", "Other"))),
    ("refund_method", "How would you like to receive a refund?", (
        ("direct_deposit", "Direct deposit"), ("check", "Paper check"), ("apply_next", "Apply to <<year + 1>>"),
        ("split", "Split between accounts"), ("savings_bonds", "Savings bonds"), ("unsure", "Not sure"))),
    ("property_use", "How was the property used?", (
        ("personal", "Personal"), ("rental", "Rental"), ("mixed", "Personal and rental"),
        ("vacant", "Vacant"), ("business", "Business"), ("other", "Other"))),
    ("relationship", "Relationship to you", (
        ("child", "Son or daughter"), ("stepchild", "Stepchild"), ("parent", "Parent"),
        ("sibling", "Brother or sister"), ("grandchild", "Grandchild"), ("other", "Other relative"))),
    ("vehicle_use", "Main use of the vehicle", (
        ("business", "Business"), ("commuting", "Commuting"), ("personal", "Personal"),
        ("mixed", "Mixed"), ("rental", "Rented out"), ("other", "Other"))),
)
MULTI_STEMS = (
    ("income_kinds", "Which kinds of income did you have in <<year>>?", (
        ("wages", "Wages (W-2)"), ("interest", "Interest or dividends"), ("business", "Self-employment"),
        ("rental", "Rental income"), ("pension", "Pensions or annuities"), ("none_of_these", "None of these"))),
    ("deduction_kinds", "Which of these did you pay in <<year>>?", (
        ("mortgage", "Mortgage interest"), ("charity", "Gifts to charity"), ("medical", "Medical costs"),
        ("education", "Tuition"), ("state_tax", "State and local taxes"), ("childcare", "Child care"))),
    ("documents", "Which documents do you have?", (
        ("w2", "W-2"), ("f1099_int", "1099-INT"), ("f1099_div", "1099-DIV"),
        ("k1", "Schedule K-1"), ("f1098", "1098"), ("receipts", "Receipts"))),
    ("contact_ways", "How may we contact you?", (
        ("email", "Email"), ("phone", "Phone"), ("text_message", "Text message"),
        ("mail", "Mail"), ("portal", "Client portal"), ("video", "Video call"))),
)
SHARED_LIST = ("us_state", (
    ("ca", "California"), ("ny", "New York"), ("tx", "Texas"), ("fl", "Florida"),
    ("wa", "Washington"), ("il", "Illinois"), ("other", "Another state")))

# Repeat templates: (stem, title, fields); a field is (kind, id, label, modifiers)
REPEATS = (
    ("dependents", "Dependents", "has_dependents", "Did you support any dependents in <<year>>?", (
        ("text", "name", "Full name", "required max 120"),
        ("date", "birth_date", "Date of birth", "required max today"),
        ("integer", "months", "Months lived with you in <<year>>", "min 0 max 12"),
        ("yesno", "student", "Full-time student?", ""))),
    ("employers", "Employers", "had_wages", "Did you work for an employer in <<year>>?", (
        ("text", "employer", "Employer name", "required max 200"),
        ("money", "amount", "Wages from this employer", "required min 0"),
        ("file", "w2", "W-2 from this employer", 'accept "pdf", "jpg", "png" max 2 max_size 10MB'),
        ("text", "ein", "Employer's EIN", 'pattern "[0-9]{2}-[0-9]{7}"'))),
    ("accounts", "Bank accounts", "has_accounts", "Did you have interest-bearing accounts?", (
        ("text", "institution", "Bank or broker", "required"),
        ("money", "amount", "Interest received", "min 0"),
        ("yesno", "foreign", "Is the account outside the country?", ""))),
    ("properties", "Rental properties", "owns_rentals", "Did you own rental property in <<year>>?", (
        ("text", "address", "Address", "required max 200"),
        ("money", "amount", "Rent received", "min 0"),
        ("integer", "days_rented", "Days rented", "min 0 max 366"),
        ("date", "acquired", "Date acquired", 'max today'))),
    ("payments", "Estimated payments", "made_estimates", "Did you make estimated tax payments for <<year>>?", (
        ("date", "paid_on", "Date paid", "required"),
        ("money", "amount", "Amount paid", "required min 0"))),
    ("gifts", "Gifts to charity", "gave_to_charity", "Did you give to charity in <<year>>?", (
        ("text", "charity", "Name of the charity", "required"),
        ("money", "amount", "Amount given", "required min 0"),
        ("file", "receipt", "Receipt", 'accept "pdf", "jpg" max 1 max_size 5MB'))),
)

NOTES = (
    "Only answer for amounts you **paid** in <<year>>.",
    "If nothing changed since <<year - 1>>, you can skip the questions below.",
    "Upload clear scans or photos; we accept PDF, JPG and PNG.",
    "<<client.first_name | Hi>>, these questions help us find every deduction you are owed.",
    "Questions? Write to <<firm.email>> or call <<firm.phone>>.",
)
LONG_NOTE = '''"""
    Please keep your statements for this section at hand.
    We use them to check the amounts you report for <<year>>,
    and we keep a copy in your file at <<firm.name>>.
  """'''


@dataclass
class _Ctl:
    """An earlier question a condition can refer to."""

    id: str
    kind: str
    options: tuple[str, ...] = ()
    bounds: tuple[int, int] = (0, 0)


@dataclass
class _Stats:
    questions: int = 0
    types: dict[str, int] = field(default_factory=dict)
    conditional: int = 0  # questions under any condition (own when/required if excluded)
    required: int = 0
    sections: int = 0
    if_blocks: int = 0
    gotos: int = 0
    repeats: int = 0
    groups: int = 0
    computed: int = 0
    notes: int = 0


class _Generator:
    def __init__(self, n: int, seed: int, split_pattern_message: bool = False) -> None:
        self.n = n
        self.split_pattern_message = split_pattern_message
        self.rng = random.Random(f"organizer-bench-{n}-{seed}")
        self.out: list[str] = []
        self.depth = 1
        self.count = 0  # questions emitted
        self.bag: list[str] = []
        self.ctl: list[_Ctl] = []  # controllers declared so far (outside repeats)
        self.texts: list[str] = []  # text question ids (for piping shortcodes)
        self.money: list[str] = []  # money question ids outside repeats (for computed values)
        self.cond_depth = 0  # > 0 while inside a conditional block
        self.stats = _Stats()
        self.used_ids: set[str] = set()
        self.shared_used = False  # the top-level `options` list is dropped if no question uses it

    # --- output helpers -------------------------------------------------------------

    def line(self, text: str) -> None:
        self.out.append("  " * self.depth + text)

    def new_id(self, stem: str) -> str:
        ident = _check_id(f"{stem}_{self.count + 1}")
        if ident in self.used_ids:  # computed values, repeats and groups share the counter
            ident = _check_id(f"{stem}_{self.count + 1}_{len(self.used_ids)}")
        self.used_ids.add(ident)
        return ident

    def next_kind(self) -> str:
        if not self.bag:
            self.bag = list(CYCLE)
            self.rng.shuffle(self.bag)
        return self.bag.pop()

    def count_question(self, kind: str, conditional: bool, required: bool) -> None:
        self.count += 1
        st = self.stats
        st.questions += 1
        st.types[kind] = st.types.get(kind, 0) + 1
        st.conditional += conditional or self.cond_depth > 0
        st.required += required

    # --- expressions ----------------------------------------------------------------

    def condition(self, recent: int = 10) -> str | None:
        """A boolean condition on an earlier question, type-correct, or None if there is none yet."""
        pool = self.ctl[-recent:]
        if not pool:
            return None
        rng = self.rng
        c = rng.choice(pool)
        expr = self.simple_condition(c)
        roll = rng.random()
        if roll < 0.12 and len(pool) > 1:
            other = rng.choice([x for x in pool if x.id != c.id])
            expr = f"{expr} and {self.simple_condition(other)}"
        elif roll < 0.18 and len(pool) > 1:
            other = rng.choice([x for x in pool if x.id != c.id])
            expr = f"{expr} or {self.simple_condition(other)}"
        elif roll < 0.20:
            expr = f"not ({expr})"
        return expr

    def simple_condition(self, c: _Ctl) -> str:
        rng = self.rng
        if c.kind == "yesno":
            return f"not {c.id}" if rng.random() < 0.15 else c.id
        if c.kind == "choice":
            roll = rng.random()
            if roll < 0.6:
                return f"{c.id} == {_s(rng.choice(c.options))}"
            if roll < 0.8:
                picks = rng.sample(c.options, 2)
                return f"{c.id} in [{_s(picks[0])}, {_s(picks[1])}]"
            return f"{c.id} != {_s(rng.choice(c.options))}"
        if c.kind == "multichoice":
            if rng.random() < 0.85:
                return f"{c.id} has {_s(rng.choice(c.options))}"
            return f"count({c.id}) >= 2"
        if c.kind == "integer":
            return f"{c.id} > {c.bounds[0]}"
        raise AssertionError(c.kind)

    def label(self, text: str) -> str:
        """Sometimes pipe an earlier answer or a context value into a label."""
        roll = self.rng.random()
        if roll < 0.04 and self.texts:
            return f"{text} (for <<{self.rng.choice(self.texts[-5:])}>>)"
        if roll < 0.08 and "<<" not in text:
            return f"{text} in <<year>>"
        return text

    # --- questions ------------------------------------------------------------------

    def question(self, kind: str | None = None, *, in_if: bool = False) -> None:
        """One question of the next kind in the cycle, with realistic modifiers."""
        rng = self.rng
        kind = kind or self.next_kind()
        when = None
        if not in_if and rng.random() < 0.06:
            when = self.condition()
        required = rng.random() < 0.5 or when is not None
        mods: list[str] = []  # on the question's line
        block: list[str] = []  # inside its braces, one per line
        ctl: _Ctl | None = None
        if kind == "text":
            if rng.random() < 0.07:
                kind = "phone"
                stem, text = rng.choice(PHONE_STEMS)
                ident = self.new_id(stem)
            else:
                stem, text, pattern = rng.choice(TEXT_STEMS)
                ident = self.new_id(stem)
                if pattern and rng.random() < 0.7:
                    if self.split_pattern_message:
                        block += [f"pattern {_s(pattern[0])}", f"message {_s(pattern[1])}"]
                    else:
                        block.append(f"pattern {_s(pattern[0])} message {_s(pattern[1])}")
                else:
                    mods.append("max 200")
                if rng.random() < 0.1:
                    mods.append(f"prefill previous.{ident}")
                if stem in PLACEHOLDERS and rng.random() < 0.3:
                    block.append(f"placeholder {_s(PLACEHOLDERS[stem])}")
        elif kind == "textarea":
            stem, text = rng.choice(TEXTAREA_STEMS)
            ident = self.new_id(stem)
            mods.append("max 2000")
            required = required and when is not None
        elif kind == "email":
            stem, text, prefill = rng.choice(EMAIL_STEMS)
            ident = self.new_id(stem)
            if prefill:
                mods.append("prefill client.email")
        elif kind == "file":
            stem, text = rng.choice(FILE_STEMS)
            ident = self.new_id(stem)
            mods.append('accept "pdf", "jpg", "png" max 10 max_size 20MB')
        elif kind == "integer":
            stem, text, lo, hi = rng.choice(INTEGER_STEMS)
            ident = self.new_id(stem)
            mods.append(f"min {lo} max {hi}")
            if rng.random() < 0.1:
                mods.append(f"default {lo}")
            ctl = _Ctl(ident, "integer", bounds=(lo, hi))
        elif kind == "money":
            stem, text = rng.choice(MONEY_STEMS)
            ident = self.new_id(stem)
            mods.append("min 0" if rng.random() < 0.7 else 'min 0 max 10000000 currency "USD"')
            self.money.append(ident)
        elif kind == "number":
            stem, text, lo, hi = rng.choice(NUMBER_STEMS)
            ident = self.new_id(stem)
            mods.append(f"min {lo} max {hi}")
        elif kind == "date":
            stem, text, earliest, latest = rng.choice(DATE_STEMS)
            ident = self.new_id(stem)
            if earliest:
                mods.append(f"min {_s(earliest)}")
            if latest:
                mods.append(f"max {latest}")
        elif kind == "yesno":
            stem, text = rng.choice(YESNO_STEMS)
            ident = self.new_id(stem)
            if rng.random() < 0.1:
                mods.append("default no")
            ctl = _Ctl(ident, "yesno")
        elif kind in ("choice", "multichoice"):
            options: tuple[tuple[str, str], ...]
            picked: tuple[tuple[str, str], ...]
            shared = kind == "choice" and rng.random() < 0.1
            if shared:
                stem, text, options = "state", "State of residence", SHARED_LIST[1]
                ident = self.new_id(stem)
                block.append(f"from {SHARED_LIST[0]}")
                self.shared_used = True
                picked = options
            else:
                stem, text, options = rng.choice(CHOICE_STEMS if kind == "choice" else MULTI_STEMS)
                ident = self.new_id(stem)
                picked = options[: rng.randint(3, 6)]
                if kind == "choice" and len(picked) >= 5 and rng.random() < 0.5:
                    block.append("as dropdown")
                if kind == "multichoice" and rng.random() < 0.3:
                    block.append("min 1")
                block.extend(f"option {oid} {_s(olabel)}" for oid, olabel in picked)
            if rng.random() < 0.2:
                block.insert(0, f"help {_s('Pick the one that fits on December 31, <<year>>.' if kind == 'choice' else 'Tick all that apply.')}")
            ctl = _Ctl(ident, kind, options=tuple(oid for oid, _ in picked))
        else:
            raise AssertionError(kind)
        if kind in ("text", "integer", "money", "date") and rng.random() < 0.08:
            block.append(f"help {_s('As shown on your <<year>> statements.')}")
        head = [kind, ident, _s(self.label(text))]
        if required:
            if when is None and rng.random() < 0.06 and self.ctl:
                head.append(f"required if {self.condition()}")
            else:
                head.append("required")
        head.extend(mods)
        if when:
            head.append(f"when {when}")
        if block:
            self.line(" ".join(head) + " {")
            self.depth += 1
            for b in block:
                self.line(b)
            self.depth -= 1
            self.line("}")
        else:
            self.line(" ".join(head))
        self.count_question(kind, when is not None, required)
        if ctl is not None:
            self.ctl.append(ctl)
        if kind == "text":  # only now: a label may pipe earlier answers, never its own
            self.texts.append(ident)

    def repeat(self) -> int:
        """A yes/no that controls a repeat of 2-4 fields; returns the questions used."""
        rng = self.rng
        stem, title, yes_stem, yes_label, fields = rng.choice(REPEATS)
        yes_id = self.new_id(yes_stem)
        self.line(f"yesno {yes_id} {_s(yes_label)} required")
        self.count_question("yesno", False, True)
        self.ctl.append(_Ctl(yes_id, "yesno"))
        k = rng.randint(2, min(4, len(fields)))
        rid = self.new_id(stem)
        self.line(f"repeat {rid} {_s(title)} min 1 max {rng.choice((5, 10, 12, 20))} when {yes_id} {{")
        self.depth += 1
        self.cond_depth += 1
        has_amount = False
        for kind, fid, flabel, fmods in fields[:k]:
            parts = [kind, fid, _s(flabel)] + ([fmods] if fmods else [])
            self.line(" ".join(parts))
            self.count_question(kind, True, "required" in fmods)
            has_amount |= fid == "amount"
        self.cond_depth -= 1
        self.depth -= 1
        self.line("}")
        self.stats.repeats += 1
        if has_amount and rng.random() < 0.6:
            self.line(f"computed {self.new_id(stem + '_total')} {_s(title + ' total')} = sum({rid}.amount)")
            self.stats.computed += 1
        elif rng.random() < 0.3:
            self.line(f"computed {self.new_id(stem + '_count')} {_s('Number of ' + title.lower())} = count({rid})")
            self.stats.computed += 1
        return 1 + k

    def if_block(self, budget: int) -> int:
        """An `if` (sometimes with `else if` / `else`) around 2-5 questions; returns questions used."""
        rng = self.rng
        cond = self.condition()
        assert cond is not None
        used = 0
        start = len(self.ctl)
        hidden: list[_Ctl] = []  # controllers of earlier branches: null in the later ones

        def close_branch() -> None:
            hidden.extend(self.ctl[start:])
            del self.ctl[start:]

        self.line(f"if {cond} {{")
        self.stats.if_blocks += 1
        self.depth += 1
        self.cond_depth += 1
        m = min(budget, rng.randint(2, 5))
        for _ in range(m):
            self.question(in_if=True)
        used += m
        self.depth -= 1
        close_branch()
        if budget - used >= 1 and rng.random() < 0.12:
            cond2 = self.condition()
            self.line(f"}} else if {cond2} {{")
            self.depth += 1
            self.question(in_if=True)
            used += 1
            self.depth -= 1
            close_branch()
        if budget - used >= 1 and rng.random() < 0.3:
            self.line("} else {")
            self.depth += 1
            m2 = min(budget - used, rng.randint(1, 2))
            for _ in range(m2):
                self.question(in_if=True)
            used += m2
            self.depth -= 1
            close_branch()
        self.ctl.extend(hidden)
        self.cond_depth -= 1
        self.line("}")
        return used

    def group(self, budget: int) -> int:
        gid = self.new_id("group")
        m = min(budget, self.rng.randint(2, 4))
        when = self.condition() if self.rng.random() < 0.3 else None
        self.line(f"group {gid} {_s('Details')}" + (f" when {when}" if when else "") + " {")
        self.stats.groups += 1
        self.depth += 1
        self.cond_depth += when is not None
        for _ in range(m):
            self.question()
        self.cond_depth -= when is not None
        self.depth -= 1
        self.line("}")
        return m

    def computed(self) -> None:
        a, b = self.money[-2:]
        op, name, label = self.rng.choice((("+", "total", "Total of both amounts"), ("-", "net", "Net amount")))
        self.line(f"computed {self.new_id(name)} {_s(label)} = {a} {op} {b}")
        self.stats.computed += 1
        self.money.clear()

    def note(self) -> None:
        rng = self.rng
        self.stats.notes += 1
        if rng.random() < 0.1:
            self.line(f"note {LONG_NOTE}")
            return
        text = _s(rng.choice(NOTES))
        when = self.condition() if rng.random() < 0.2 else None
        self.line(f"note {text}" + (f" when {when}" if when else ""))

    # --- sections -------------------------------------------------------------------

    def plan(self) -> list[int]:
        sizes: list[int] = []
        left = self.n
        while left > 0:
            size = self.rng.randint(10, 25)
            if left <= 25:
                size = left
            elif left - size < 10:
                size = left - 10
            sizes.append(size)
            left -= size
        return sizes

    def section(self, k: int, size: int, ids: list[str]) -> None:
        rng = self.rng
        topic = SECTION_TOPICS[k % len(SECTION_TOPICS)]
        when = self.condition(recent=6) if k and rng.random() < 0.03 else None
        if k and rng.random() < 0.3:
            self.out.append("")
            self.line(f"# --- {topic[1].replace('<<year>>', 'this year')} ---")
        self.line(f"section {ids[k]} {_s(topic[1])}" + (f" when {when}" if when else "") + " {")
        self.stats.sections += 1
        self.depth += 1
        self.cond_depth += when is not None
        if rng.random() < 0.4:
            self.note()
        budget = size
        want_repeat = size >= 8 and rng.random() < 0.3
        want_if = rng.random() < 0.45
        want_group = rng.random() < 0.1
        while budget > 0:
            roll = rng.random()
            if want_repeat and budget >= 5 and roll < 0.15:
                budget -= self.repeat()
                want_repeat = False
            elif want_if and budget >= 3 and self.ctl and roll < 0.3:
                budget -= self.if_block(budget)
                want_if = False
            elif want_group and budget >= 3 and roll < 0.4:
                budget -= self.group(budget)
                want_group = False
            else:
                self.question()
                budget -= 1
            if len(self.money) >= 2 and rng.random() < 0.3:
                self.computed()
        if rng.random() < 0.06:
            self.note()
        last = len(ids) - 1
        if k + 1 < last and self.ctl and rng.random() < 0.3:
            target = ids[rng.randint(k + 2, min(k + 4, last))]
            self.line(f"goto {target} when {self.condition(recent=6)}")
            self.stats.gotos += 1
        elif k == last - 1 - last // 10 and k > 0 and self.ctl and last >= 5:
            self.line(f"goto end when {self.condition(recent=6)}")
            self.stats.gotos += 1
        self.cond_depth -= when is not None
        self.depth -= 1
        self.line("}")

    def template(self) -> str:
        sizes = self.plan()
        ids = [_check_id(f"s{k + 1}_{SECTION_TOPICS[k % len(SECTION_TOPICS)][0]}") for k in range(len(sizes))]
        self.used_ids.update(ids)
        shared = [
            f"options {SHARED_LIST[0]} {{",
            *(f"  option {oid} {_s(label)}" for oid, label in SHARED_LIST[1]),
            "}",
            "",
        ]
        self.out += [
            f"# Synthetic organizer with {self.n} questions (bench/generate.py, seed-deterministic).",
            f"organizer bench_n{self.n} {_s(f'<<year>> Individual Tax Organizer ({self.n} questions)')} {{",
            "  language en",
            '  description """',
            "    Please answer the questions below so we can prepare your <<year>> return.",
            "    Your answers are saved as you type; <<firm.name>> will review them.",
            '  """',
            "  reminders after 7 days limit 3",
            "",
        ]
        for k, size in enumerate(sizes):
            self.section(k, size, ids)
        self.out.append("}")
        if self.shared_used:
            self.out[1:1] = shared
        assert self.count == self.n, (self.count, self.n)
        return "\n".join(self.out) + "\n"


def generate(n: int, seed: int = 0, *, split_pattern_message: bool = False) -> str:
    """A realistic template with exactly `n` questions; the same (n, seed) gives the same text.

    `split_pattern_message=True` writes `pattern "re"` and `message "..."` on two lines inside a
    question's braces instead of `pattern "re" message "..."` on one (SPEC 2.3 allows both); it
    only exists to work around a parser that rejects the one-line form (bench/parse.py uses it
    as a fallback and says so). The random choices are the same either way.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    return _Generator(n, seed, split_pattern_message).template()


def generate_stats(n: int, seed: int = 0) -> dict[str, Any]:
    """What `generate(n, seed)` contains (counts by construct and type, sizes)."""
    g = _Generator(n, seed)
    text = g.template()
    st = g.stats
    out: dict[str, Any] = {k: v for k, v in vars(st).items() if k != "types"}
    out["types"] = dict(sorted(st.types.items()))
    out["conditional_share"] = round(st.conditional / max(st.questions, 1), 3)
    out["required_share"] = round(st.required / max(st.questions, 1), 3)
    out["bytes"] = len(text.encode())
    out["lines"] = text.count("\n")
    if gen_forms() is not None:
        out["peer_surveyjs_bytes"] = len(surveyjs_text(n).encode())
        out["peer_mirror_bytes"] = len(generate_peer(n).encode())
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of questions")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--peer", action="store_true", help="1:1 mirror of the peers' model instead")
    ap.add_argument("--xlsform", type=Path, metavar="PATH", help="write the peers' XLSForm (.xlsx/.csv/.md)")
    ap.add_argument("--surveyjs", type=Path, metavar="PATH", help="write the peers' SurveyJS JSON")
    ap.add_argument("--stats", action="store_true", help="print what the template contains, as JSON")
    args = ap.parse_args(argv)
    if args.xlsform or args.surveyjs:
        if args.xlsform:
            write_xlsform(args.n, args.xlsform)
        if args.surveyjs:
            args.surveyjs.write_text(surveyjs_text(args.n), encoding="utf-8")
        return
    if args.stats:
        print(json.dumps(generate_stats(args.n, args.seed), indent=1))
        return
    sys.stdout.write(generate_peer(args.n) if args.peer else generate(args.n, args.seed))


if __name__ == "__main__":
    main()
