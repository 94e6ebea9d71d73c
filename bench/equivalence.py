#!/usr/bin/env python3
"""RELIABILITY 3.6 figures: verdict triples (runtime R, Python jsonschema J, Ajv A) over templates x
answer sets x {submission, draft}.

    python bench/equivalence.py [--generated 12] [--valid 150] [--near 300] [--seed 0]
                                [--deep 10000] [--big-mb 10] [--no-ajv] [--examples 5]

Templates: the standard library (stdlib_templates/*.organizer, each with its organizer.yaml) plus
`--generated` K templates from bench/generate.py's generate(n, seed) for small n (10..60).
Answer sets per template (tests/compiler/compiler_answers.py):
  valid    random_answers(template, rng): valid by construction from the IR (mostly)
  near     mutate(random_answers(...)): one near miss each
  hostile  RELIABILITY S1 on top of a valid set: NaN, ±Infinity, ±(2^53+1), -0.0, 1e308, 1.0 at an
           integer question, lone surrogates, NUL, a `--big-mb` MB string, lists nested `--deep`
           levels, wrong types ([], {}, null, true, 0, "x"), each at a question and under an unknown
           key; `__proto__` and `constructor` keys; duplicate keys (raw JSON text, both orders).
Modes: submission (schema.json, validate(draft=False)) and draft (draft.schema.json, draft=True).

Oracles, each compared with R:
  J    jsonschema Draft202012Validator, format assertion off (the default)
  J+F  the same with FORMAT_CHECKER
  A    Ajv 8 (ajv/dist/2020) strict, `validateFormats: false`, in ONE persistent Node process fed
       JSON lines in batches of 1,000 (tests/oracles/ajv_oracle.py)
  A+F  Ajv strict with ajv-formats (the setup docs/schema.md documents)
  S    jsonschema-rs, when it installs and accepts the schema (reported either way)
  S*   jsonschema-rs on the schema with the pattern `[\\x00\\ud800-\\udfff]` (NUL or a lone surrogate)
       replaced by `\\x00`, which it can compile; it raises on lone surrogates (not comparable)
Classification of each (case, oracle): agree; "not comparable" when the oracle cannot take the
value (NaN/Infinity are not JSON; JSON.parse refused the line; the oracle raised); a disagreement
*inside* the runtime-only rules when the oracle accepts, R rejects and every R problem's
(pointer, code) matches a rule in program.runtime_only (value codes only in draft mode); anything
else is a disagreement *outside* them, which must be 0. R must never crash, and must reject every
non-JSON value (NaN, Infinity).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import benchlib  # noqa: F401  (sets sys.path)
from benchlib import ROOT, machine_line, table
from compiler_answers import _CONTEXT as CONTEXT
from compiler_answers import _all_questions, mutate, random_answers
from generate import generate
from jsonschema import FormatChecker
from jsonschema.validators import Draft202012Validator

from organizer.compiler.build import compile_source
from organizer.compiler.runtime_only import VALUE_CODES
from organizer.dsl.config import find_config, load_config
from organizer.runtime.program import RuntimeRule
from organizer.runtime.template import Template

ORACLES = ("J", "J+F", "A", "A+F", "S", "S*")
BAD_CHARACTERS = "[\\x00\\ud800-\\udfff]"  # compiler/values.py: a pattern Rust's regex engine cannot compile
NOT_JSON = "not JSON"


@dataclass
class Case:
    kind: str                 # valid / near / hostile:<what>
    value: Any                # the answers object as Python sees it
    text: str | None = None   # raw JSON text for Node (None: json.dumps(value)); NOT_JSON: no JSON text exists
    not_json: bool = False    # NaN / Infinity: no oracle can take it; R must reject it


@dataclass
class Subject:
    name: str
    template: Template
    schemas: dict[bool, dict[str, Any]]   # draft? -> schema


@dataclass
class Tally:
    templates: int = 0
    cases: int = 0
    r_valid: int = 0
    r_invalid: int = 0
    r_crash: list[str] = field(default_factory=list)
    r_accepts_not_json: list[str] = field(default_factory=list)
    per_oracle: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    explained_by: Counter = field(default_factory=Counter)
    outside: list[dict[str, Any]] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    not_comparable: Counter = field(default_factory=Counter)  # (oracle, answer-set kind) -> cases
    schema_rejected: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


# --- templates ------------------------------------------------------------------------------------


def subjects(generated: int, seed: int) -> list[Subject]:
    found = []
    stdlib = sorted((ROOT / "stdlib_templates").glob("*.organizer"))
    sources: list[tuple[str, str, Any]] = [(p.read_text(encoding="utf-8"), p.stem, p) for p in stdlib]
    sizes = [10, 15, 20, 25, 30, 40, 50, 60]
    for k in range(generated):
        n, template_seed = sizes[k % len(sizes)], seed * 1000 + k
        sources.append((generate(n, template_seed), f"generate({n}, {template_seed})", None))
    for text, name, path in sources:
        config = None
        if path is not None:
            where = find_config(path)
            config = load_config(where)[0] if where else None
        result = compile_source(text, f"{name}.organizer", config)
        if result.program is None:
            raise SystemExit(f"{name} does not compile: {[d.code for d in result.diagnostics][:5]}")
        schemas = {False: json.loads(result.artifacts["schema.json"]),
                   True: json.loads(result.artifacts["draft.schema.json"])}
        found.append(Subject(name, Template(result.program), schemas))
    return found


# --- answer sets ----------------------------------------------------------------------------------


def _deep(depth: int) -> tuple[Any, str]:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value, "[" * depth + "]" * depth


def _with(base: dict[str, Any], key: str, value: Any, text: str | None = None) -> tuple[dict[str, Any], str | None]:
    """`base` with `key` set to `value`; the JSON text too when the value's own text is given."""
    answers = {k: v for k, v in base.items() if k != key}
    answers[key] = value
    if text is None:
        return answers, None
    head = json.dumps({k: v for k, v in answers.items() if k != key}, ensure_ascii=True, separators=(",", ":"))
    body = head[1:-1]
    return answers, "{" + body + ("," if body else "") + json.dumps(key) + ":" + text + "}"


