"""form.html in headless Chromium, driven as a person would: controls found by their labels and
roles. Logic jumps and hidden questions, computed values and piped answers updating, repeats,
validation messages equal to the Python runtime's, sections built when first shown (with answers
loaded before, on the review page and behind an error link), autosave payloads, their
Idempotency-Keys and a 409 against a server on 127.0.0.1, resume after a reload, a submission
without hidden answers, keyboard-only use, Dutch texts, a fitting control per question type, and
every page of every standard-library form labelled and fitting 320 px without errors.
Skipped when Playwright or Debian's chromium is missing (conftest.py)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from formkit import FIXTURES, FormServer, Watch, compile_fixture, compile_path, open_form

from organizer.compiler.form import render_form
from organizer.runtime.messages import problem_message
from organizer.runtime.program import Program
from organizer.runtime.template import Template

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = {"client": {"first_name": "Jane"}, "firm": {"email": "desk@firm.example"}, "year": 2026,
           "today": "2027-01-20"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.fixture
def household() -> Any:
    return compile_fixture("household.organizer")


def local_form(tmp_path: Path, program: Any, context: dict[str, Any] | None = None) -> str:
    """The page without a server (autosave to localStorage), as a file:// URL."""
    path = tmp_path / "form.html"
    path.write_text(render_form(program, context=context if context is not None else CONTEXT), encoding="utf-8")
    return path.as_uri()


def next_page(page: Any) -> None:
    page.get_by_role("button", name="Next").click()


def fill_about(page: Any, partner: bool, filing: str = "Together") -> None:
    page.get_by_label("First name").fill("Jane")
    page.get_by_role("group", name="Do you have a partner?").get_by_label("Yes" if partner else "No").check()
    if partner:
        page.get_by_label("Partner's name").fill("Sam")
    page.get_by_role("group", name="How do you file?").get_by_label(filing).check()


def step(page: Any) -> str:
    return page.locator("#step").inner_text()


def built_sections(page: Any) -> list[str]:
    return page.eval_on_selector_all("section[data-section]", "(all) => all.map((s) => s.dataset.section)")


def open_every_section(page: Any, program: Program, context: dict[str, Any], tmp_path: Path) -> None:
    """The form, with every section made visible (no `when`, no goto), opened on its review page and
    walked back to the first page: each section is built when first shown, so afterwards all of
    them are in the DOM."""
    sections = tuple(replace(s, visible_when=None, skipped_when=None) for s in program.sections)
    file = tmp_path / "every.html"
    file.write_text(render_form(replace(program, sections=sections), context=context, storage_key="every"),
                    encoding="utf-8")
    page.add_init_script("localStorage.setItem('every:position', JSON.stringify('review'))")
    open_form(page, file.as_uri())
    back = page.locator("#back")
    while back.is_visible():
        back.click()
    assert built_sections(page) == [s.id for s in program.sections]


# --- logic -------------------------------------------------------------------------------------------------


