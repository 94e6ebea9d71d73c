"""`organizer print` as a user runs it: a .organizer file or a built organizer.json, -o FILE or
stdout, --context, --name, --submitted, --pdf; exit 0, 1 for a template with errors or unreadable
input, 2 for usage; a clear message and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from print_helpers import ANSWERS, context, template

import organizer.pdf as pdf
from organizer.cli import main
from organizer.runtime.program import program_to_json

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "stdlib_templates" / "individual_1040.organizer"
COMPLETE = ANSWERS / "individual_1040" / "complete.json"
GOLDEN = Path(__file__).parent / "golden" / "individual_1040.complete.html"
SUBMITTED = "2027-01-20T14:05:00+00:00"


@pytest.fixture
def context_file(tmp_path: Path) -> Path:
    path = tmp_path / "context.json"
    path.write_text(json.dumps(context()), encoding="utf-8")
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([sys.executable, "-m", "organizer", *map(str, args)], capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr, done.stderr
    return done


def test_print_writes_the_golden_page(tmp_path: Path, context_file: Path) -> None:
    out = tmp_path / "out.html"
    assert main(["print", str(SOURCE), str(COMPLETE), "--context", str(context_file), "--submitted", SUBMITTED,
                 "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")


def test_a_built_organizer_json_prints_the_same(tmp_path: Path, context_file: Path) -> None:
    built = tmp_path / "organizer.json"
    built.write_text(json.dumps(program_to_json(template("individual_1040").program)), encoding="utf-8")
    out = tmp_path / "out.html"
    assert main(["print", str(built), str(COMPLETE), "--context", str(context_file), "--submitted", SUBMITTED,
                 "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")


def test_dash_writes_to_stdout_and_name_and_yaml_context_apply(tmp_path: Path) -> None:
    yaml_context = tmp_path / "context.yaml"
    yaml_context.write_text("client:\n  first_name: Ada\n  last_name: Lovelace\nyear: 2026\n", encoding="utf-8")
    done = run("print", SOURCE, COMPLETE, "--context", yaml_context, "--name", "Ada's <<year>> organizer", "-o", "-")
    assert done.returncode == 0, done.stderr
    page = done.stdout.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<h1>Ada&#39;s &lt;&lt;year&gt;&gt; organizer</h1>" in page
    assert "</span> Ada Lovelace</p>" in page and "Draft — not submitted" in page


def test_a_template_with_errors_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.organizer"
    broken.write_text('organizer t "T" {\n  section s "S" {\n    text b "B" when zz\n  }\n}\n', encoding="utf-8")
    assert main(["print", str(broken), str(COMPLETE), "-o", str(tmp_path / "out.html")]) == 1
    assert "broken.organizer:3:" in capsys.readouterr().out
    assert not (tmp_path / "out.html").exists()


@pytest.mark.parametrize(("answers", "message"), [
    ('{"first_name": ', "is not valid JSON"),
    ('{"x": NaN}', "NaN is not a JSON number"),
    (b"\xff\xfe", "not UTF-8"),
    ('["first_name"]', "the answers must be a JSON object"),
    (None, "cannot read the answers"),
])
def test_unreadable_answers_exit_1_with_a_message(tmp_path: Path, answers: str | bytes | None, message: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.json"
    if isinstance(answers, bytes):
        path.write_bytes(answers)
    elif answers is not None:
        path.write_text(answers, encoding="utf-8")
    assert main(["print", str(SOURCE), str(path), "-o", str(tmp_path / "out.html")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("organizer: ") and message in error and "Traceback" not in error


def test_other_failures_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["print", str(tmp_path / "missing.json"), str(COMPLETE), "-o", "-"]) == 1
    assert "missing.json" in capsys.readouterr().err
    assert main(["print", str(SOURCE), str(COMPLETE), "-o", str(tmp_path / "no" / "such" / "out.html")]) == 1
    assert "cannot write" in capsys.readouterr().err
    bad_context = tmp_path / "context.json"
    bad_context.write_text("[1]", encoding="utf-8")
    assert main(["print", str(SOURCE), str(COMPLETE), "--context", str(bad_context), "-o", "-"]) == 1
    assert "the context must be a mapping" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["print", str(SOURCE), str(COMPLETE)],  # no -o
    ["print", str(SOURCE), "-o", "-"],
    ["print", str(SOURCE), str(COMPLETE), "--submitted", "20/01/2027", "-o", "-"],
    ["print", str(SOURCE), str(COMPLETE), "--submitted", "2027-02-30", "-o", "-"],
    ["print", str(SOURCE), str(COMPLETE), "--colour", "-o", "-"],
])
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "usage: organizer" in capsys.readouterr().err


def test_pdf_without_the_extra_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(pdf, "why_no_pdf", lambda: "PDF output needs the pdf extra: pip install 'organizer[pdf]'")
    assert main(["print", str(SOURCE), str(COMPLETE), "--pdf", "-o", str(tmp_path / "out.pdf")]) == 2
    assert "organizer[pdf]" in capsys.readouterr().err and not (tmp_path / "out.pdf").exists()


def test_pdf_with_the_extra(tmp_path: Path) -> None:
    reason = pdf.why_no_pdf()
    if reason is not None:
        pytest.skip(reason)
    out = tmp_path / "out.pdf"
    assert main(["print", str(SOURCE), str(COMPLETE), "--pdf", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
