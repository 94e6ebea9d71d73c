"""The standard template library (`stdlib_templates/`) against hand-written answer files.

For each template, `answers/<template id>/` holds:

- `complete.json`: what a real client submits on a typical path, and other paths through the
  template's jumps (`business_path.json`, `single_path.json`, ...): valid submissions;
- `mistakes.json` with `mistakes.expected.json`: typical client mistakes, and the problems
  (pointer, code) they must give, written from the template's rules (not copied from the
  runtime's output).

Every answer file is checked with the runtime, with the built JSON Schemas (Python jsonschema,
with and without format assertion) and through the command line. The context is the library's
preview context (`organizer.yaml` `preview`) with `today` pinned, so that date bounds (`max
today`, `min today`) do not depend on the day the tests run: a 2026 organizer is filled in
during the 2027 filing season.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from organizer.compiler.build import CompileResult, compile_source
from organizer.dsl.config import LibraryConfig, load_config
from organizer.dsl.frontend import check_file

import organizer

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "stdlib_templates"
ANSWERS = Path(__file__).resolve().parent / "answers"
TEMPLATES = sorted(p.stem for p in LIBRARY.glob("*.organizer"))
TODAY = "2027-01-20"  # the 2027 filing season, for the 2026 organizers of the preview context

# Templates with a major jump must have at least one answer file besides complete.json.
MAJOR_JUMPS = ("new_client_intake", "nonprofit_990", "individual_1040")

# For every valid answer file: the sections shown and the sections skipped by a `goto`, in
# document order, as the template's jumps and conditions say for that path.
SECTIONS: dict[tuple[str, str], tuple[list[str], list[str]]] = {
    ("business_entity_return", "complete.json"): (  # partnership, no transactions with owners
        ["entity", "owners", "balance_sheet", "payroll", "states", "other"], ["shareholder_loans"]),
    ("business_entity_return", "s_corp_path.json"): (  # S corporation with owner loans
        ["entity", "owners", "balance_sheet", "shareholder_loans", "payroll", "states", "other"], []),
    ("individual_1040", "complete.json"): (  # married filing jointly
        ["welcome", "taxpayer", "filing", "spouse", "family", "income", "deductions", "health", "payments", "refund",
         "identity", "sign"], []),
    ("individual_1040", "single_path.json"): (  # divorced, filing single: no spouse page
        ["welcome", "taxpayer", "filing", "family", "income", "deductions", "health", "payments", "refund", "identity",
         "sign"], ["spouse"]),
    ("new_client_intake", "complete.json"): (  # an individual: no entity page
        ["contact", "who", "household", "services", "history", "referral", "engagement"], ["entity"]),
    ("new_client_intake", "business_path.json"): (  # a business: no household page
        ["contact", "who", "entity", "services", "history", "referral", "engagement"], ["household"]),
    ("new_client_intake", "both_path.json"): (  # both: every page
        ["contact", "who", "household", "entity", "services", "history", "referral", "engagement"], []),
    ("nl_inkomstenbelasting", "complete.json"): (  # with a fiscal partner, no substantial interest
        ["welkom", "persoonlijk", "partner", "box1", "box3", "toeslagen", "aftrekposten", "betalingen",
         "ondertekening"], ["box2"]),
    ("nl_inkomstenbelasting", "alleenstaand_dga.json"): (  # no partner, owns a BV
        ["welkom", "persoonlijk", "box1", "box2", "box3", "toeslagen", "aftrekposten", "betalingen",
         "ondertekening"], ["partner"]),
    ("nonprofit_990", "complete.json"): (  # Form 990-EZ: no governance page
        ["organization", "size", "mission", "people", "grants", "support", "activities", "signoff"], ["governance"]),
    ("nonprofit_990", "postcard_path.json"): (  # 990-N: straight to the sign-off
        ["organization", "size", "signoff"], ["mission", "people", "governance", "grants", "support", "activities"]),
    ("nonprofit_990", "full_990_path.json"): (  # the full Form 990
        ["organization", "size", "mission", "people", "governance", "grants", "support", "activities", "signoff"], []),
    ("payroll_onboarding", "complete.json"): (  # taking over mid-year from another provider
        ["employer", "registrations", "schedules", "employees", "benefits", "prior_provider", "authorization"], []),
    ("payroll_onboarding", "new_employer.json"): (  # no wages paid yet this year
        ["employer", "registrations", "schedules", "employees", "benefits", "authorization"], ["prior_provider"]),
    ("rental_property", "complete.json"): (["overview", "portfolio", "properties", "other_items"], []),
    ("rental_property", "no_rentals.json"): (["overview"], ["portfolio", "properties", "other_items"]),
    ("schedule_c_business", "complete.json"): (  # sells products, home office
        ["business", "income", "inventory", "expenses", "home_office", "vehicles", "assets", "summary"], []),
    ("schedule_c_business", "services_path.json"): (  # services only, no home office
        ["business", "income", "expenses", "vehicles", "assets", "summary"], ["inventory", "home_office"]),
}


def _file(name: str, size: int = 48_211) -> dict[str, Any]:
    media = {"pdf": "application/pdf", "jpg": "image/jpeg"}[name.rsplit(".", 1)[1]]
    return {"name": name, "size": size, "media_type": media, "sha256": "0123456789abcdef" * 4}


# Answers to questions that complete.json's path hides or skips: (top-level extras, row extras as
# (repeat, row, field, value)). `submission` must drop exactly these, `validate` must report
# `hidden-answer` at exactly these.
HIDDEN_EXTRAS: dict[str, tuple[dict[str, Any], list[tuple[str, int, str, Any]]]] = {
    "business_entity_return": (
        {"s_election_date": "2019-01-01",          # not an S corporation
         "return_kind": "initial",                 # not a first or final return
         "loans_from_owners": False,               # section skipped: no transactions with owners
         "former_c_corp": False,                   # the S corporation branch of an if/else
         "accumulated_earnings": 1000.00},
        [("owners_list", 0, "officer_wages", 1000.00),              # S corporations only
         ("owners_list", 0, "ownership_change_detail", "Sold 5%")]),  # ownership did not change
    "individual_1040": (
        {"hoh_paid_half": True,                    # not head of household
         "spouse_deceased": False,                 # not widowed
         "energy_improvements": True,              # credits end in 2025; the year is 2026
         "w2_household_amount": 100.00,            # no household wages
         "overpayment_next_year": 100.00},         # refund by direct deposit
        [("dependents", 0, "dep_form_8332", [_file("form-8332.pdf")])]),  # nobody else can claim her
    "new_client_intake": (
        {"entity_name": "Doe Design Studio LLC",   # entity page skipped for an individual
         "tax_classification": "s_corp",
         "urgent_detail": "By March 15",           # no urgent deadline
         "unfiled_detail": "2019",                 # no unfiled years
         "heard_about_other": "A podcast"},        # heard about it through a referral
        []),
    "nl_inkomstenbelasting": (
        {"machtigingscode": "ABCDE123",            # the firm has a machtiging
         "emigratie": "Naar Belgie",               # lived in the Netherlands all year
         "ab_belangen": [{"ab_vennootschap": "X B.V."}],  # box 2 skipped
         "lijfrentepremie": 100.00,                # no lijfrente
         "alimentatie_betaald": 100.00},           # paid no alimony
        []),
    "nonprofit_990": (
        {"termination_detail": "Merged",           # did not terminate
         "audit_report": [_file("audit.pdf")],     # not a full Form 990
         "conflict_policy": True,                  # governance page skipped for 990-EZ
         "docs_public": "on_request",
         "family_relationships_detail": "None"},   # no family relationships
        [("grants_made", 1, "grantee_ein", "93-5566778"),       # a grant to an individual
         ("grants_made", 1, "grantee_address", "Eugene, OR")]),
    "payroll_onboarding": (
        {"garnishment_orders": [_file("garnishment.pdf")]},  # no garnishments
        [("employee_list", 0, "emp_annual_salary", 50000.00),   # paid hourly
         ("employee_list", 0, "emp_flsa", "exempt"),
         ("employee_list", 1, "emp_routing", "123006800"),      # paid by check
         ("state_registrations", 1, "withholding_account", "123"),  # not registered
         ("state_registrations", 1, "sui_rate", 1.5)]),
    "rental_property": (
        {"new_or_sold_detail": "Sold the duplex",  # nothing bought or sold
         "closing_statements": [_file("closing.pdf")],
         "form_8582": [_file("8582.pdf")]},        # no suspended losses
        [("rentals", 0, "substantial_services", False),  # not a short-term rental
         ("rentals", 1, "royalties_received", 100.00),    # not royalties
         ("rentals", 1, "qualified_joint_venture", False),  # not owned jointly
         ("rentals", 1, "owner_statements", [_file("statement.pdf")])]),  # no owner statement
    "schedule_c_business": (
        {"closed_on": "2026-12-31",                # not closed this year
         "method_changed": False,                  # cash method
         "form_1099_nec": [_file("1099-nec.pdf")]},  # received no 1099-NEC
        []),
}


# --- shared fixtures ------------------------------------------------------------------------------


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@cache
def library_config() -> LibraryConfig:
    config, problems = load_config(LIBRARY / "organizer.yaml")
    assert problems == [], problems
    return config


def context() -> dict[str, Any]:
    """The library's preview context as JSON (dates as ISO strings), with `today` pinned."""
    return {**_json_ready(library_config().preview), "today": TODAY}