def test_hidden_question_and_logic_jump(page: Any, tmp_path: Path, household: Any) -> None:
    open_form(page, local_form(tmp_path, household))
    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    expect(page.get_by_label("Partner's name")).to_be_hidden()
    partner = page.get_by_role("group", name="Do you have a partner?")
    partner.get_by_label("Yes").check()
    expect(page.get_by_label("Partner's name")).to_be_visible()
    partner.get_by_label("No").check()
    expect(page.get_by_label("Partner's name")).to_be_hidden()
    page.get_by_label("First name").fill("Jane")
    page.get_by_role("group", name="How do you file?").get_by_label("Alone").check()
    assert step(page) == "Step 1 of 3"  # "Money" is skipped: About, Finish, review
    next_page(page)
    expect(page.get_by_role("heading", name="Finish")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    page.get_by_role("group", name="How do you file?").get_by_label("Together").check()
    assert step(page) == "Step 1 of 4"
    next_page(page)
    expect(page.get_by_role("heading", name="Money")).to_be_visible()
    assert page.watch.errors == [] and page.watch.dialogs == []


def test_computed_values_and_piped_answers_update(page: Any, tmp_path: Path, household: Any) -> None:
    open_form(page, local_form(tmp_path, household))
    expect(page.get_by_role("heading", name="Household check for Jane")).to_be_visible()
    assert page.title() == "Household check for Jane"
    fill_about(page, partner=False)
    next_page(page)
    expect(page.get_by_label("Salary of Jane")).to_be_visible()
    page.get_by_label("Salary of Jane").fill("1,000")
    page.get_by_label("Bonus").fill("234.5")
    expect(page.locator("output#q-total")).to_have_text("1,234.5")
    page.get_by_label("Bonus").fill("")
    expect(page.locator("output#q-total")).to_have_text("—")  # salary + null is null
    page.get_by_role("button", name="Back").click()
    page.get_by_label("First name").fill("Janet")
    next_page(page)
    expect(page.get_by_label("Salary of Janet")).to_be_visible()


def test_repeat_rows_with_row_conditions(page: Any, tmp_path: Path, household: Any) -> None:
    open_form(page, local_form(tmp_path, household))
    fill_about(page, partner=False)
    next_page(page)
    children = page.get_by_role("group", name="Children", exact=True)
    add = children.get_by_role("button", name="Add row")
    for n in range(3):
        add.click()
        row = children.get_by_role("group", name=f"Row {n + 1}")
        row.get_by_label("Name").fill(f"Child {n + 1}")
        row.get_by_label("Age").fill(str(10 + 5 * n))
    expect(add).to_be_disabled()  # max 3
    expect(page.locator("output#q-child_count")).to_have_text("3")
    expect(children.get_by_role("group", name="Row 1").get_by_text("Studying?")).to_be_hidden()
    expect(children.get_by_role("group", name="Row 3").get_by_text("Studying?")).to_be_visible()  # age 20
    children.get_by_role("group", name="Row 2").get_by_role("button", name="Remove row").click()
    expect(page.locator("output#q-child_count")).to_have_text("2")
    expect(add).to_be_enabled()
    rows = page.evaluate("OrganizerForm.answers().children")
    assert [r["child_name"] for r in rows] == ["Child 1", "Child 3"]
    expect(children.get_by_role("group", name="Row 2").get_by_label("Name")).to_have_value("Child 3")


def test_validation_messages_match_the_python_runtime(page: Any, tmp_path: Path, household: Any) -> None:
    open_form(page, local_form(tmp_path, household))
    next_page(page)  # nothing answered: required problems, and the page stays
    summary = page.get_by_role("alert").filter(has_text="There are problems with 3 answers")
    expect(summary).to_be_visible()
    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    expect(page.locator("#q-first_name-error")).to_have_text("Answer this question.")
    expect(page.locator("#q-has_partner-error")).to_have_text("Choose yes or no.")
    first = page.get_by_label("First name")
    assert first.get_attribute("aria-invalid") == "true"
    assert "q-first_name-error" in first.get_attribute("aria-describedby")
    summary.get_by_role("link", name=re.compile("^First name")).click()
    expect(first).to_be_focused()
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_label("Email address").blur()
    expected = Template(household).validate({"email": "not-an-email"}, draft=True, context=CONTEXT)[0].message
    expect(page.locator("#q-email-error")).to_have_text(expected)
    page.get_by_label("Email address").fill("jane@example.com")
    expect(page.locator("#q-email-error")).to_be_hidden()  # shown errors follow the typing
    fill_about(page, partner=False)
    next_page(page)
    page.get_by_label("Salary of Jane").fill("-5")
    page.get_by_label("Bonus").fill("12.345")
    page.get_by_label("Bonus").blur()
    page.get_by_label("Date you moved").fill("2027-03-01")  # after today (2027-01-20)
    next_page(page)
    answers = {"first_name": "Jane", "has_partner": False, "filing": "together", "salary": -5, "bonus": 12.345,
               "moved": "2027-03-01"}
    python = {p.pointer: p.message for p in Template(household).validate(answers, context=CONTEXT)}
    assert python == {"/salary": "Enter an amount of at least €0.00.",
                      "/bonus": "Enter the amount with at most 2 decimals.",
                      "/moved": "Enter a date on or before 20 January 2027."}
    for pointer, message in python.items():
        expect(page.locator(f"#q-{pointer[1:]}-error")).to_have_text(message)
    page.get_by_label("Bonus").fill("12,5x")
    page.get_by_label("Bonus").blur()
    expect(page.locator("#q-bonus-error")).to_have_text("Enter an amount.")


# --- sections built when first shown ---------------------------------------------------------------------


def test_answers_loaded_before_a_section_is_built_show_in_it(page: Any, server: FormServer, household: Any) -> None:
    url = server.add(household, CONTEXT)
    name = server.name_of(url)
    server.store(name, {"first_name": "Jane", "has_partner": False, "filing": "together", "salary": 5000,
                        "children": [{"child_name": "Ann", "age": 19}]})
    open_form(page, url)
    expect(page.get_by_label("First name")).to_have_value("Jane")
    assert built_sections(page) == ["about"]
    next_page(page)
    expect(page.get_by_label("Salary of Jane")).to_have_value("5,000")
    expect(page.locator("output#q-total")).to_have_text("—")
    row = page.get_by_role("group", name="Children", exact=True).get_by_role("group", name="Row 1")
    expect(row.get_by_label("Name")).to_have_value("Ann")
    expect(row.get_by_text("Studying?")).to_be_visible()  # its row condition (age >= 18) applied
    assert built_sections(page) == ["about", "money"]


def test_review_lists_sections_never_shown_and_links_to_their_problems(page: Any, tmp_path: Path,
                                                                        household: Any) -> None:
    answers = {"first_name": "Jane", "has_partner": True, "filing": "together", "salary": 5000, "contact": "phone"}
    file = tmp_path / "form.html"
    file.write_text(render_form(household, context=CONTEXT, storage_key="resume"), encoding="utf-8")
    page.add_init_script(f"""localStorage.setItem("resume", {json.dumps(json.dumps({"answers": answers}))});
                             localStorage.setItem("resume:position", '"review"');""")
    open_form(page, file.as_uri())
    review = page.locator("#review")
    expect(review.get_by_role("heading", name="Money")).to_be_visible()
    expect(review).to_contain_text("€5,000.00")
    expect(review).to_contain_text("Phone")
    assert built_sections(page) == []
    review.get_by_role("button", name="Change").nth(1).click()  # Money's
    expect(page.get_by_label("Salary of Jane")).to_have_value("5,000")
    next_page(page)
    next_page(page)
    page.get_by_role("button", name="Submit").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("There is a problem with 1 answer")
    summary.get_by_role("link", name=re.compile("^Partner's name")).click()
    expect(page.get_by_label("Partner's name")).to_be_focused()
    expect(page.locator("#q-partner_name-error")).to_have_text("Answer this question.")
    assert built_sections(page) == ["about", "money", "finish"]


# --- autosave, resume, submit --------------------------------------------------------------------------------


def _put(server: FormServer, name: str, count: int, page: Any) -> Any:
    """The `count`-th autosave request of form `name` (waiting up to 10 s for it)."""
    for _ in range(100):
        puts = [p for p in server.puts if p[0] == name]
        if len(puts) >= count:
            return puts[count - 1]
        page.wait_for_timeout(100)
    raise AssertionError(f"no autosave number {count}: {server.puts}")


def _saved(server: FormServer, name: str, key: str, page: Any) -> Any:
    """The saved value of `key` once the server has it (waiting up to 10 s)."""
    for _ in range(100):
        answers = server.saved.get(name, {}).get("answers", {})
        if key in answers:
            return answers[key]
        page.wait_for_timeout(100)
    raise AssertionError(f"{key} was never saved: {server.saved.get(name)}")


def test_autosave_payloads_and_a_conflict(page: Any, server: FormServer, household: Any) -> None:
    url = server.add(household, CONTEXT)
    name = server.name_of(url)
    open_form(page, url)
    page.get_by_label("First name").fill("Jane")
    _, body, status, first_key = _put(server, name, 1, page)
    assert body == {"base_revision": None, "answers": {"first_name": "Jane"}} and status == 200
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_role("group", name="Do you have a partner?").get_by_label("Yes").check()
    _, body, status, key = _put(server, name, 2, page)
    assert body == {"base_revision": 1, "answers": {"first_name": "Jane", "has_partner": True}} and status == 200
    assert UUID.fullmatch(first_key) and UUID.fullmatch(key) and key != first_key  # one key per save
    # another device saves newer answers, one of them on a page not shown yet; this page's next save is stale
    server.store(name, {"first_name": "Janneke", "has_partner": False, "filing": "together", "salary": 1200})
    page.get_by_label("Email address").fill("jane@example.com")
    _, body, status, _ = _put(server, name, 3, page)
    assert body["base_revision"] == 2 and status == 409
    expect(page.locator("#notice")).to_contain_text("changed somewhere else")
    expect(page.get_by_label("First name")).to_have_value("Janneke")
    expect(page.get_by_role("group", name="Do you have a partner?").get_by_label("No")).to_be_checked()
    expect(page.get_by_label("Email address")).to_have_value("")
    assert server.saved[name]["answers"]["first_name"] == "Janneke"  # never overwritten
    page.get_by_label("Email address").fill("j@example.com")
    _, body, status, _ = _put(server, name, 4, page)
    assert status == 200 and body["base_revision"] == 3
    assert body["answers"] == {"first_name": "Janneke", "has_partner": False, "filing": "together", "salary": 1200,
                               "email": "j@example.com"}
    next_page(page)
    expect(page.get_by_label("Salary of Janneke")).to_have_value("1,200")


def test_a_save_whose_answer_was_lost_is_sent_again_with_its_key(page: Any, server: FormServer,
                                                                  household: Any) -> None:
    url = server.add(household, CONTEXT)
    name = server.name_of(url)
    open_form(page, url)
    server.lose("PUT", name)  # the server stores the save, the page never hears of it
    page.get_by_label("First name").fill("Jane")
    _, lost, _, key = _put(server, name, 1, page)
    expect(page.locator("#save-status")).to_have_text("Your answers could not be saved. We will try again.")
    page.get_by_label("Email address").fill("jane@example.com")
    assert _put(server, name, 2, page) == (name, lost, 200, key)  # the same save first, answered as the first time
    _, body, status, newer = _put(server, name, 3, page)
    assert body == {"base_revision": 1, "answers": {"first_name": "Jane", "email": "jane@example.com"}}
    assert status == 200 and newer != key and server.saved[name]["revision"] == 2
    expect(page.locator("#save-status")).to_have_text("Saved")
    expect(page.locator("#notice")).to_be_hidden()


def test_resume_after_reload_from_the_server(page: Any, server: FormServer, household: Any) -> None:
    url = server.add(household, CONTEXT)
    name = server.name_of(url)
    open_form(page, url)
    fill_about(page, partner=True)
    next_page(page)
    page.get_by_label("Salary of Jane").fill("5000")
    assert _saved(server, name, "salary", page) == 5000
    page.reload()
    page.wait_for_selector("#organizer[data-ready]")
    expect(page.get_by_role("heading", name="Money")).to_be_visible()
    expect(page.get_by_label("Salary of Jane")).to_have_value("5,000")
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("Partner's name")).to_have_value("Sam")