def hostile_cases(subject: Subject, base: dict[str, Any], rng: random.Random, deep: int, big_mb: float) -> list[Case]:
    questions = _all_questions(subject.template.program)
    numeric = [q for q in questions if q.type in ("number", "integer", "money")]
    integers = [q for q in questions if q.type == "integer"]
    texts = [q for q in questions if q.type in ("text", "textarea")]

    def pick(pool: list[Any]) -> str:
        return rng.choice(pool or questions).id

    cases: list[Case] = []

    def add(what: str, key: str, value: Any, text: str | None = None, not_json: bool = False) -> None:
        answers, raw = _with(base, key, value, text)
        cases.append(Case(f"hostile:{what}", answers, NOT_JSON if not_json else raw, not_json))

    for label, value in (("NaN", float("nan")), ("Infinity", float("inf")), ("-Infinity", float("-inf"))):
        add(label, pick(numeric), value, not_json=True)
        add(f"{label} (unknown key)", "unknown_key", value, not_json=True)
    numbers: tuple[tuple[str, int | float], ...] = (
        ("2^53+1", 2**53 + 1), ("-(2^53+1)", -(2**53) - 1), ("-0.0", -0.0), ("1e308", 1e308))
    for label, number in numbers:
        add(label, pick(numeric), number)
    if integers:
        add("1.0 for an integer", rng.choice(integers).id, 1.0)
    for label, string in (("lone surrogate", "\ud800"), ("lone low surrogate inside", "a\udc00b"), ("NUL", "a\x00b")):
        add(label, pick(texts), string)
    add("lone surrogate key", "\ud800", 1)
    big = "x" * int(big_mb * 1_000_000)
    add(f"{big_mb:g} MB string", pick(texts), big)
    nested, nested_text = _deep(deep)
    add(f"lists nested {deep} deep", pick(questions), nested, nested_text)
    add(f"lists nested {deep} deep (unknown key)", "unknown_key", nested, nested_text)
    wrong: tuple[Any, ...] = ([], {}, None, True, 0, "x", [1, "a"], {"a": 1})
    for value in wrong:
        add(f"wrong type {json.dumps(value)}", pick(questions), value)
    add("__proto__ key", "__proto__", 1)
    add("__proto__ key (object)", "__proto__", {"a": 1})
    add("constructor key", "constructor", "x")
    if base:
        key = rng.choice(list(base))
        good = json.dumps(base[key], ensure_ascii=True)
        for bad in ('"bogus-\\u0000"', "12345", "null"):
            # the same key twice: Python's json.loads and JSON.parse both keep the last one
            text_last_good = "{" + json.dumps(key) + ":" + bad + "," + json.dumps(base, ensure_ascii=True)[1:]
            cases.append(Case("hostile:duplicate key, last valid", json.loads(text_last_good), text_last_good))
            answers = {k: v for k, v in base.items() if k != key}
            head = json.dumps(answers, ensure_ascii=True)
            pair = json.dumps(key) + ":" + good + "," + json.dumps(key) + ":" + bad
            text_last_bad = head[:-1] + ("," if answers else "") + pair + "}"
            cases.append(Case("hostile:duplicate key, last invalid", json.loads(text_last_bad), text_last_bad))
    return cases