@cache
def compiled(template_id: str) -> CompileResult:
    path = LIBRARY / f"{template_id}.organizer"
    result = compile_source(path.read_text(encoding="utf-8"), str(path), library_config())
    assert result.program is not None, [d.message for d in result.diagnostics]
    return result


@cache
def template(template_id: str) -> organizer.Template:
    return organizer.compile_file(LIBRARY / f"{template_id}.organizer")


@cache
def validators(template_id: str, artifact: str) -> tuple[Draft202012Validator, Draft202012Validator]:
    """The artifact's validator without and with format assertion."""
    schema = json.loads(compiled(template_id).artifacts[artifact])
    Draft202012Validator.check_schema(schema)
    return (Draft202012Validator(schema),
            Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER))


@cache
def runtime_only(template_id: str) -> frozenset[tuple[str, str]]:
    return frozenset((rule.pointer, rule.code) for rule in compiled(template_id).program.runtime_only)


def rule_pointer(pointer: str) -> str:
    """A problem's pointer as `runtime_only` writes it: row indexes become `*`."""
    return "/".join("*" if part.isdigit() else part for part in pointer.split("/"))


def is_runtime_only(template_id: str, pointer: str, code: str) -> bool:
    return (rule_pointer(pointer), code) in runtime_only(template_id)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def valid_files(template_id: str) -> list[str]:
    """complete.json first, then the other paths."""
    names = sorted(p.name for p in (ANSWERS / template_id).glob("*.json") if not p.name.startswith("mistakes"))
    return sorted(names, key=lambda n: n != "complete.json")