def test_resume_after_reload_from_local_storage(page: Any, tmp_path: Path, household: Any) -> None:
    open_form(page, local_form(tmp_path, household))
    fill_about(page, partner=True)
    page.get_by_label("Email address").fill("jane@example.com")
    expect(page.locator("#save-status")).to_have_text("Saved on this device")
    page.reload()
    page.wait_for_selector("#organizer[data-ready]")
    expect(page.get_by_label("First name")).to_have_value("Jane")
    expect(page.get_by_label("Partner's name")).to_have_value("Sam")
    expect(page.get_by_label("Email address")).to_have_value("jane@example.com")
    expect(page.locator("#save-status")).to_have_text("Continue where you left off")


def test_submission_leaves_out_hidden_answers(page: Any, server: FormServer, household: Any) -> None:
    url = server.add(household, CONTEXT)
    name = server.name_of(url)
    open_form(page, url)
    fill_about(page, partner=True)  # partner's name "Sam" typed, then hidden again
    page.get_by_role("group", name="Do you have a partner?").get_by_label("No").check()
    page.get_by_role("group", name="How do you file?").get_by_label("Alone").check()
    next_page(page)  # jumps to Finish
    page.get_by_label("Contact by").select_option(label="Phone")
    next_page(page)
    review = page.locator("#review")
    expect(review.get_by_role("heading", name="Review your answers")).to_be_visible()
    expect(review).to_contain_text("Phone")
    expect(review).not_to_contain_text("Sam")
    assert _saved(server, name, "contact", page) == "phone"
    assert server.saved[name]["answers"]["partner_name"] == "Sam"  # kept in the draft
    server.lose("POST", name)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#notice")).to_have_text("Your answers could not be sent. Please try again.")
    page.get_by_role("button", name="Submit").click()  # a retry: the same key, answered as the first time
    expect(page.get_by_role("heading", name="Thank you. Your answers have been sent.")).to_be_visible()
    (_, body, key), retry = [s for s in server.submits if s[0] == name]
    assert retry == (name, body, key) and UUID.fullmatch(key)
    assert body["answers"] == {"first_name": "Jane", "has_partner": False, "filing": "alone", "contact": "phone"}
    assert Template(household).validate(body["answers"], context=CONTEXT) == []


