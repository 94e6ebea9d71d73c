"""Printable output: render time per standard-library template (its complete.json), and the
extended RELIABILITY E3 run: N generated answer sets with `HIDDEN-<uuid>` canaries in every hidden
or skipped answer, 0 of which may reach the page.

    python bench/print.py [--sets 10000] [--runs 20] [--pdf]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid

from benchlib import ROOT, machine_line, median, ms, table

for extra in (ROOT / "tests" / "print", ROOT / "tests" / "stdlib"):
    sys.path.insert(0, str(extra))

from print_helpers import TEMPLATES, answers_file, context, every_answer, leaks, plant_canaries, template  # noqa: E402

from organizer.runtime.printout import render_print  # noqa: E402


def render_times(runs: int, with_pdf: bool) -> None:
    rows = []
    for template_id in TEMPLATES:
        printed, answers = template(template_id), answers_file(template_id)
        html = render_print(printed, answers, context())
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            render_print(printed, answers, context())
            times.append(time.perf_counter() - start)
        row = [template_id, len(printed.evaluator.questions), f"{len(html):,}", ms(median(times))]
        if with_pdf:
            from organizer.pdf import render_pdf

            start = time.perf_counter()
            pdf = render_pdf(html)
            row += [f"{len(pdf):,}", ms(time.perf_counter() - start)]
        rows.append(row)
    header = ["template", "questions", "HTML bytes", "render ms (median)"]
    header += ["PDF bytes", "PDF ms"] if with_pdf else []
    print(table(header, rows))


def canaries(sets: int) -> None:
    start = time.perf_counter()
    planted = with_canaries = leaked = 0
    rng = random.Random(20270120)
    for _ in range(sets):
        printed = template(rng.choice(TEMPLATES))
        answers = every_answer(printed, rng)
        state = printed.evaluate(answers, context())
        canary = f"HIDDEN-{uuid.UUID(int=rng.getrandbits(128))}"
        count = plant_canaries(printed, state, answers, canary)
        html = render_print(printed, answers, context(), file_url=lambda pointer, file: f"/files{pointer}")
        leaked += len(leaks(html, canary) + leaks(json.dumps(printed.submission(answers, context())), canary))
        planted += count
        with_canaries += count > 0
    print(f"E3: {sets:,} random answer sets ({with_canaries:,} with hidden answers), {planted:,} canaries planted, "
          f"{leaked} leaks, {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pdf", action="store_true", help="also time the PDF (needs the pdf extra)")
    args = parser.parse_args()
    print(machine_line(["jinja2"] + (["weasyprint"] if args.pdf else [])))
    render_times(args.runs, args.pdf)
    canaries(args.sets)


if __name__ == "__main__":
    main()