VALID = [(t, name) for t in TEMPLATES for name in valid_files(t)]
VALID_IDS = [f"{t}/{name.removesuffix('.json')}" for t, name in VALID]


def problems(template_id: str, answers: Any, draft: bool = False) -> list[tuple[str, str]]:
    found = template(template_id).validate(answers, draft=draft, context=context())
    return sorted((p.pointer, p.code) for p in found)


def schema_errors(validator: Draft202012Validator, answers: Any) -> list[str]:
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(answers)]


# --- the library compiles cleanly -----------------------------------------------------------------


def test_library_config_is_clean() -> None:
    assert library_config().preview, "organizer.yaml declares a preview context"


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_template_checks_without_errors_or_warnings(template_id: str) -> None:
    result = check_file(LIBRARY / f"{template_id}.organizer", library_config())
    assert result.ok
    assert [f"{d.span.line}:{d.span.column}: {d.severity.name.lower()}: {d.message}" for d in result.diagnostics] == []
    assert result.template is not None and result.template.id.value == template_id
    assert compiled(template_id).diagnostics == ()


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_every_template_has_answer_files(template_id: str) -> None:
    folder = ANSWERS / template_id
    for name in ("complete.json", "mistakes.json", "mistakes.expected.json"):
        assert (folder / name).is_file(), f"missing {folder / name}"
    if template_id in MAJOR_JUMPS:
        assert len(valid_files(template_id)) >= 2, "a template with a major jump needs another path"
    for name in valid_files(template_id):
        assert (template_id, name) in SECTIONS, f"declare the expected sections of {template_id}/{name}"


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_complete_answers_are_realistic(template_id: str) -> None:
    """complete.json takes a real path: uploads, several repeat rows, money with cents."""
    answers = load_json(ANSWERS / template_id / "complete.json")
    nodes = list(_walk(answers))
    files = [n for n in nodes if isinstance(n, dict) and set(n) == {"name", "size", "media_type", "sha256"}]
    assert files, "at least one uploaded file"
    for item in files:
        assert len(item["sha256"]) == 64 and item["sha256"] == item["sha256"].lower()
    assert any(isinstance(n, list) and len(n) >= 2 and all(isinstance(r, dict) and r not in files for r in n)
               for n in nodes), "a repeat with at least two rows"
    if re.search(r"^\s*money ", (LIBRARY / f"{template_id}.organizer").read_text(encoding="utf-8"), re.MULTILINE):
        assert any(isinstance(n, float) and n != int(n) for n in nodes), "an amount with cents"


