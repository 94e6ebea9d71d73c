"""Golden diagnostics: `tests/errors/<mistake>.organizer` and the exact `organizer check` output for
it in `<mistake>.txt`. The rendered diagnostics are the product's UI, so every change shows in a diff.

Run `pytest --update-goldens` to rewrite the `.txt` files from the current output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from organizer.cli import main
from organizer.dsl.diagnostics import Diagnostic, Severity
from organizer.dsl.frontend import check_file, check_source
from organizer.dsl.render import render_human

ERRORS = Path(__file__).parents[1] / "errors"
CASES = sorted(p.stem for p in ERRORS.glob("*.organizer"))
_HEADER = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning): (?P<message>.*)$",
                     re.MULTILINE)


def run_check(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """`organizer check ARGS` in the errors folder, so files are shown as `<mistake>.organizer`."""
    monkeypatch.chdir(ERRORS)
    capsys.readouterr()
    code = main(["check", *args])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def checked(case: str) -> tuple[str, tuple[Diagnostic, ...]]:
    result = check_file(ERRORS / f"{case}.organizer", display=f"{case}.organizer")
    return result.text, result.diagnostics


def lines_of(text: str) -> list[str]:
    """The lines as the parser numbers them: BOM dropped, CRLF and lone CR are line ends."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def test_there_is_a_golden_for_at_least_30_mistakes() -> None:
    assert len(CASES) >= 30


def test_no_golden_without_its_template() -> None:
    orphans = sorted(p.name for p in ERRORS.glob("*.txt") if not p.with_suffix(".organizer").exists())
    assert orphans == []


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, update_goldens: bool, capsys: pytest.CaptureFixture[str],
                monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run_check(capsys, monkeypatch, f"{case}.organizer")
    golden = ERRORS / f"{case}.txt"
    if update_goldens:
        golden.write_bytes(out.encode("utf-8"))
    elif not golden.exists():
        pytest.fail(f"missing golden {golden.name}: run `pytest --update-goldens` and review the diff")
    assert out == golden.read_bytes().decode("utf-8")
    _, diagnostics = checked(case)
    assert code == (1 if any(d.severity is Severity.ERROR for d in diagnostics) else 0)


@pytest.mark.parametrize("case", CASES)
def test_every_golden_reports_something_inside_its_file(case: str) -> None:
    text, diagnostics = checked(case)
    assert diagnostics, f"{case}.organizer is meant to show a mistake but checks clean"
    lines = lines_of(text)
    for d in diagnostics:
        assert d.span.file == f"{case}.organizer"
        assert 1 <= d.span.line <= len(lines), d
        assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1, d
        assert (d.span.end_line, d.span.end_column) >= (d.span.line, d.span.column), d
        assert d.code and d.message and d.message == d.message.strip()


@pytest.mark.parametrize("case", CASES)
def test_json_output_agrees_with_the_human_output(case: str, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _, human = run_check(capsys, monkeypatch, f"{case}.organizer")
    _, machine = run_check(capsys, monkeypatch, "--format", "json", f"{case}.organizer")
    items = json.loads(machine)
    headers = [m.groupdict() for m in _HEADER.finditer(human)]
    assert [(i["file"], str(i["line"]), str(i["column"]), i["severity"], i["message"]) for i in items] == \
        [(h["file"], h["line"], h["column"], h["severity"], h["message"]) for h in headers]


def test_two_errors_in_one_file_are_both_reported() -> None:
    _, diagnostics = checked("two_errors_in_one_file")
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    assert [(d.code, d.span.line) for d in errors] == [("unknown-id", 4), ("min-above-max", 5)]


def test_all_goldens_checked_together_report_every_file(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run_check(capsys, monkeypatch, ".")
    assert code == 1
    assert f"\nchecked {len(CASES)} files: " in out
    for case in CASES:
        assert f"{case}.organizer:" in out, case


SPEC_EXAMPLE = '''\
income.organizer:14:27: error: "singel" is not an option of choice 'filing_status'
   |
14 |     when filing_status == "singel"
   |                           ^^^^^^^^ did you mean "single"?'''


def test_the_spec_section_5_example_renders_as_the_spec_shows() -> None:
    text = (ERRORS / "unknown_option_did_you_mean.organizer").read_text(encoding="utf-8")
    result = check_source(text, "income.organizer")
    rendered = render_human(result.diagnostics, {"income.organizer": text})
    assert len(result.diagnostics) == 1
    # The checker adds one `= help:` line listing the options under the four lines the SPEC shows.
    assert rendered.split("\n")[:4] == SPEC_EXAMPLE.split("\n")
    assert rendered.split("\n")[4:] == ["   = help: the options are single, mfj, mfs, hoh"]
