"""The lifecycle's commands: a season from the shell, and bad input as one line with exit 1 or 2."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from organizer.cli import main

from .support import SOURCE, Sink

CSV = "id,first_name,last_name,email,status,tax_id\nc1,Ada,Lovelace,ada@clients.example,active,123\n" \
      "c2,Bob,Smith,bob@clients.example,offline,456\n"


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORGANIZER_STORE", raising=False)
    (tmp_path / "season.organizer").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "clients.csv").write_text(CSV, encoding="utf-8")
    return tmp_path


def _ids(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines() if line and len(line.split()[0]) == 32]


def test_a_season_from_the_shell(shell: Path, sink: Sink, capsys: pytest.CaptureFixture[str]) -> None:
    smtp = f"127.0.0.1:{sink.server.port}"
    assert main(["firm", "--name", "Miller & Co", "--email", "office@miller.example", "--host", "miller.example"]) == 0
    assert main(["send", "season.organizer", "--clients", "clients.csv", "--name", "<<year>> · <<client.tax_id>>",
                 "--year", "2027"]) == 0
    first, second = _ids(capsys.readouterr().out)
    assert (shell / ".organizer" / "store.sqlite3").exists()
    assert main(["send", "season_tax", "--client", "c1", "--year", "2027"]) == 0
    assert "0 sent, 1 already sent" in capsys.readouterr().out
    assert main(["reminders", "run", "--now", "2030-01-01T00:00:00Z", "--smtp", smtp]) == 0
    out = capsys.readouterr().out
    assert "1 due, 1 queued" in out and "2 sent" in out  # the invite and the reminder of c1; c2 is offline
    assert main(["reminders", "set", first, "--off"]) == 0
    assert main(["resend", first]) == 0
    assert main(["list", "--client", "c1", "--todo"]) == 0
    assert "2027 · 123" in capsys.readouterr().out
    assert main(["outbox", "send", "--smtp", smtp]) == 0
    assert sorted(m.message_id.split("-")[1] for m in sink.messages) == ["invite", "reminder", "resend"]
    assert main(["archive", second]) == 0 and main(["delete", second]) == 0
    assert main(["list", "--state", "deleted"]) == 0
    assert _ids(capsys.readouterr().out)[-1] == second
    assert main(["history", first]) == 0
    kinds = [line.split()[2] for line in capsys.readouterr().out.splitlines()]
    assert kinds == ["create", "reminder", "reminders", "resend"]
    assert main(["history", second, "--format", "json"]) == 0
    assert [e["kind"] for e in json.loads(capsys.readouterr().out)] == ["create", "archive", "delete"]


def test_export_seal_and_verify_from_the_shell(shell: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from organizer.runtime.lifecycle.schema import install
    from organizer.runtime.lifecycle.states import submit
    from organizer.runtime.store import SQLiteStore

    assert main(["send", "season.organizer", "--clients", "clients.csv"]) == 0
    first = _ids(capsys.readouterr().out)[0]
    assert main(["export", first, "-o", "x.zip"]) == 1
    assert "only a submitted, sealed or archived organizer" in capsys.readouterr().err
    store = install(SQLiteStore(shell / ".organizer" / "store.sqlite3"))
    submit(store, first, answers={"first_name": "Ada", "moved": False}, base_revision=store.draft(first).revision)
    assert main(["seal", first]) == 0
    assert main(["export", first, "-o", "sealed.zip"]) == 0
    assert "seal.json" in zipfile.ZipFile(io.BytesIO((shell / "sealed.zip").read_bytes())).namelist()
    assert main(["verify", first, "--zip", "sealed.zip"]) == 0
    data = bytearray((shell / "sealed.zip").read_bytes())
    data[40] ^= 1
    (shell / "tampered.zip").write_bytes(bytes(data))
    assert main(["verify", first, "--zip", "tampered.zip"]) == 1
    assert main(["unsubmit", first]) == 1
    assert "cannot unsubmit an organizer that is sealed" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["send", "missing.organizer", "--client", "c1"], 1, "missing.organizer: no such file"),
    (["send", "unknown_template", "--client", "c1"], 1, "no template 'unknown_template'"),
    (["send", "season.organizer", "--client", "ghost"], 1, "no client 'ghost'"),
    (["send", "season.organizer", "--client", "c1", "--name", "<<nope>>"], 1, "not a name shortcode"),
    (["send", "season.organizer", "--clients", "missing.csv"], 1, "missing.csv"),
    (["send", "season.organizer"], 2, "one of the arguments --client --clients is required"),
    (["reminders", "run", "--now", "yesterday"], 2, "is not a time"),
    (["reminders", "run", "--smtp", "host:port"], 2, "is not HOST:PORT"),
    (["reminders", "set", "nope", "--after", "2"], 1, "was sent to a client"),
    (["clients", "import", "bad.csv"], 1, "bad.csv:2"),
    (["firm", "--timezone", "Mars/Olympus"], 1, "not a time zone"),
    (["export", "nope", "-o", "x.zip"], 1, "no organizer 'nope'"),
    (["seal", "nope"], 1, "no organizer 'nope'"),
    (["history", "nope"], 1, "no organizer 'nope'"),
    (["job", "move", "nope", "x:1"], 1, "no job 'nope'"),
])
def test_bad_input_is_one_line_without_a_traceback(shell: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                                   code: int, message: str) -> None:
    (shell / "bad.csv").write_text("id,name,status\nx,X,sleeping\n", encoding="utf-8")
    main(["clients", "import", "clients.csv"])
    capsys.readouterr()
    with pytest.raises(SystemExit) if code == 2 else contextlib.nullcontext():
        assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err