# --- the valid paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(("template_id", "name"), VALID, ids=VALID_IDS)
def test_valid_path_passes_the_runtime(template_id: str, name: str) -> None:
    answers = load_json(ANSWERS / template_id / name)
    assert problems(template_id, answers) == []
    assert problems(template_id, answers, draft=True) == []


@pytest.mark.parametrize("formats", [False, True], ids=["no-format", "format"])
@pytest.mark.parametrize(("template_id", "name"), VALID, ids=VALID_IDS)
def test_valid_path_passes_the_schema(template_id: str, name: str, formats: bool) -> None:
    answers = load_json(ANSWERS / template_id / name)
    assert schema_errors(validators(template_id, "schema.json")[formats], answers) == []
    assert schema_errors(validators(template_id, "draft.schema.json")[formats], answers) == []


@pytest.mark.parametrize(("template_id", "name"), VALID, ids=VALID_IDS)
def test_valid_path_shows_the_expected_sections(template_id: str, name: str) -> None:
    state = template(template_id).evaluate(load_json(ANSWERS / template_id / name), context())
    visible, skipped = SECTIONS[(template_id, name)]
    assert list(state.sections) == visible
    assert list(state.skipped) == skipped
    assert list(state.hidden) == []
    assert state.progress.percent == 100
    assert state.progress.required_answered == state.progress.required