def answer_cases(subject: Subject, valid: int, near: int, rng: random.Random, deep: int, big_mb: float) -> list[Case]:
    t = subject.template
    cases = [Case("valid", random_answers(t, rng)) for _ in range(valid)]
    cases += [Case("near", mutate(random_answers(t, rng), t, rng)) for _ in range(near)]
    base = next((c.value for c in cases if not t.validate(c.value, context=CONTEXT)), cases[0].value if cases else {})
    return cases + hostile_cases(subject, base, rng, deep, big_mb)


# --- verdicts -------------------------------------------------------------------------------------


def _rule_matches(rule: RuntimeRule, pointer: str, code: str) -> bool:
    pattern = "^" + re.escape(rule.pointer).replace(re.escape("*"), "[0-9]+") + "(?:/.*)?$"
    return rule.code == code and re.match(pattern, pointer) is not None


def explained(template: Template, problems: list[Any], draft: bool) -> tuple[bool, list[str]]:
    """Whether every runtime problem is a runtime-only rule (value rules only, in a draft)."""
    rules = [r for r in template.program.runtime_only if not draft or r.code in VALUE_CODES]
    codes = []
    for p in problems:
        rule = next((r for r in rules if _rule_matches(r, p.pointer, p.code)), None)
        if rule is None:
            return False, []
        codes.append(rule.code)
    return True, codes


def _without_surrogate_class(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: ("\\x00" if k == "pattern" and v == BAD_CHARACTERS else _without_surrogate_class(v))
                for k, v in schema.items()}
    if isinstance(schema, list):
        return [_without_surrogate_class(v) for v in schema]
    return schema


def python_verdict(validator: Any, value: Any) -> bool | None:
    try:
        return bool(validator.is_valid(value))
    except (RecursionError, ValueError, TypeError, UnicodeError, OverflowError) as exc:  # cannot take it
        del exc
        return None
    except Exception:
        return None


def short(value: Any, limit: int = 300) -> str:
    try:
        text = json.dumps(value, ensure_ascii=True, allow_nan=True)
    except (RecursionError, ValueError):
        text = repr(type(value))
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} chars)"