def test_uploads_go_to_the_server_and_file_checks_run_first(page: Any, server: FormServer, household: Any) -> None:
    url = server.add(household, CONTEXT)
    name = server.name_of(url)
    open_form(page, url)
    fill_about(page, partner=False)
    next_page(page)
    upload = page.get_by_label("Payslips")
    upload.set_input_files([{"name": "march.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 march"}])
    expect(page.get_by_text("march.pdf")).to_be_visible()
    upload.set_input_files([{"name": "photo.heic", "mimeType": "image/heic", "buffer": b"x"}])
    expect(page.locator("#q-payslips-error")).to_have_text("Upload a file of one of these types: pdf.")
    upload.set_input_files([{"name": "big.pdf", "mimeType": "application/pdf", "buffer": b"x" * (1024 * 1024 + 1)}])
    expect(page.locator("#q-payslips-error")).to_have_text("Upload a file of at most 1 MB.")
    assert [u[1] for u in server.uploads if u[0] == name] == ["march.pdf"]
    files = page.evaluate("OrganizerForm.answers().payslips")
    assert files == [{"name": "march.pdf", "size": 14, "media_type": "application/pdf",
                      "sha256": hashlib.sha256(b"%PDF-1.4 march").hexdigest()}]
    page.get_by_role("button", name="Remove file").click()
    expect(page.get_by_text("march.pdf")).to_be_hidden()
    assert "payslips" not in page.evaluate("OrganizerForm.answers()")