def _subsets(answers: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    keys = list(answers)
    yield "all", answers
    yield "first half", {k: answers[k] for k in keys[: len(keys) // 2]}
    yield "second half", {k: answers[k] for k in keys[len(keys) // 2:]}
    yield "every other key", {k: answers[k] for k in keys[::2]}
    yield "every other key from the second", {k: answers[k] for k in keys[1::2]}
    partial_rows = {}
    for k, v in answers.items():
        if isinstance(v, list) and v and all(isinstance(r, dict) and "sha256" not in r for r in v):
            v = [{f: row[f] for f in list(row)[: max(1, len(row) // 2)]} for row in v[:1]]
        partial_rows[k] = v
    yield "half of the first row", partial_rows
    for k in keys:
        yield f"only {k}", {k: answers[k]}


@pytest.mark.parametrize(("template_id", "name"), VALID, ids=VALID_IDS)
def test_draft_accepts_every_subset(template_id: str, name: str) -> None:
    answers = load_json(ANSWERS / template_id / name)
    plain, formats = validators(template_id, "draft.schema.json")
    for label, subset in _subsets(answers):
        assert schema_errors(plain, subset) == [], label
        assert schema_errors(formats, subset) == [], label
        assert problems(template_id, subset, draft=True) == [], label


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_submission_drops_exactly_the_hidden_answers(template_id: str) -> None:
    complete = load_json(ANSWERS / template_id / "complete.json")
    extras, row_extras = HIDDEN_EXTRAS[template_id]
    answers = copy.deepcopy(complete)
    pointers = []
    for key, value in extras.items():
        assert key not in answers
        answers[key] = value
        pointers.append(f"/{key}")
    for repeat, row, field, value in row_extras:
        assert field not in answers[repeat][row]
        answers[repeat][row][field] = value
        pointers.append(f"/{repeat}/{row}/{field}")
    assert template(template_id).submission(complete, context()) == complete
    assert template(template_id).submission(answers, context()) == complete
    assert problems(template_id, answers) == sorted((p, "hidden-answer") for p in pointers)
    assert problems(template_id, answers, draft=True) == []  # a draft keeps them


# --- the mistakes ---------------------------------------------------------------------------------


def expected_mistakes(template_id: str) -> list[tuple[str, str]]:
    listed = load_json(ANSWERS / template_id / "mistakes.expected.json")
    pairs = [(p["pointer"], p["code"]) for p in listed]
    assert all(set(p) == {"pointer", "code"} for p in listed)
    assert pairs == sorted(set(pairs)), "mistakes.expected.json is sorted, without duplicates"
    return pairs


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_mistakes_give_the_expected_problems(template_id: str) -> None:
    answers = load_json(ANSWERS / template_id / "mistakes.json")
    found = template(template_id).validate(answers, context=context())
    assert sorted((p.pointer, p.code) for p in found) == expected_mistakes(template_id)
    assert all(p.message.strip() for p in found), "every problem has a message for the client"


@pytest.mark.parametrize("formats", [False, True], ids=["no-format", "format"])
@pytest.mark.parametrize("template_id", TEMPLATES)
def test_schema_rejects_the_mistakes(template_id: str, formats: bool) -> None:
    answers = load_json(ANSWERS / template_id / "mistakes.json")
    expected = expected_mistakes(template_id)
    if all(is_runtime_only(template_id, p, c) for p, c in expected):
        pytest.skip("every expected problem is runtime-only: the schema may accept")
    assert not validators(template_id, "schema.json")[formats].is_valid(answers)


_MISSING = object()


def _single_mistakes(complete: dict[str, Any], mistakes: dict[str, Any], prefix: str = ""
                     ) -> Iterator[tuple[str, Any]]:
    """(pointer, function) pairs: each applies one of the mistakes' changes to complete.json."""
    for key in sorted(set(complete) | set(mistakes)):
        good, bad = complete.get(key, _MISSING), mistakes.get(key, _MISSING)
        if good == bad:
            continue
        if (isinstance(good, list) and isinstance(bad, list) and len(good) == len(bad)
                and all(isinstance(r, dict) for r in good + bad)):
            for i, (good_row, bad_row) in enumerate(zip(good, bad)):
                for pointer, change in _single_mistakes(good_row, bad_row, f"{prefix}/{key}/{i}"):
                    yield pointer, (lambda answers, key=key, i=i, change=change:
                                    {**answers, key: [*answers[key][:i], change(answers[key][i]), *answers[key][i + 1:]]})
            continue
        yield f"{prefix}/{key}", (lambda answers, key=key, bad=bad:
                                  {k: v for k, v in answers.items() if k != key} if bad is _MISSING
                                  else {**answers, key: copy.deepcopy(bad)})


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_each_mistake_alone_gets_the_same_verdict(template_id: str) -> None:
    """Each change of mistakes.json applied alone to complete.json: the schema accepts exactly
    when the runtime does, unless every runtime problem is runtime-only (then it may accept)."""
    complete = load_json(ANSWERS / template_id / "complete.json")
    mistakes = load_json(ANSWERS / template_id / "mistakes.json")
    plain, formats = validators(template_id, "schema.json")
    disagreements = []
    changes = list(_single_mistakes(complete, mistakes))
    assert len(changes) >= 8
    for pointer, change in changes:
        answers = change(complete)
        found = problems(template_id, answers)
        only_runtime = all(is_runtime_only(template_id, p, c) for p, c in found)
        for validator in (plain, formats):
            accepted = validator.is_valid(answers)
            if accepted != (not found) and not (accepted and only_runtime):
                disagreements.append((pointer, found, accepted))
    assert disagreements == []


# --- the command line -----------------------------------------------------------------------------


def _validate_cli(template_id: str, name: str, context_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "organizer", "validate", f"stdlib_templates/{template_id}.organizer",
         f"tests/stdlib/answers/{template_id}/{name}", "--context", str(context_file), *extra],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def context_file(tmp_path: Path) -> Path:
    path = tmp_path / "preview-context.json"
    path.write_text(json.dumps(context(), indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_cli_validate(template_id: str, context_file: Path) -> None:
    valid = _validate_cli(template_id, "complete.json", context_file)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "valid submission" in valid.stdout and "Traceback" not in valid.stderr

    invalid = _validate_cli(template_id, "mistakes.json", context_file)
    assert invalid.returncode == 1, invalid.stdout + invalid.stderr
    expected = expected_mistakes(template_id)
    for pointer, code in expected:
        assert f":{pointer}: " in invalid.stdout and f"[{code}]" in invalid.stdout
    assert f"{len(expected)} problems" in invalid.stdout

    as_json = _validate_cli(template_id, "mistakes.json", context_file, "--format", "json")
    assert as_json.returncode == 1, as_json.stdout + as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["valid"] is False and report["mode"] == "submission"
    assert sorted((p["pointer"], p["code"]) for p in report["problems"]) == expected
    assert all(p["message"] for p in report["problems"])


# --- empty answers --------------------------------------------------------------------------------


@pytest.mark.parametrize(("template_id", "name", "key"), [
    ("schedule_c_business", "complete.json", "naics_code"),   # help: "Leave it empty and we will choose one"
    ("schedule_c_business", "complete.json", "started"),      # an optional date
    ("nonprofit_990", "complete.json", "ruling_date"),         # an optional date
])
def test_an_optional_answer_left_empty_is_accepted(template_id: str, name: str, key: str) -> None:
    """A cleared field comes as `""`: no answer, so no pattern or date-format check applies to it,
    in the runtime and in both schemas (with and without format assertion)."""
    answers = {**load_json(ANSWERS / template_id / name), key: ""}
    assert problems(template_id, answers) == []
    assert problems(template_id, answers, draft=True) == []
    for artifact in ("schema.json", "draft.schema.json"):
        for validator in validators(template_id, artifact):
            assert schema_errors(validator, answers) == [], artifact
