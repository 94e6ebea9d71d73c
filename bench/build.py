#!/usr/bin/env python3
"""Full build time of Organizer vs pyxform (XLSForm -> XForm), side by side in one run.

    python bench/build.py [--sizes 50 500 5000] [--rounds R] [--seed 0] [--no-xlsx] [--no-stages]
                          [--profile]

For each N, interleaved round by round (A B C D, B C D A, ...; gc.collect() before every timed
call; one untimed warm-up call of each first):

  organizer peer   compile_source(generate_peer(N)): parse, check, lower and every emitter
                   (organizer.json, schema.json, draft.schema.json), the 1:1 translation of the
                   peers' questionnaire
  organizer real   compile_source(generate(N, seed)): the realistic template of N questions
  pyxform csv      pyxform.xls2xform.convert(xlsform_nN.csv, validate=False) -> XForm XML, in process
                   (reads the file itself), the same questionnaire from write_xlsform(N, ".csv")
  pyxform xlsx     the same from the .xlsx workbook (openpyxl), the peers' headline input

Printed: median, min-max, µs per question, and the speed-up of Organizer over pyxform as the
median of per-round ratios (pyxform time / organizer time; paired, steadier than a ratio of
medians). The goal in the issue is >= 5x faster than pyxform at 500 and 5,000 questions.
`--no-stages` drops the stage split of the peer build (check_source = parse + check, lower,
each emitter), which is timed in its own rounds after the paired ones. `--profile` adds the top
functions of one compile_source at the largest N (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import benchlib  # noqa: F401  (sets sys.path)
from benchlib import fmt, import_pyxform, machine_line, median, paired_ratio, paired_rounds, table, timed
from generate import generate, generate_peer, write_xlsform

from organizer.compiler import build as build_module
from organizer.compiler.build import compile_source
from organizer.compiler.lower import lower
from organizer.dsl.frontend import check_source

try:
    from organizer.dsl.gcpause import gc_paused
except ImportError:  # before compile_source paused the GC
    from contextlib import nullcontext as gc_paused

DEFAULT_ROUNDS = {50: 15, 500: 7, 5000: 5}


def organizer_build(text: str, file: str) -> dict[str, str]:
    result = compile_source(text, file)
    if not result.ok:
        raise SystemExit(f"{file} does not compile: {[d.code for d in result.diagnostics][:5]}")
    return result.artifacts


def pyxform_convert(path: Path) -> str:
    convert, _ = import_pyxform()
    return convert(str(path), validate=False).xform


def stages(text: str, file: str) -> dict[str, float]:
    """Seconds per stage of one build, mirroring compile_source (GC paused as it does)."""
    with gc_paused():
        return _stages(text, file)


def _stages(text: str, file: str) -> dict[str, float]:
    times: dict[str, float] = {}
    start = time.perf_counter()
    checked = check_source(text, file, None)
    times["check_source (parse+check)"] = time.perf_counter() - start
    assert checked.ok and checked.module is not None and checked.template is not None
    start = time.perf_counter()
    program = lower(checked.module, checked.template, file, text, None)
    times["lower"] = time.perf_counter() - start
    for emit in build_module.EMITTERS:
        start = time.perf_counter()
        emit(program)
        times[f"emit {emit.__name__}"] = time.perf_counter() - start
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    ap.add_argument("--rounds", type=int, default=None, help="rounds per size (default 15 / 7 / 5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-xlsx", action="store_true", help="skip pyxform from .xlsx (needs openpyxl)")
    ap.add_argument("--no-stages", action="store_true")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    try:
        import_seconds = import_pyxform()[1]
        import pyxform
    except ImportError:
        raise SystemExit("pyxform is not installed: pip install -e '.[bench]'") from None
    want_xlsx = not args.no_xlsx
    if want_xlsx:
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            print("(openpyxl missing: pyxform xlsx skipped)")
            want_xlsx = False

    print("# Build: Organizer compile_source vs pyxform XLSForm -> XForm\n")
    print(f"_{machine_line(['pyxform', 'openpyxl', 'lark'])}_\n")
    print(f"organizer emitters: {', '.join(e.__name__ for e in build_module.EMITTERS)}\n")
    rows, ratio_rows, stage_rows, sizes_rows = [], [], [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            rounds = args.rounds or DEFAULT_ROUNDS.get(n, 5)
            peer, real = generate_peer(n), generate(n, args.seed)
            csv = write_xlsform(n, Path(tmp) / f"xlsform_n{n}.csv")
            candidates: dict[str, Any] = {
                "organizer peer": partial(organizer_build, peer, f"peer_n{n}.organizer"),
                "organizer real": partial(organizer_build, real, f"bench_n{n}.organizer"),
                "pyxform csv": partial(pyxform_convert, csv),
            }
            if want_xlsx:
                xlsx = write_xlsform(n, Path(tmp) / f"xlsform_n{n}.xlsx")
                candidates["pyxform xlsx"] = partial(pyxform_convert, xlsx)
            outputs = {name: action() for name, action in candidates.items()}
            sizes_rows.append([n, fmt(len(peer.encode()) / 1024), fmt(len(real.encode()) / 1024),
                               fmt(sum(len(v.encode()) for v in outputs["organizer peer"].values()) / 1024),
                               fmt(len(outputs["pyxform csv"].encode()) / 1024)])
            times = paired_rounds(candidates, rounds, warmup=False)
            for name, values in times.items():
                spread = f"{fmt(min(values) * 1000)}–{fmt(max(values) * 1000)}"
                rows.append([n, name, fmt(median(values) * 1000), spread, len(values), fmt(median(values) * 1e6 / n)])
            for org in ("organizer peer", "organizer real"):
                for peer_name in [k for k in candidates if k.startswith("pyxform")]:
                    ratio = paired_ratio(times[peer_name], times[org])
                    goal = "" if n < 500 else ("met" if ratio >= 5 else "NOT met")
                    ratio_rows.append([n, org, peer_name, f"{ratio:.2f}x", goal])
            if not args.no_stages:
                split: dict[str, list[float]] = {}
                for _ in range(rounds):
                    timed(lambda: None)
                    for stage, seconds in stages(peer, f"peer_n{n}.organizer").items():
                        split.setdefault(stage, []).append(seconds)
                total = sum(median(v) for v in split.values())
                for stage, values in split.items():
                    stage_rows.append([n, stage, fmt(median(values) * 1000), f"{median(values) / total:.0%}"])
            print(f"(N={n} done, {time.perf_counter() - started:.0f} s)", flush=True)

    print("\n## Inputs and outputs (KiB)\n")
    print(table(["N", "peer .organizer", "realistic .organizer", "organizer artifacts (peer)", "XForm (pyxform)"],
                sizes_rows))
    print("\n## Times (wall, ms; median of rounds)\n")
    print(table(["N", "candidate", "median ms", "min–max ms", "rounds", "µs / question"], rows))
    print("\n## Speed-up of Organizer over pyxform (paired: median of per-round pyxform/organizer)\n")
    print(table(["N", "organizer", "vs", "organizer is faster by", "goal >= 5x"], ratio_rows))
    if stage_rows:
        print("\n## Stage split of the peer build (median ms, own rounds)\n")
        print(table(["N", "stage", "median ms", "share"], stage_rows))
    if args.profile:
        n = max(args.sizes)
        text = generate_peer(n)
        profiler = cProfile.Profile()
        profiler.enable()
        organizer_build(text, f"peer_n{n}.organizer")
        profiler.disable()
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(25)
            print(f"\n## cProfile of compile_source(generate_peer({n})), by {key}\n\n```")
            print("\n".join(out.getvalue().splitlines()[4:]))
            print("```")
    print(f"\nwall time of this run: {time.perf_counter() - started:.0f} s; pyxform {pyxform.__version__} "
          f"(its import took {import_seconds:.2f} s, with Lark's interegular check off: see benchlib.import_pyxform)")


if __name__ == "__main__":
    main()