def run(args: argparse.Namespace) -> Tally:
    from ajv_oracle import AjvOracle

    tally = Tally()
    reason = None if args.no_ajv else AjvOracle.available()
    ajv = None if (args.no_ajv or reason) else AjvOracle.start()
    if reason:
        print(f"Ajv skipped: {reason}")
    jsonschema_rs: Any
    try:
        import jsonschema_rs
    except ImportError:
        jsonschema_rs = None
    rng = random.Random(args.seed)
    all_subjects = subjects(args.generated, args.seed)
    tally.templates = len(all_subjects)
    for s_index, subject in enumerate(all_subjects):
        cases = answer_cases(subject, args.valid, args.near, rng, args.deep, args.big_mb)
        for draft in (False, True):
            mode = "draft" if draft else "submission"
            schema = subject.schemas[draft]
            validators: dict[str, Any] = {
                "J": Draft202012Validator(schema),
                "J+F": Draft202012Validator(schema, format_checker=FormatChecker()),
            }
            if jsonschema_rs is not None:
                try:
                    validators["S"] = jsonschema_rs.Draft202012Validator(schema)
                except Exception as exc:
                    tally.schema_rejected["S"].add(str(exc).splitlines()[0])
                    try:
                        validators["S*"] = jsonschema_rs.Draft202012Validator(_without_surrogate_class(schema))
                    except Exception as exc2:
                        tally.schema_rejected["S*"].add(str(exc2).splitlines()[0])
            ajv_verdicts: dict[str, list[bool | None]] = {}
            if ajv is not None:
                texts = [c.text if c.text not in (None, NOT_JSON) else _line(c.value) for c in cases]
                for oracle, formats in (("A", False), ("A+F", True)):
                    key = f"{s_index}/{mode}/{oracle}"
                    options = {} if formats else {"validateFormats": False}
                    compiled = ajv.compile(key, schema, formats=formats, options=options)
                    if not compiled.ok:
                        tally.schema_rejected[oracle].add(f"{subject.name} {mode}: {compiled.error}")
                        continue
                    ajv_verdicts[oracle] = ajv.validate_texts(key, texts)
                    ajv.drop(key)
            for i, case in enumerate(cases):
                tally.cases += 1
                tally.kinds[case.kind.split(":")[0]] += 1
                where = f"{subject.name} [{mode}] {case.kind}"
                try:
                    problems = subject.template.validate(case.value, draft=draft, context=CONTEXT)
                except Exception as exc:  # R must never crash
                    tally.r_crash.append(f"{where}: {type(exc).__name__}: {exc}")
                    continue
                r_valid = not problems
                tally.r_valid += r_valid
                tally.r_invalid += not r_valid
                if case.not_json:
                    if r_valid:
                        tally.r_accepts_not_json.append(where)
                    for oracle in [*validators, *ajv_verdicts]:
                        tally.per_oracle[oracle]["not comparable"] += 1
                        tally.not_comparable[(oracle, case.kind)] += 1
                    continue
                verdicts = {name: python_verdict(v, case.value) for name, v in validators.items()}
                for oracle, values in ajv_verdicts.items():
                    verdicts[oracle] = values[i]
                for oracle, verdict in verdicts.items():
                    counter = tally.per_oracle[oracle]
                    if verdict is None:
                        counter["not comparable"] += 1
                        tally.not_comparable[(oracle, case.kind)] += 1
                    elif verdict == r_valid:
                        counter["agree"] += 1
                    elif verdict and not r_valid:
                        ok, codes = explained(subject.template, problems, draft)
                        if ok:
                            counter["inside runtime-only"] += 1
                            tally.explained_by.update({f"{oracle} {c}": 1 for c in set(codes)})
                        else:
                            counter["OUTSIDE"] += 1
                            tally.outside.append({"oracle": oracle, "where": where, "oracle says": "valid",
                                                  "R problems": [(p.pointer, p.code) for p in problems][:5],
                                                  "answers": case.value})
                    else:
                        counter["OUTSIDE"] += 1
                        tally.outside.append({"oracle": oracle, "where": where, "oracle says": "invalid",
                                              "R problems": [], "answers": case.value})
        print(f"({s_index + 1}/{len(all_subjects)} {subject.name}: {len(cases)} answer sets)", flush=True)
    if ajv is not None:
        ajv.close()
    return tally


