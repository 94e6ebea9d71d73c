#!/usr/bin/env python3
"""Validation throughput: the runtime's `Template.validate` vs JSON Schema validators on the compiled
`schema.json`, plus Ajv in Node, plus the incremental `Template.update` at 5,000 questions.

    python bench/validate.py [--sizes 50 500 5000] [--rounds R] [--templates peer real]
                             [--no-ajv] [--no-update] [--updates 2000] [--profile]

Workload (like for like with /work/shared/peers/MEASURED.md): the template is generate_peer(N)
(the 1:1 translation of the peers' questionnaire), the answer sets are the peers' own
(`gen_forms.build_answers`: every visible question answered, about half the conditions true;
`build_invalid_answers`: ~1 error per 100 questions, 6 kinds). `--templates real` adds the
realistic generate(N) with one IR-driven valid answer set (tests/compiler/compiler_answers.py
random_answers; the first of a few seeds the runtime accepts) and a near miss per 100 questions.

Python candidates, interleaved round by round (a batch of back-to-back calls lasting >= 20 ms is
one sample; the ratio is the median of per-round ratios to jsonschema with FORMAT_CHECKER, the
peers' configuration and the baseline of the goal):
  runtime         Template.validate(answers, draft=False, context)  (all problems)
  jsonschema F    Draft202012Validator(schema, format_checker=FORMAT_CHECKER): is_valid / list(iter_errors)
  jsonschema      the same without format assertion (the 2020-12 default)
  fastjsonschema  fastjsonschema.compile(schema) once, then call (raises on the first error)
  jsonschema-rs   jsonschema_rs.Draft202012Validator(schema, validate_formats=True): is_valid / list(iter_errors)
Node: Ajv 8 with its default options (`new Ajv2020()` + `addFormats`) in a fresh process: compile
time, whether it overflows the stack, validations/s of the same two answer sets (timed in Node).

Goal from the issue: runtime >= 20x jsonschema (>= 2,600/s at 500 questions), and an answer change
evaluated in < 1 ms at 5,000 questions (`Template.update`: median and p99 over `--updates` changes
of random questions, each to another valid value; the final state is checked against a full
`evaluate`; on generate_peer(N) and on the realistic generate(N), N the largest size).
`--profile` (automatic when the goal is missed at 500) prints the runtime's top functions at 500
questions, and the time of `Template.evaluate` (the whole state) next to that of `validate`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import benchlib  # noqa: F401  (sets sys.path)
from benchlib import fmt, machine_line, median, paired_ratio, per_call, percentile, table
from generate import gen_forms, generate, generate_peer
from jsonschema import FormatChecker
from jsonschema.validators import Draft202012Validator

from organizer.compiler.build import compile_source
from organizer.runtime.template import Template

CONTEXT = {"today": "2026-06-15", "year": 2026, "client": {"first_name": "Jane", "email": "jane@example.com"}}
DEFAULT_ROUNDS = {50: 15, 500: 11, 5000: 5}
BASELINE = "jsonschema F"


@dataclass
class Workload:
    name: str
    n: int
    template: Template
    schema: dict[str, Any]
    valid: dict[str, Any]
    invalid: dict[str, Any]
    injected: int


def peer_workload(n: int) -> Workload:
    gf = gen_forms()
    if gf is None:
        raise SystemExit("the peers' gen_forms.py is not there (ORGANIZER_PEERS_DIR)")
    model = gf.build_model(n)
    valid = gf.build_answers(model)
    invalid, injected = gf.build_invalid_answers(model, valid)
    result = compile_source(generate_peer(n), f"peer_n{n}.organizer")
    assert result.program is not None
    return Workload("peer", n, Template(result.program), json.loads(result.artifacts["schema.json"]), valid, invalid,
                    len(injected))


def real_workload(n: int) -> Workload:
    from compiler_answers import mutate, random_answers

    result = compile_source(generate(n, 0), f"bench_n{n}.organizer")
    assert result.program is not None
    template = Template(result.program)
    rng = random.Random(n)
    for _ in range(50):
        valid = random_answers(template, rng)
        if not template.validate(valid, context=CONTEXT):
            break
    else:
        raise SystemExit(f"no valid answer set found for generate({n})")
    invalid, k = valid, max(6, n // 100)
    for _ in range(k):
        invalid = mutate(invalid, template, rng)
    return Workload("real", n, template, json.loads(result.artifacts["schema.json"]), valid, invalid, k)


def python_candidates(w: Workload, answers: dict[str, Any], valid: bool,
                      validators: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    t = w.template
    out: dict[str, Callable[[], Any]] = {"runtime": lambda: t.validate(answers, False, CONTEXT)}
    for name in ("jsonschema F", "jsonschema", "jsonschema-rs"):
        v = validators.get(name)
        if v is not None:
            out[name] = partial(v.is_valid, answers) if valid else partial(_all_errors, v, answers)
    fast = validators.get("fastjsonschema")
    if fast is not None:
        def call_fast(fast: Any = fast) -> bool:
            try:
                fast(answers)
                return True
            except Exception:  # fastjsonschema.JsonSchemaValueException: the first error only
                return False
        out["fastjsonschema"] = call_fast
    return out


def _all_errors(validator: Any, answers: Any) -> list[Any]:
    return list(validator.iter_errors(answers))


def error_counts(w: Workload, validators: dict[str, Any], answers: dict[str, Any]) -> dict[str, str]:
    counts = {"runtime": str(len(w.template.validate(answers, False, CONTEXT)))}
    for name in ("jsonschema F", "jsonschema", "jsonschema-rs"):
        if validators.get(name) is not None:
            counts[name] = str(len(list(validators[name].iter_errors(answers))))
    if validators.get("fastjsonschema") is not None:
        try:
            validators["fastjsonschema"](answers)
            counts["fastjsonschema"] = "0"
        except Exception:
            counts["fastjsonschema"] = "1 (first only)"
    return counts


def measure(candidates: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call for each candidate, one sample per round, rounds interleaved and rotated."""
    batches = {name: per_call(action) for name, action in candidates.items()}
    names = list(candidates)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            run, size = batches[name]
            start = time.perf_counter()
            run()
            samples[name].append((time.perf_counter() - start) / size)
    return samples


