"""RELIABILITY 3.5, oracle pre-flight: before trusting Python jsonschema (J) and Ajv (A) as oracles of the
equivalence property, run the official JSON-Schema-Test-Suite (draft 2020-12) through both, for every
keyword the compiler emits, and require every test to pass. The only failures allowed are listed in
suite_runner.KNOWN_FAILURES, each with its reason (optional format files, and a few core tests that
exercise constructs the compiler never emits); a listed failure that starts passing fails the run,
so the list stays exact.

The suite is read from `../shared/data/json-schema-test-suite/draft2020-12/` (relative to the repository
root); without it the module is skipped. `python bench/oracles.py` prints the pass counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ajv_oracle import AjvOracle
from suite_runner import (
    CORE_FILES, FORMAT_FILES, JS_PROTOTYPE_NAMES, KEYWORD_FILES, KNOWN_FAILURES, Emitted, Outcome, collect, plan,
    run_ajv, run_jsonschema, suite_dir,
)

from organizer.compiler.build import compile_source
from organizer.dsl.config import find_config, load_config

ROOT = Path(__file__).resolve().parent.parent.parent
SUITE = suite_dir()
if SUITE is None:
    pytest.skip("the JSON-Schema-Test-Suite is not there: expected ../shared/data/json-schema-test-suite/draft2020-12 "
                "beside the repository (or ORGANIZER_JSTS_DIR)", allow_module_level=True)

AJV_MISSING = AjvOracle.available()
RUNS = plan()


def _id(run: tuple[str, bool]) -> str:
    return f"{run[0]}{'+formats' if run[1] else ''}"


@pytest.fixture(scope="module")
def ajv():
    if AJV_MISSING is not None:
        pytest.skip(AJV_MISSING)
    with AjvOracle.start() as oracle:
        yield oracle


def _check(outcome: Outcome) -> None:
    asserting_formats = outcome.formats or outcome.file not in FORMAT_FILES
    if asserting_formats:
        assert outcome.unexpected() == [], (
            f"{outcome.oracle} fails {len(outcome.unexpected())} of {outcome.total} tests of {outcome.file}: "
            f"{outcome.unexpected()[:5]}")
    else:
        # without format assertion a format is an annotation: every instance is accepted (RELIABILITY S5)
        assert outcome.accepted_all(), [r for r in outcome.results if r[3] is not True][:5]


def test_suite_has_every_file() -> None:
    assert SUITE is not None
    missing = [f for f in (*CORE_FILES, *FORMAT_FILES) if not (SUITE / f).is_file()]
    assert missing == [], f"missing from {SUITE}: {missing}"


@pytest.mark.parametrize("run", RUNS, ids=[_id(r) for r in RUNS])
def test_python_jsonschema(run: tuple[str, bool]) -> None:
    _check(run_jsonschema(*run))


@pytest.mark.parametrize("run", RUNS, ids=[_id(r) for r in RUNS])
def test_ajv(ajv: AjvOracle, run: tuple[str, bool]) -> None:
    _check(run_ajv(ajv, *run))


def test_known_failures_still_fail(ajv: AjvOracle) -> None:
    """Every listed failure is real (so the list never hides a test that would now pass)."""
    failing = set()
    for file, formats in RUNS:
        for outcome in (run_jsonschema(file, formats), run_ajv(ajv, file, formats)):
            failing |= {(outcome.oracle, file, g, t) for g, t, _, _ in outcome.failures()}
    stale = [k for k in KNOWN_FAILURES if k not in failing]
    assert stale == [], f"listed as known failures but passing now: {stale}"
    for _, file, _, _ in KNOWN_FAILURES:
        assert file in FORMAT_FILES or file in CORE_FILES, file


# --- the keywords the compiler emits are the ones run above ----------------------------------------


def _sources() -> list[Path]:
    return sorted([*ROOT.glob("stdlib_templates/*.organizer"), ROOT / "tests" / "fixtures" / "spec_example.organizer",
                   *ROOT.glob("tests/golden/*/input.organizer")])


def _emitted() -> Emitted:
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    emitted = Emitted()
    texts = []
    for path in _sources():
        if path.is_file():
            found = find_config(path)
            texts.append((path.read_text(encoding="utf-8"), path.name, load_config(found)[0] if found else None))
    texts += [(generate(n, seed), f"generated_{n}_{seed}.organizer", None) for n, seed in ((40, 1), (80, 2), (120, 3))]
    for text, name, config in texts:
        result = compile_source(text, name, config)
        assert result.ok, (name, [d.code for d in result.diagnostics][:5])
        for artifact in ("schema.json", "draft.schema.json"):
            collect(json.loads(result.artifacts[artifact]), emitted)
    return emitted


def test_every_emitted_keyword_is_covered_by_the_suite() -> None:
    emitted = _emitted()
    uncovered = sorted(set(emitted.keywords) - set(KEYWORD_FILES))
    assert uncovered == [], f"keywords the compiler emits that no suite file here tests: {uncovered}"
    run_files = {f for f, _ in RUNS}
    for keyword in emitted.keywords:
        target = KEYWORD_FILES[keyword]
        assert target is None or target in run_files, (keyword, target)
    # the constructs with known oracle failures never appear in what the compiler emits
    assert emitted.formats <= {"date", "email"}, emitted.formats
    assert emitted.empty_enums == 0
    assert not [p for p in emitted.patterns if "\\p{" in p or "\\P{" in p]
    assert not emitted.property_names & JS_PROTOTYPE_NAMES, emitted.property_names & JS_PROTOTYPE_NAMES


CONSTRUCTOR = """organizer ctor_demo "Demo" {
  section about "About" {
    text constructor "Who built it?"
    text name "Name"
  }
}
"""


def test_constructor_cannot_be_an_id_so_ajv_never_sees_an_inherited_answer() -> None:
    """Ajv with its default options reads `Object.prototype.constructor` as an answer named
    `constructor`; the checker refuses that id, so no schema can mention it."""
    result = compile_source(CONSTRUCTOR, "ctor_demo.organizer")
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["reserved-id"]


def test_print_pass_counts(ajv: AjvOracle) -> None:
    """The figure of RELIABILITY 3.6 ("J p/q, A p/q"), printed with `pytest -s`."""
    lines = []
    totals = {"J": [0, 0], "A": [0, 0]}
    for file, formats in RUNS:
        j, a = run_jsonschema(file, formats), run_ajv(ajv, file, formats)
        mode = "assert formats" if formats else ("annotation only" if file in FORMAT_FILES else "")
        lines.append(f"{file:45} {mode:16} J {j.passed}/{j.total}, A {a.passed}/{a.total}")
        if file in CORE_FILES or file == "local" or formats:
            for key, outcome in (("J", j), ("A", a)):
                totals[key][0] += outcome.passed
                totals[key][1] += outcome.total
    print("\nJSON-Schema-Test-Suite 2020-12, emitted-keyword subset:")
    print("\n".join(lines))
    print(f"total (core + local + formats asserted): J {totals['J'][0]}/{totals['J'][1]}, "
          f"A {totals['A'][0]}/{totals['A'][1]}")