def _line(value: Any) -> str:
    from ajv_oracle import to_line
    try:
        return to_line(value)
    except (RecursionError, ValueError):
        return "not json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generated", type=int, default=12, help="generated templates besides the stdlib")
    ap.add_argument("--valid", type=int, default=150, help="valid answer sets per template")
    ap.add_argument("--near", type=int, default=300, help="near-miss answer sets per template")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--deep", type=int, default=10_000, help="nesting depth of the deep-list hostile value")
    ap.add_argument("--big-mb", type=float, default=10.0, help="size of the big-string hostile value, MB")
    ap.add_argument("--no-ajv", action="store_true")
    ap.add_argument("--examples", type=int, default=5, help="disagreements outside the rules to print")
    args = ap.parse_args()
    started = time.perf_counter()
    print("# Equivalence: runtime vs JSON Schema oracles (RELIABILITY 3.2, 3.6)\n")
    print(f"_{machine_line(['jsonschema', 'jsonschema-rs'])}_\n")
    tally = run(args)
    wall = time.perf_counter() - started
    comparable = tally.r_valid + tally.r_invalid
    print("\n## Figures\n")
    print(f"{tally.templates} templates (8 stdlib + {args.generated} generated) × answer sets "
          f"({args.valid} valid + {args.near} near-miss + hostile per template) × 2 modes = "
          f"**{tally.cases:,} cases**, each judged by R and by every oracle below; wall time **{wall:.0f} s**.\n")
    print(f"Answer sets by family (both modes): {dict(tally.kinds)}")
    print(f"R verdicts: valid {tally.r_valid:,} ({tally.r_valid / max(comparable, 1):.0%}), invalid "
          f"{tally.r_invalid:,} ({tally.r_invalid / max(comparable, 1):.0%}); R crashed: {len(tally.r_crash)}; "
          f"R accepted a non-JSON value (NaN/Infinity): {len(tally.r_accepts_not_json)}\n")
    rows = []
    for oracle in ORACLES:
        c = tally.per_oracle.get(oracle)
        if not c:
            why = "; ".join(sorted(tally.schema_rejected.get(oracle, {"not run"})))[:160]
            rows.append([oracle, "—", "—", "—", "—", f"not run: {why}"])
            continue
        triples = c["agree"] + c["inside runtime-only"] + c["OUTSIDE"]
        rows.append([oracle, f"{triples:,}", f"{c['agree']:,}", f"{c['inside runtime-only']:,}",
                     f"**{c['OUTSIDE']:,}**", f"{c['not comparable']:,}"])
    print(table(["oracle", "comparable pairs with R", "agree", "disagree inside runtime-only (explained)",
                 "disagree OUTSIDE (must be 0)", "not comparable"], rows))
    if tally.not_comparable:
        kinds = sorted({k for _, k in tally.not_comparable})
        present = [o for o in ORACLES if tally.per_oracle.get(o)]
        print("\nNot comparable, by answer-set kind (the oracle cannot take the value: not JSON, JSON.parse "
              "refused it, or the validator raised):\n")
        print(table(["answer set", *present], [[k, *(tally.not_comparable.get((o, k), 0) for o in present)]
                                               for k in kinds]))
    if tally.explained_by:
        print("\nDisagreements inside runtime-only rules, by oracle and rule code (cases where the rule explains "
              "at least one problem):\n")
        print(table(["oracle rule-code", "cases"], sorted(tally.explained_by.items())))
    for oracle, reasons in tally.schema_rejected.items():
        print(f"\n{oracle} rejected schemas: " + "; ".join(sorted(reasons))[:400])
    if tally.r_crash:
        print("\nR crashed:\n" + "\n".join(tally.r_crash[:10]))
    if tally.r_accepts_not_json:
        print("\nR accepted non-JSON values:\n" + "\n".join(tally.r_accepts_not_json[:10]))
    if tally.outside:
        print(f"\n## Disagreements outside the runtime-only rules ({len(tally.outside)}; first {args.examples} "
              f"per oracle)\n")
        shown: Counter = Counter()
        groups: Counter = Counter((d["oracle"], d["where"].split("] ")[1], d["oracle says"]) for d in tally.outside)
        print(table(["oracle", "answer-set kind", "oracle says", "count"], [[*k, n] for k, n in groups.most_common()]))
        for d in tally.outside:
            if shown[d["oracle"]] >= args.examples:
                continue
            shown[d["oracle"]] += 1
            print(f"\n- {d['oracle']} says {d['oracle says']}, R problems {d['R problems']}: {d['where']}\n"
                  f"  answers: {short(d['answers'])}")
    print(f"\nwall time: {wall:.0f} s")


if __name__ == "__main__":
    main()
