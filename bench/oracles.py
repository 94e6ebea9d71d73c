#!/usr/bin/env python3
"""Oracle pre-flight figures (RELIABILITY 3.5/3.6): the JSON-Schema-Test-Suite 2020-12 files for the
keywords the compiler emits, through Python jsonschema (J) and Ajv 8 (A, one Node process), with and
without format assertion for the format files. Prints "J p/q, A p/q" per file and every failing
test with its reason (KNOWN_FAILURES in tests/oracles/suite_runner.py) or UNEXPECTED.

    python bench/oracles.py [--failures]

The assertions live in tests/oracles/test_json_schema_test_suite.py.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import benchlib  # noqa: F401  (sets sys.path)
from ajv_oracle import AjvOracle
from benchlib import machine_line, table
from suite_runner import FORMAT_FILES, KNOWN_FAILURES, Outcome, plan, run_ajv, run_jsonschema, suite_dir


def cell(outcome: Outcome | None) -> str:
    if outcome is None:
        return "—"
    unexpected = len(outcome.unexpected())
    known = len(outcome.failures()) - unexpected
    extra = []
    if known:
        extra.append(f"{known} known")
    if unexpected:
        extra.append(f"**{unexpected} UNEXPECTED**")
    return f"{outcome.passed}/{outcome.total}" + (f" ({', '.join(extra)})" if extra else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--failures", action="store_true", help="list every failing test with its reason")
    args = ap.parse_args()
    folder = suite_dir()
    if folder is None:
        raise SystemExit("the JSON-Schema-Test-Suite is not at ../shared/data/json-schema-test-suite/draft2020-12")
    started = time.perf_counter()
    reason = AjvOracle.available()
    ajv = AjvOracle.start() if reason is None else None
    print("# Oracle pre-flight: JSON-Schema-Test-Suite draft 2020-12 (emitted-keyword subset)\n")
    print(f"_{machine_line(['jsonschema'])}" + (f" · node {ajv.info()['node']}, ajv {ajv.info()['ajv']}, "
                                                f"ajv-formats {ajv.info()['ajv_formats']}_" if ajv else "_") + "\n")
    print(f"suite: {folder}" + ("" if ajv else f"\nAjv skipped: {reason}") + "\n")
    rows: list[list[Any]] = []
    failing: list[list[Any]] = []
    totals = {"J": [0, 0], "A": [0, 0]}
    for file, formats in plan():
        if file != "local" and not (folder / file).is_file():
            rows.append([file, "", "missing", "missing"])
            continue
        j = run_jsonschema(file, formats)
        a = run_ajv(ajv, file, formats) if ajv else None
        annotation = file in FORMAT_FILES and not formats
        mode = "format asserted" if formats else ("format as annotation" if annotation else "")
        if annotation:
            rows.append([file, mode, f"accepts all: {j.accepted_all()} ({j.passed}/{j.total} match the suite)",
                         f"accepts all: {a.accepted_all()} ({a.passed}/{a.total} match the suite)" if a else "—"])
            continue
        rows.append([file if file != "local" else "local $ref/$defs cases (not official)", mode, cell(j), cell(a)])
        for key, outcome in (("J", j), ("A", a)):
            if outcome is None:
                continue
            totals[key][0] += outcome.passed
            totals[key][1] += outcome.total
            for group, test, expected, got in outcome.failures():
                why = KNOWN_FAILURES.get((outcome.oracle, file, group, test), "UNEXPECTED")
                failing.append([outcome.oracle, file, f"{group} / {test}", expected, got, why])
    print(table(["file", "mode", "J (jsonschema)", "A (Ajv)"], rows))
    print(f"\n**Total (core files, local cases and format files with assertion): J {totals['J'][0]}/{totals['J'][1]}, "
          f"A {totals['A'][0]}/{totals['A'][1]}**; unexpected failures: "
          f"{sum(1 for f in failing if f[-1] == 'UNEXPECTED')}")
    if args.failures:
        print("\n## Failing tests\n")
        print(table(["oracle", "file", "group / test", "suite says", "oracle says", "reason"], failing))
    else:
        by_reason: dict[str, int] = {}
        for f in failing:
            key = f"{f[0]} {f[1]}: {f[-1][:110]}{'…' if len(f[-1]) > 110 else ''}"
            by_reason[key] = by_reason.get(key, 0) + 1
        print("\n## Failing tests by reason (--failures lists them)\n")
        print(table(["tests", "oracle, file: reason"], [[n, k] for k, n in by_reason.items()]))
    if ajv:
        ajv.close()
    print(f"\nwall time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