def build_validators(schema: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
    validators: dict[str, Any] = {}
    build_ms: dict[str, float] = {}
    rejected: dict[str, str] = {}

    def timed_build(name: str, make: Callable[[], Any]) -> None:
        start = time.perf_counter()
        try:
            validators[name] = make()
        except ImportError:
            validators[name] = None
            return
        except Exception as exc:  # e.g. jsonschema-rs: a pattern its Rust regex engine cannot compile
            validators[name] = None
            rejected[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            return
        build_ms[name] = (time.perf_counter() - start) * 1000

    Draft202012Validator.check_schema(schema)
    timed_build("jsonschema F", lambda: Draft202012Validator(schema, format_checker=FormatChecker()))
    timed_build("jsonschema", lambda: Draft202012Validator(schema))

    def fast() -> Any:
        import fastjsonschema
        return fastjsonschema.compile(schema)
    timed_build("fastjsonschema", fast)

    def rs() -> Any:
        import jsonschema_rs
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    timed_build("jsonschema-rs", rs)
    for name, why in rejected.items():
        build_ms[name] = why  # type: ignore[assignment]
    return validators, build_ms


def ajv_figures(w: Workload) -> list[list[Any]]:
    from ajv_oracle import AjvOracle

    reason = AjvOracle.available()
    if reason is not None:
        return [[w.n, f"Ajv skipped: {reason}", "", "", "", "", ""]]
    rows = []
    with AjvOracle.start() as ajv:  # a fresh process, Node's default stack size
        outcome = ajv.compile("s", w.schema, formats=True, defaults=True)
        if not outcome.ok:
            return [[w.n, f"compile failed: {outcome.error}", fmt(outcome.ms),
                     "YES" if outcome.stack_overflow else "no", "", "", ""]]
        for label, answers in (("valid", w.valid), ("invalid", w.invalid)):
            result = ajv.bench("s", answers, reps=15)
            rows.append([w.n, f"{label} → {'valid' if result['valid'] else 'invalid'} ({result['errors']} error)",
                         fmt(outcome.ms), "no", fmt(result["median_ms"]), fmt(1000 / result["median_ms"]),
                         f"{fmt(result['min_ms'])}–{fmt(result['max_ms'])}"])
    return rows


def update_figures(w: Workload, count: int, seed: int = 7) -> list[Any]:
    """Template.update after one answer change, `count` times; [name, n, full ms, median, p90, p99, max]."""
    t = w.template
    rng = random.Random(seed)
    answers = dict(w.valid)
    questions = [node for node in t.evaluator.questions]
    from compiler_answers import question_value

    state = t.evaluate(answers, CONTEXT)
    full = []
    for _ in range(5):
        start = time.perf_counter()
        t.evaluate(answers, CONTEXT)
        full.append(time.perf_counter() - start)
    times, flips = [], 0
    for _ in range(count):
        node = rng.choice(questions)
        q = node.item
        value = question_value(rng, q, True)
        if q.type == "yesno" and q.id in answers:
            value = not answers[q.id]
        answers = {**answers, q.id: value} if value is not None else {k: v for k, v in answers.items() if k != q.id}
        start = time.perf_counter()
        new = t.update(state, q.id, answers, CONTEXT)
        times.append(time.perf_counter() - start)
        flips += new.vis != state.vis
        state = new
    assert state == t.evaluate(answers, CONTEXT), "incremental state differs from a full evaluation"
    return [w.name, w.n, fmt(median(full) * 1000), fmt(median(times) * 1000), fmt(percentile(times, 90) * 1000),
            fmt(percentile(times, 99) * 1000), fmt(max(times) * 1000), f"{flips}/{count}"]


def profile_runtime(w: Workload) -> None:
    t, answers = w.template, w.valid
    for _ in range(20):
        t.validate(answers, False, CONTEXT)
    ev = statistics.median(_sample(lambda: t.evaluate(answers, CONTEXT)) for _ in range(9))
    va = statistics.median(_sample(lambda: t.validate(answers, False, CONTEXT)) for _ in range(9))
    print(f"\n## Runtime profile at N={w.n} ({w.name}, valid set)\n")
    print(f"validate {va * 1000:.3f} ms per call: one pass that evaluates each node (visibility, value, "
          f"required-ness) and checks its answer. For comparison, evaluate (the whole state, with progress) "
          f"{ev * 1000:.3f} ms ({ev / va:.0%} of validate)\n")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        t.validate(answers, False, CONTEXT)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    print("cProfile, 200 calls, by own time:\n\n```")
    print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))
    print("```")