def test_keyboard_only_completion(page: Any, server: FormServer, household: Any) -> None:
    url = server.add(household, CONTEXT)
    name = server.name_of(url)
    open_form(page, url)
    keyboard = page.keyboard
    expect(page.get_by_role("heading", name="About you")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_label("First name")).to_be_focused()
    keyboard.type("Jane")
    keyboard.press("Tab")  # into the yes/no radio group
    keyboard.press("ArrowDown")  # "No" (arrow keys move and check within a radio group)
    keyboard.press("Tab")  # into "How do you file?"
    keyboard.press("Space")  # "Alone"
    keyboard.press("Enter")  # implicit submission: Next
    expect(page.get_by_role("heading", name="Finish")).to_be_focused()
    keyboard.press("Tab")  # the privacy link in the note
    expect(page.get_by_role("link", name="privacy notice")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_label("Contact by")).to_be_focused()
    keyboard.press("Tab")
    keyboard.type("Thanks")
    keyboard.press("Tab")
    keyboard.press("Tab")  # past Back to Next
    expect(page.get_by_role("button", name="Next")).to_be_focused()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Review your answers")).to_be_focused()
    page.get_by_role("button", name="Submit").focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you. Your answers have been sent.")).to_be_visible()
    (_, body, _), = [s for s in server.submits if s[0] == name]
    assert body["answers"] == {"first_name": "Jane", "has_partner": False, "filing": "alone", "remarks": "Thanks"}


