"""`organizer check` as a user runs it (RELIABILITY P2): exit codes 0/1/2, JSON output, and never a
traceback, whatever the files hold."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.cli import main

GOOD = 'organizer t "T" {\n  section s "S" {\n    yesno a "A"\n    text b "B" when a\n  }\n}\n'
BROKEN = 'organizer t "T" {\n  section s "S" {\n    text b "B" when zz\n  }\n}\n'
WARNING_ONLY = 'organizer t "T" {\n  section s "S" {\n    text b "B" when 1 == 2\n  }\n}\n'
KEYS = {"file", "line", "column", "severity", "code", "message"}


def organizer(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "organizer", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", cwd=cwd, env=env, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    assert "internal error" not in done.stderr, done.stderr
    return done


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def json_items(stdout: str) -> list[dict[str, object]]:
    items = json.loads(stdout)
    assert isinstance(items, list)
    for item in items:
        assert KEYS <= item.keys(), item
        assert isinstance(item["line"], int) and isinstance(item["column"], int)
        assert item["line"] >= 1 and item["column"] >= 1
        assert item["severity"] in ("error", "warning")
    return items


def test_clean_file_exits_0(tmp_path: Path) -> None:
    done = organizer("check", write(tmp_path / "good.organizer", GOOD))
    assert done.returncode == 0
    assert "checked 1 file: no problems" in done.stdout


def test_file_with_errors_exits_1(tmp_path: Path) -> None:
    done = organizer("check", write(tmp_path / "broken.organizer", BROKEN))
    assert done.returncode == 1
    assert "broken.organizer:3:21: error: unknown question `zz`" in done.stdout


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    done = organizer("check", write(tmp_path / "warn.organizer", WARNING_ONLY))
    assert done.returncode == 0
    assert "warning: this condition is always false" in done.stdout and "1 warning" in done.stdout


def test_directory_with_a_good_and_a_broken_file(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "a_good.organizer", GOOD)
    write(tmp_path / "lib" / "nested" / "b_broken.organizer", BROKEN)
    write(tmp_path / "lib" / "notes.txt", "not a template")
    done = organizer("check", "lib", cwd=tmp_path)
    assert done.returncode == 1
    assert "checked 2 files: 1 error" in done.stdout
    assert f"lib{os.sep}nested{os.sep}b_broken.organizer:3:21: error" in done.stdout
    items = json_items(organizer("check", "--format", "json", "lib", cwd=tmp_path).stdout)
    assert [(Path(str(i["file"])).name, i["line"], i["column"], i["code"]) for i in items] == \
        [("b_broken.organizer", 3, 21, "unknown-id")]


def test_several_paths_are_all_checked(tmp_path: Path) -> None:
    one = write(tmp_path / "one.organizer", BROKEN)
    two = write(tmp_path / "two.organizer", BROKEN.replace("zz", "yy"))
    done = organizer("check", one, two, write(tmp_path / "three.organizer", GOOD))
    assert done.returncode == 1
    assert "unknown question `zz`" in done.stdout and "unknown question `yy`" in done.stdout
    assert "checked 3 files: 2 errors" in done.stdout


def test_empty_file(tmp_path: Path) -> None:
    done = organizer("check", write(tmp_path / "empty.organizer", b""))
    assert done.returncode == 1
    assert "empty.organizer:1:1: error: this file has no `organizer` block" in done.stdout


def test_binary_file(tmp_path: Path) -> None:
    blob = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    done = organizer("check", write(tmp_path / "image.organizer", blob))
    assert done.returncode == 1
    assert "image.organizer:1:1: error: this file is not UTF-8 text (byte 0x89)" in done.stdout


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes(tmp_path: Path, seed: int) -> None:
    data = random.Random(seed).randbytes(random.Random(seed).randint(1, 4000))
    done = organizer("check", write(tmp_path / "random.organizer", data))
    assert done.returncode == 1
    assert "random.organizer:" in done.stdout


def test_random_text_that_decodes(tmp_path: Path) -> None:
    rng = random.Random(7)
    alphabet = 'organizer section text when if else goto "{}()[]<>#=\\\n\t \r\x00\u202e\U0001f600'
    for i in range(20):
        write(tmp_path / f"r{i:02}.organizer", "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400))))
    done = organizer("check", tmp_path)
    assert done.returncode == 1
    assert "checked 20 files" in done.stdout


def test_nonexistent_path_is_reported_not_a_traceback(tmp_path: Path) -> None:
    done = organizer("check", tmp_path / "missing.organizer")
    assert done.returncode in (1, 2)  # SPEC 5 does not say; today it is 1 with a diagnostic
    assert "missing.organizer" in done.stdout + done.stderr
    assert "no such file" in (done.stdout + done.stderr).lower()


def test_nonexistent_path_next_to_a_good_file(tmp_path: Path) -> None:
    done = organizer("check", write(tmp_path / "good.organizer", GOOD), tmp_path / "missing.organizer")
    assert done.returncode in (1, 2)
    assert "missing.organizer" in done.stdout + done.stderr


def test_json_format(tmp_path: Path) -> None:
    path = write(tmp_path / "two.organizer",
                 'organizer t "T" {\n  section s "S" {\n    text a "\U0001f600" when zz\n'
                 '    integer n "N" min 5 max 1\n    note "x" when 1 == 2\n  }\n}\n')
    done = organizer("check", "--format", "json", path)
    assert done.returncode == 1
    items = json_items(done.stdout)
    assert [(i["line"], i["column"], i["severity"], i["code"]) for i in items] == [
        (3, 21, "error", "unknown-id"), (4, 25, "error", "min-above-max"), (5, 19, "warning", "constant-condition")]
    assert all(i["file"] == str(path) for i in items)


def test_json_format_for_clean_and_unreadable_files(tmp_path: Path) -> None:
    assert json_items(organizer("check", "--format", "json", write(tmp_path / "g.organizer", GOOD)).stdout) == []
    items = json_items(organizer("check", "--format", "json", write(tmp_path / "b.organizer", b"\xff\xfe")).stdout)
    assert [i["code"] for i in items] == ["encoding"]


def test_crlf_file_reports_the_right_line(tmp_path: Path) -> None:
    done = organizer("check", write(tmp_path / "crlf.organizer", BROKEN.replace("\n", "\r\n").encode()))
    assert done.returncode == 1 and "crlf.organizer:3:21: error" in done.stdout


def test_bom_file(tmp_path: Path) -> None:
    assert organizer("check", write(tmp_path / "bom.organizer", b"\xef\xbb\xbf" + GOOD.encode())).returncode == 0
    done = organizer("check", write(tmp_path / "bom_broken.organizer", b"\xef\xbb\xbf" + BROKEN.encode()))
    assert done.returncode == 1 and "bom_broken.organizer:3:21: error" in done.stdout


def test_broken_library_config_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "organizer.yaml", "context:\n  client: [1\n")
    write(tmp_path / "t.organizer", GOOD)
    done = organizer("check", tmp_path)
    assert done.returncode == 1
    assert "organizer.yaml" in done.stdout and "not valid YAML" in done.stdout


def test_library_config_adds_context_fields(tmp_path: Path) -> None:
    write(tmp_path / "organizer.yaml", "context:\n  client:\n    tax_id: string\n")
    write(tmp_path / "sub" / "t.organizer", GOOD.replace('"B"', '"B <<client.tax_id>>"'))
    assert organizer("check", tmp_path / "sub" / "t.organizer").returncode == 0


@pytest.mark.parametrize("args", [(), ("check",), ("check", "--format", "xml", "x.organizer"), ("frobnicate",),
                                  ("check", "--bogus", "x.organizer")])
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = organizer(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "usage:" in done.stderr


def test_help_exits_0() -> None:
    done = organizer("check", "--help")
    assert done.returncode == 0 and "--format" in done.stdout


@settings(deadline=None, max_examples=50)
@given(st.binary(max_size=600))
def test_any_bytes_in_process_exit_0_or_1(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "any.organizer"
    path.write_bytes(data)
    assert main(["check", str(path)]) in (0, 1)
    assert main(["check", "--format", "json", str(path)]) in (0, 1)
