"""compile_source and build_library: artifacts, determinism, incremental reuse, broken templates,
duplicate ids, stale folders, the index, organizer.yaml per library."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from organizer.compiler.build import EMITTERS, build_library, compile_source, dumps

ROOT = Path(__file__).parent.parent.parent
SPEC_EXAMPLE = ROOT / "tests" / "fixtures" / "spec_example.organizer"
SMALL = 'organizer small "Small <<year>> \\<<x>>" {\n  section s "S" {\n    text a "A"\n  }\n}\n'
BROKEN = 'organizer broken "Broken" {\n  section s "S" {\n    text a "A" when b == 1\n  }\n}\n'
NAMES = ["draft.schema.json", "form.html", "organizer.json", "schema.json"]


def library(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    (lib / "nested").mkdir(parents=True)
    shutil.copy(SPEC_EXAMPLE, lib / "individual.organizer")
    (lib / "nested" / "small.organizer").write_text(SMALL, encoding="utf-8")
    (lib / "broken.organizer").write_text(BROKEN, encoding="utf-8")
    (lib / "notes.txt").write_text("not a template", encoding="utf-8")
    return lib


def test_compile_source_returns_every_artifact_serialised_stably() -> None:
    result = compile_source(SPEC_EXAMPLE.read_text(encoding="utf-8"), "spec_example.organizer")
    assert result.ok and result.program is not None
    assert sorted(result.artifacts) == NAMES
    for name, text in result.artifacts.items():
        assert text.endswith("\n")
        if name.endswith(".json"):
            assert dumps(json.loads(text)) == text  # sorted keys, indent 2, nothing else
    assert json.loads(result.artifacts["organizer.json"])["format"] == "organizer/1"


def test_compile_source_reports_errors_without_artifacts() -> None:
    result = compile_source(BROKEN, "broken.organizer")
    assert not result.ok and result.artifacts == {}
    assert any(d.code == "unknown-id" for d in result.diagnostics)
    assert not compile_source("", "empty.organizer").ok
    assert not compile_source("organizer {", "bad.organizer").ok


def test_two_compiles_are_byte_identical() -> None:
    text = SPEC_EXAMPLE.read_text(encoding="utf-8")
    assert compile_source(text, "x.organizer").artifacts == compile_source(text, "x.organizer").artifacts


def test_emitters_are_a_list_to_extend() -> None:
    assert all(callable(e) for e in EMITTERS)
    extra = lambda program: {"extra.txt": program.id + "\n"}  # noqa: E731
    EMITTERS.append(extra)
    try:
        assert compile_source(SMALL, "s.organizer").artifacts["extra.txt"] == "small\n"
    finally:
        EMITTERS.remove(extra)


def test_build_library_builds_the_good_and_reports_the_broken(tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = build_library([library(tmp_path)], out)
    assert {t.source: t.status for t in report.templates} == {
        "broken.organizer": "failed", "individual.organizer": "built", "nested/small.organizer": "built"}
    assert not report.ok and report.failed[0].diagnostics
    for ident in ("individual_tax", "small"):
        assert sorted(p.name for p in (out / ident).iterdir()) == NAMES
    index = json.loads((out / "index.json").read_text())
    entries = {t["id"]: t for t in index["templates"]}
    assert list(entries) == ["individual_tax", "small"]
    assert entries["small"]["title"] == "Small <<year>> \\<<x>>"
    assert entries["small"]["source"] == "nested/small.organizer"
    assert entries["small"]["artifacts"] == NAMES
    import hashlib
    assert entries["small"]["sha256"] == hashlib.sha256(SMALL.encode()).hexdigest()


def test_rebuild_reuses_unchanged_sources(tmp_path: Path) -> None:
    lib, out = library(tmp_path), tmp_path / "out"
    build_library([lib], out)
    stamp = (out / "small" / "schema.json").stat().st_mtime_ns
    index = (out / "index.json").read_text()
    again = build_library([lib], out)
    assert {t.id for t in again.reused} == {"individual_tax", "small"}
    assert again.built == ()
    assert (out / "small" / "schema.json").stat().st_mtime_ns == stamp  # not written again
    assert (out / "index.json").read_text() == index
    (lib / "nested" / "small.organizer").write_text(SMALL.replace('"A"', '"A2"'), encoding="utf-8")
    (lib / "broken.organizer").write_text(BROKEN.replace("b == 1", "a == \"x\"").replace(
        'text a "A"', 'text b "B"\n    text a "A"').replace("a == ", "b == "), encoding="utf-8")
    third = build_library([lib], out)
    assert {t.source: t.status for t in third.templates} == {
        "broken.organizer": "built", "individual.organizer": "reused", "nested/small.organizer": "built"}
    assert third.ok


def test_missing_artifact_is_rebuilt_and_removed_templates_are_cleaned(tmp_path: Path) -> None:
    lib, out = library(tmp_path), tmp_path / "out"
    build_library([lib], out)
    (out / "small" / "schema.json").unlink()
    assert {t.id: t.status for t in build_library([lib], out).templates if t.id} == {
        "individual_tax": "reused", "small": "built"}
    (lib / "nested" / "small.organizer").unlink()
    build_library([lib], out)
    assert not (out / "small").exists()
    assert [t["id"] for t in json.loads((out / "index.json").read_text())["templates"]] == ["individual_tax"]


def test_same_bytes_in_two_output_folders(tmp_path: Path) -> None:
    lib = library(tmp_path)
    build_library([lib], tmp_path / "one")
    build_library([lib], tmp_path / "two")
    for path in sorted((tmp_path / "one").rglob("*.json")):
        assert path.read_bytes() == (tmp_path / "two" / path.relative_to(tmp_path / "one")).read_bytes()


def test_duplicate_template_ids_fail_the_later_file(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.organizer").write_text(SMALL, encoding="utf-8")
    (lib / "b.organizer").write_text(SMALL, encoding="utf-8")
    report = build_library([lib], tmp_path / "out")
    assert [(t.source, t.status) for t in report.templates] == [("a.organizer", "built"), ("b.organizer", "failed")]
    assert report.failed[0].diagnostics[-1].code == "duplicate-template"


def test_library_config_is_found_above_each_template(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "organizer.yaml").write_text("context:\n  client:\n    tax_id: string\n", encoding="utf-8")
    (lib / "t.organizer").write_text(
        'organizer t "T" {\n  section s "S" {\n    text id "Tax id" prefill client.tax_id\n  }\n}\n', encoding="utf-8")
    report = build_library([lib / "t.organizer"], tmp_path / "out")
    assert report.ok, [str(d) for d in report.diagnostics]
    report = build_library([lib], tmp_path / "out2")
    assert report.ok


def test_missing_path_is_a_diagnostic(tmp_path: Path) -> None:
    report = build_library([tmp_path / "nope"], tmp_path / "out")
    assert not report.ok and report.diagnostics[0].code == "io"
    assert json.loads((tmp_path / "out" / "index.json").read_text())["templates"] == []