def test_dutch_texts_dates_and_money(page: Any, tmp_path: Path) -> None:
    source = (Path(__file__).parent / "fixtures" / "household.organizer").read_text(encoding="utf-8")
    source = source.replace('organizer household "Household check for <<client.first_name | you>>" {',
                            'organizer household "Huishouden" {\n  language nl')
    program = compile_fixture("nl.organizer", source)
    open_form(page, local_form(tmp_path, program))
    assert step(page) == "Stap 1 van 4"
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("#q-first_name-error")).to_have_text("Beantwoord deze vraag.")
    expect(page.get_by_role("alert").filter(has_text="Er zijn problemen met 3 antwoorden")).to_be_visible()
    page.get_by_label("First name").fill("Jane")
    page.get_by_role("group", name="Do you have a partner?").get_by_label("Nee").check()
    page.get_by_role("group", name="How do you file?").get_by_label("Together").check()
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Salary of Jane").fill("1.000")
    page.get_by_label("Bonus").fill("234,5")
    expect(page.locator("output#q-total")).to_have_text("1.234,5")
    page.get_by_label("Date you moved").fill("2027-03-01")
    page.get_by_label("Date you moved").blur()
    expect(page.locator("#q-moved-error")).to_have_text("Vul een datum in op of voor 20 januari 2027.")
    page.get_by_label("Salary of Jane").fill("-1")
    page.get_by_label("Salary of Jane").blur()
    expect(page.locator("#q-salary-error")).to_have_text("Vul een bedrag in van minstens € 0,00.")


# --- controls, labels, layout and the standard library ---------------------------------------------------------

SOURCES = sorted([*ROOT.glob("stdlib_templates/*.organizer"), ROOT / "tests" / "fixtures" / "spec_example.organizer",
                  FIXTURES / "household.organizer", FIXTURES / "semantics.organizer"])