def _sample(action: Callable[[], Any], batch: int = 50) -> float:
    start = time.perf_counter()
    for _ in range(batch):
        action()
    return (time.perf_counter() - start) / batch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    ap.add_argument("--rounds", type=int, default=None, help="rounds per size (default 15 / 11 / 5)")
    ap.add_argument("--templates", nargs="+", choices=["peer", "real"], default=["peer"])
    ap.add_argument("--no-ajv", action="store_true")
    ap.add_argument("--no-update", action="store_true")
    ap.add_argument("--updates", type=int, default=2000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    print("# Validation throughput: runtime vs JSON Schema validators\n")
    print(f"_{machine_line(['jsonschema', 'fastjsonschema', 'jsonschema-rs'])}_\n")
    rows: list[list[Any]] = []
    build_rows: list[list[Any]] = []
    ajv_rows: list[list[Any]] = []
    update_rows: list[list[Any]] = []
    count_rows: list[list[Any]] = []
    goal_rows: list[list[Any]] = []
    profile_target: Workload | None = None
    for kind in args.templates:
        for n in args.sizes:
            w = peer_workload(n) if kind == "peer" else real_workload(n)
            rounds = args.rounds or DEFAULT_ROUNDS.get(n, 5)
            assert not w.template.validate(w.valid, False, CONTEXT), "the runtime rejects the valid set"
            validators, build_ms = build_validators(w.schema)
            for name, value in build_ms.items():
                shown = fmt(value) if isinstance(value, float) else f"rejects the schema: {value}"
                build_rows.append([kind, n, name, shown])
            counts_valid = error_counts(w, validators, w.valid)
            counts_invalid = error_counts(w, validators, w.invalid)
            for name in counts_valid:
                count_rows.append([kind, n, name, counts_valid[name],
                                   f"{counts_invalid[name]} (injected {w.injected})"])
            for label, answers, is_valid in (("valid", w.valid, True), ("invalid", w.invalid, False)):
                samples = measure(python_candidates(w, answers, is_valid, validators), rounds)
                base = samples.get(BASELINE)
                for name, values in samples.items():
                    ratio = paired_ratio(base, values) if base else None
                    rows.append([kind, n, label, name, fmt(median(values) * 1000), fmt(1 / median(values)),
                                 f"{fmt(min(values) * 1000)}–{fmt(max(values) * 1000)}",
                                 f"{ratio:.2f}x" if ratio else "—"])
                    if name == "runtime" and label == "valid" and ratio:
                        goal_rows.append([kind, n, fmt(1 / median(values)), f"{ratio:.1f}x",
                                          "met" if ratio >= 20 else "NOT met"])
                        if n == 500 and ratio < 20:
                            profile_target = profile_target or w
            if not args.no_ajv:
                ajv_rows.extend([kind, *r] for r in ajv_figures(w))
            if not args.no_update and n == max(args.sizes):
                update_rows.append(update_figures(w, args.updates))
                if "real" not in args.templates:  # cheap: the realistic template's update figure too
                    update_rows.append(update_figures(real_workload(n), args.updates))
            print(f"({kind} N={n} done, {time.perf_counter() - started:.0f} s)", flush=True)

    print("\n## Problems / errors reported on the two answer sets\n")
    print(table(["template", "N", "validator", "valid set", "invalid set"], count_rows))
    print("\n## Validator build (once per schema), ms\n")
    print(table(["template", "N", "validator", "build ms"], build_rows))
    print(f"\n## Python, paired (ratio = {BASELINE} time / candidate time: how many times faster)\n")
    print(table(["template", "N", "answers", "validator", "median ms", "validations/s", "min–max ms",
                 f"x faster than {BASELINE}"], rows))
    print("\n## Goal: runtime >= 20x jsonschema (valid set; >= 2,600/s at 500)\n")
    print(table(["template", "N", "runtime validations/s", f"vs {BASELINE}", "goal"], goal_rows))
    if ajv_rows:
        print("\n## Ajv 8, default options (new Ajv2020() + addFormats), fresh Node process, default stack\n")
        print(table(["template", "N", "answers → verdict", "compile ms", "stack overflow", "median ms", "validations/s",
                     "min–max ms"], ajv_rows))
    if update_rows:
        print(f"\n## Template.update after one answer change ({args.updates} changes of random questions)\n")
        print(table(["template", "N", "full evaluate ms", "update median ms", "p90 ms", "p99 ms", "max ms",
                     "changes that changed visibility"], update_rows))
    if args.profile or profile_target is not None:
        profile_runtime(profile_target or peer_workload(500))
    print(f"\nwall time of this run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
