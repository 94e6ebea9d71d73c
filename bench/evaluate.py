"""Benchmark of the runtime on a 5,000-question program: full evaluate, a single-answer incremental
update, and a full validate of a valid answer set (medians of several runs).

    python bench/evaluate.py [--questions 5000] [--runs 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any, Callable

from organizer.runtime.program import Checks, Computed, Option, Origin, Program, Question, Section
from organizer.runtime.state import Evaluator
from organizer.runtime.validate import submission, validate

ORIGIN = Origin(1, 1)
CONTEXT = {"year": 2025, "today": "2025-06-30", "client": {"first_name": "Ann"}}


def build(questions: int, per_section: int = 100, seed: int = 1) -> Program:
    """Sections of `per_section` questions; about half the questions (and some sections) are
    conditional on an earlier yesno or choice question; every 50th item is a computed sum."""
    rng = random.Random(seed)
    switches: list[dict[str, Any]] = []  # conditions on earlier yesno/choice answers
    numbers: list[str] = []
    sections = []
    count = 0
    for s in range(0, questions, per_section):
        earlier = list(switches)  # a section's own conditions may only use earlier sections' answers
        items: list[Any] = []
        for _ in range(min(per_section, questions - s)):
            n = count = count + 1
            when = rng.choice(switches[-200:]) if switches and rng.random() < 0.5 else None
            kind = ("yesno", "choice", "number", "text")[n % 4]
            ident = f"q{n}"
            items.append(Question(
                id=ident, type=kind, label=[f"Question {n}"], origin=ORIGIN, visible_when=when, required=n % 3 == 0,
                options=tuple(Option(id=o, label=[o]) for o in ("a", "b", "c")) if kind == "choice" else (),
                checks=Checks(minimum=0, maximum=10**6) if kind == "number" else Checks(max_length=100),
            ))
            if kind == "yesno":
                switches.append({"ref": ident})
            elif kind == "choice":
                switches.append({"op": "in", "args": [{"ref": ident}, {"lit": ["a", "b"]}]})
            elif kind == "number":
                numbers.append(ident)
            if n % 50 == 0 and len(numbers) >= 2:
                items.append(Computed(id=f"c{n}", label=["sum"], origin=ORIGIN, value_type="number",
                                      expr={"op": "+", "args": [{"ref": numbers[-1]}, {"ref": numbers[-2]}]}))
        when = rng.choice(earlier[-50:]) if earlier and rng.random() < 0.2 else None
        skip = {"op": "and", "args": [{"section": sections[-1].id}, rng.choice(earlier[-20:])]} \
            if earlier and rng.random() < 0.2 else None
        sections.append(Section(id=f"s{s // per_section}", title=["Section"], origin=ORIGIN, items=tuple(items),
                                visible_when=when, skipped_when=skip))
    return Program(id="bench", title=["Bench"], sections=tuple(sections), source_file="bench",
                   source_sha256="0" * 64)


def answers_for(program: Program, seed: int = 2) -> dict[str, Any]:
    rng = random.Random(seed)
    answers: dict[str, Any] = {}
    for section in program.sections:
        for item in section.items:
            if isinstance(item, Question):
                answers[item.id] = {"yesno": lambda: rng.random() < 0.7, "choice": lambda: rng.choice("abc"),
                                    "number": lambda: rng.randint(0, 10**5) / 100,
                                    "text": lambda: "answer"}[item.type]()
    return answers


def median_ms(action: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    program = build(args.questions)
    start = time.perf_counter()
    evaluator = Evaluator(program)
    build_ms = (time.perf_counter() - start) * 1000
    answers = answers_for(program)
    state = evaluator.evaluate(answers, CONTEXT)
    full_ms = median_ms(lambda: evaluator.evaluate(answers, CONTEXT), args.runs)

    rng = random.Random(3)
    switches = [q.id for s in program.sections for q in s.items if isinstance(q, Question) and q.type == "yesno"]

    def updates(count: int) -> list[float]:
        nonlocal state, answers
        times = []
        for _ in range(count):
            changed = rng.choice(switches)
            answers = {**answers, changed: not answers[changed]}
            begin = time.perf_counter()
            state = evaluator.update(state, changed, answers, CONTEXT)
            times.append((time.perf_counter() - begin) * 1000)
        assert state == evaluator.evaluate(answers, CONTEXT), "incremental state differs from a full evaluation"
        return sorted(times)

    update_times = updates(1000)

    valid = submission(program, answers, CONTEXT)
    problems = validate(program, valid, False, CONTEXT)
    assert not problems, problems[:3]
    validate_ms = median_ms(lambda: validate(program, valid, False, CONTEXT), args.runs)
    draft_ms = median_ms(lambda: validate(program, answers, True, CONTEXT), args.runs)

    print(f"program: {args.questions} questions, {len(program.sections)} sections, {len(evaluator.nodes)} nodes; "
          f"{len(valid)} answers in the valid submission; median of {args.runs} runs")
    print(f"build Evaluator (compile all conditions): {build_ms:8.2f} ms (once per template)")
    print(f"full evaluate:                            {full_ms:8.2f} ms")
    times = update_times
    print(f"incremental update (one yesno flipped):   {statistics.median(times):8.3f} ms median, "
          f"{times[int(len(times) * 0.9) - 1]:.3f} ms p90, {times[int(len(times) * 0.99) - 1]:.3f} ms p99 "
          f"over {len(times)} updates (p99 includes scheduler preemption on a loaded machine)")
    print(f"full validate, submission (valid):        {validate_ms:8.2f} ms = {1000 / validate_ms:,.0f} validations/s")
    print(f"full validate, draft (all answers):       {draft_ms:8.2f} ms = {1000 / draft_ms:,.0f} validations/s")


if __name__ == "__main__":
    main()