# What the DOM must hold: unique ids, every label bound, every aria reference present, every
# control labelled, every fieldset with a legend.
LABELLING_PROBLEMS = """() => {
  const problems = [];
  const ids = new Set();
  document.querySelectorAll("[id]").forEach((e) => { if (ids.has(e.id)) problems.push("duplicate id " + e.id); ids.add(e.id); });
  document.querySelectorAll("label").forEach((l) => { if (!document.getElementById(l.htmlFor)) problems.push("label for " + l.htmlFor); });
  document.querySelectorAll("[aria-describedby], [aria-labelledby]").forEach((e) => {
    for (const name of ["aria-describedby", "aria-labelledby"]) {
      for (const ref of (e.getAttribute(name) || "").split(" ").filter(Boolean)) {
        if (!document.getElementById(ref)) problems.push(name + " " + ref);
      }
    }
  });
  document.querySelectorAll("input, select, textarea").forEach((c) => { if (!c.labels.length) problems.push("no label: " + c.id); });
  document.querySelectorAll("fieldset").forEach((f) => { if (!f.querySelector(":scope > legend")) problems.push("no legend: " + f.id); });
  return problems;
}"""


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_every_page_is_labelled_and_fits_320_px(browser: Any, tmp_path: Path, path: Path) -> None:
    program, preview = compile_path(path)
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    watch = Watch(page)
    open_every_section(page, program, {**CONTEXT, **preview, "today": "2027-01-20"}, tmp_path)
    page.evaluate("() => document.querySelectorAll('[data-add-row]').forEach((b) => b.click())")  # a row in every repeat
    assert page.evaluate(LABELLING_PROBLEMS) == []
    # every page at once, every conditional item shown
    page.evaluate("() => document.querySelectorAll('section.page, .item, [data-field]').forEach((e) => { e.hidden = false; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert watch.errors == [] and watch.dialogs == [] and page.evaluate("window.__csp") == []
    context.close()


def test_each_question_type_gets_a_fitting_native_control(page: Any, tmp_path: Path) -> None:
    open_every_section(page, compile_fixture("semantics.organizer"), CONTEXT, tmp_path)
    page.get_by_role("group", name="Rows").get_by_role("button", name="Add row").click()
    by_id = page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll("#form [id]"), (e) =>
        [e.id, Object.assign({tag: e.tagName.toLowerCase()}, ...Array.from(e.attributes, (a) => ({[a.name]: a.value})))]))""")

    def types(name: str) -> list[str]:
        return page.eval_on_selector_all(f"[name='{name}']", "(all) => all.map((e) => e.type)")

    assert by_id["q-a"]["inputmode"] == "decimal" and by_id["q-whole"]["inputmode"] == "numeric"
    assert by_id["q-a"]["type"] == "text" and by_id["q-t1"]["spellcheck"] == "true"
    assert by_id["q-m-currency"]["tag"] == "span" and "q-m-currency" in by_id["q-m"]["aria-describedby"]
    assert by_id["q-ordered"]["tag"] == "fieldset" and types("q-ordered") == ["radio", "radio"]  # yesno
    assert by_id["q-ordered-o0"]["value"] == "true" and page.text_content("label[for='q-ordered-o0']") == "Yes"
    assert types("q-picks") == ["checkbox"] * 3
    assert by_id["q-c"]["tag"] == "select"  # `as dropdown`
    assert page.locator("#q-c option").all_inner_texts() == ["Choose…", "One", "Two"]
    assert by_id["q-d"]["type"] == "date" and by_id["q-d"]["min"] == "2000-01-01" and by_id["q-d"]["max"] == "2027-01-20"
    assert by_id["q-mail"]["type"] == "email" and by_id["q-tel"]["type"] == "tel"
    docs = by_id["q-docs"]
    assert docs["type"] == "file" and docs["accept"] == ".pdf,.png" and "multiple" in docs
    hints = [problem_message("file-type", {"accept": ["pdf", "png"]}, "en", "file"),
             problem_message("file-size", {"max_size": 1572864}, "en", "file"),
             problem_message("max-items", {"max": 2, "count": 2}, "en", "file")]
    assert page.locator("#q-docs-hint li").all_inner_texts() == hints
    assert hints[:2] == ["Upload a file of one of these types: pdf, png.", "Upload a file of at most 1,536 KB."]
    assert by_id["q-ratio"]["tag"] == "output"
    assert by_id["q-rows"]["tag"] == "fieldset" and by_id["q-rows-0-amount"]["tag"] == "input"


# --- RELIABILITY 3.2 (5): what the page accepts and shows is what the runtime says ---------------------------

FILLS = [
    ("#q-a", "12.5"), ("#q-b", "0"), ("#q-b", "-0"), ("#q-b", "1e3"), ("#q-b", "3"), ("#q-m", "19.999"),
    ("#q-m", "1,000,000.01"), ("#q-m", "-12.50"), ("#q-yen", "100.5"), ("#q-yen", "100"), ("#q-whole", "2.5"),
    ("#q-whole", "-6"), ("#q-whole", "5,000"), ("#q-whole", "abc"), ("#q-t1", "\U0001f600"), ("#q-t2", "\U0001f600"),
    ("#q-t2", "\U0001f600" * 8), ("#q-t2", "\U0001f600" * 9), ("#q-t2", "e\u0301e\u0301e\u0301e\u0301"),
    ("#q-t1", "\U0001f600" * 8), ("#q-a", "9007199254740993"), ("#q-a", "0.1"), ("#q-b", "0.2"),
]


def test_the_page_and_the_runtime_agree_on_typed_values(page: Any, tmp_path: Path) -> None:
    program = compile_fixture("semantics.organizer")
    template = Template(program)
    open_form(page, local_form(tmp_path, program))
    disagreements = []
    for selector, text in FILLS:
        page.locator(selector).fill(text)
        page.locator(selector).blur()
        payload = page.evaluate("OrganizerForm.submission()")
        in_page = sorted((p["pointer"], p["code"], p["message"]) for p in page.evaluate("OrganizerForm.problems()"))
        python = sorted((p.pointer, p.code, p.message) for p in template.validate(payload, context=CONTEXT))
        state = template.evaluate(payload, CONTEXT).to_json()
        if in_page != python or page.evaluate("OrganizerForm.state()")["computed"] != state["computed"]:
            disagreements.append((selector, text, in_page, python))
        shown = page.locator(f"{selector}-error")
        own = [m for p, _, m in python if p == "/" + selector[3:]]
        if own and "required" not in [c for p, c, _ in python if p == "/" + selector[3:]]:
            expect(shown).to_have_text(" ".join(dict.fromkeys(own)))
        else:
            expect(shown).to_be_hidden()
    assert disagreements == []
    assert page.evaluate("OrganizerForm.answers()")["t1"] == "\U0001f600" * 8  # 8 code points: no maxlength cut
